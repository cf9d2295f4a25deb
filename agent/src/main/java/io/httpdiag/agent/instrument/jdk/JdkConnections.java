package io.httpdiag.agent.instrument.jdk;

import static io.httpdiag.agent.instrument.jdk.JdkState.*;

import io.httpdiag.agent.instrument.jdk.JdkState.Conn;
import io.httpdiag.agent.instrument.jdk.JdkState.Xch;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.Ids;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/** Connections: pool hits, connect, TLS handshake, return to the pool, close. */
public final class JdkConnections {
  private JdkConnections() {}

  /** Set between ConnectionPool.getConnection's exit and HttpConnection.getConnection's exit (same thread). */
  private static final ThreadLocal<Object> poolHit = new ThreadLocal<>();
  /** Set while the pool purges expired connections on this thread. */
  private static final ThreadLocal<Boolean> purging = new ThreadLocal<>();


  public static void getConn(Object request, InetSocketAddress address) {
    try {
      Xch x = xch(request);
      if (x == null) return;
      poolHit.remove();
      if (x.getConn) return;
      x.getConn = true;
      Events.getConn(x.id, hostPort(address));
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** ConnectionPool.getConnection returned {@code conn} (non-null: a pool hit). */
  public static void poolHit(Object conn) {
    if (conn != null) poolHit.set(conn);
  }

  /** HttpConnection.getConnection returned {@code conn} for the exchange's request. */
  public static void gotConnection(Object request, Object conn, InetSocketAddress address, String connClass) {
    try {
      Object hit = poolHit.get();
      poolHit.remove();
      Xch x = xch(request);
      if (x == null || conn == null) return;
      long now = System.nanoTime();
      Object known = table.get(conn);
      Conn c = known instanceof Conn ? (Conn) known : null;
      if (hit == conn) {
        if (c == null) { // pooled before the agent was attached: history unknown
          c = new Conn(Ids.JDK_BASE + connectionIds.incrementAndGet(), 0, true);
          c.hostPort = hostPort(address);
          table.put(conn, c, false);
        }
        c.requests++;
        c.current = x;
        x.conn = c;
        x.gotConn = true;
        x.gotConnOnce = 1;
        c.idle = false;
        long idle = c.idleSince == 0 ? -1 : now - c.idleSince; // known once it went idle after the attach
        Events.gotConn(x.id, c.id, true, true, idle, c.unknownHistory ? -1 : now - c.createdAt,
            c.unknownHistory ? -1 : c.requests);
        return;
      }
      if (c == null) {
        c = new Conn(Ids.JDK_BASE + connectionIds.incrementAndGet(), now, false);
        c.hostPort = hostPort(address);
        c.tls = connClass != null && connClass.contains("SSL");
        table.put(conn, c, false);
      }
      c.current = x;
      x.conn = c;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** PlainHttpConnection.connectAsync(exchange) entered: links the plain connection and its tube. */
  public static void connectStart(Object plain, Object exchange, InetSocketAddress address, Object tube) {
    try {
      Xch x = xch(exchange);
      if (x == null) return;
      Conn c = x.conn;
      if (c == null) return;
      if (table.get(plain) == null) table.put(plain, c, false);
      if (tube != null && table.get(tube) == null) table.put(tube, c, false);
      Events.connectStart(x.id, hostPort(address));
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** connectAsync returned: the connect may have finished without blocking. */
  public static void connectReturned(Object exchange, SocketChannel channel) {
    try {
      if (channel != null && channel.isConnected()) connected(exchange, channel, false);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The TCP connect finished (ConnectEvent handled, or without blocking). */
  public static void connected(Object exchange, SocketChannel channel, boolean failed) {
    try {
      Xch x = xch(exchange);
      if (x == null || x.gotConn) return;
      Conn c = x.conn;
      if (c == null) return;
      if (channel != null && !channel.isConnected() && !failed) return;
      if (!CONNECT_DONE.compareAndSet(x, 0, 1)) return;
      Throwable error = failed ? new java.net.ConnectException("connect failed") : null;
      String addr = c.hostPort;
      if (channel != null && channel.isConnected() && channel.getRemoteAddress() instanceof InetSocketAddress) {
        addr = hostPort((InetSocketAddress) channel.getRemoteAddress());
      }
      Events.connectDone(x.id, c.id, addr, error);
      if (!c.tls && !failed) gotNewConn(x, c);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** PlainHttpConnection.finishConnect: connected for sure (for TLS, after the handshake). */
  public static void finishConnect(Object plain) {
    try {
      Object o = table.get(plain);
      if (!(o instanceof Conn)) return;
      Conn c = (Conn) o;
      Xch x = c.current;
      if (x == null) return;
      // Normally reported already (connect event, or TLS handshake): this is the fallback.
      if (CONNECT_DONE.compareAndSet(x, 0, 1)) {
        Events.connectDone(x.id, c.id, c.hostPort, null);
        gotNewConn(x, c);
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** SSLTube constructed over the plain connection's tube: the handshake starts. */
  public static void tlsStart(SSLEngine engine, Object plainTube) {
    try {
      Object o = table.get(plainTube);
      if (!(o instanceof Conn)) return;
      Conn c = (Conn) o;
      c.tls = true;
      table.put(engine, c, false);
      Xch x = c.current;
      if (x == null) return;
      if (CONNECT_DONE.compareAndSet(x, 0, 1)) { // connected without a ConnectEvent on this path
        Events.connectDone(x.id, c.id, c.hostPort, null);
      }
      Events.tlsHandshakeStart(x.id);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** SSLFlowDelegate.setALPN: the handshake finished. */
  public static void tlsDone(SSLEngine engine) {
    try {
      Object o = table.get(engine);
      if (!(o instanceof Conn)) return;
      Conn c = (Conn) o;
      if (c.tlsDone) return;
      c.tlsDone = true;
      Xch x = c.current;
      if (x == null) return;
      SSLSession s = engine.getSession();
      String alpn = engine.getApplicationProtocol();
      Events.tlsHandshakeDone(x.id, c.id, s == null ? null : s.getProtocol(), s == null ? null : s.getCipherSuite(),
          alpn == null || alpn.isEmpty() ? "none" : alpn, null);
      gotNewConn(x, c);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static void gotNewConn(Xch x, Conn c) {
    if (!GOT_CONN.compareAndSet(x, 0, 1)) return;
    x.gotConn = true;
    c.requests = 1;
    Events.gotConn(x.id, c.id, false, false, 0, 0, 1);
  }

  /** ConnectionPool.returnToPool(conn, ...): the exchange's connection goes idle. */
  public static void returnToPool(Object conn) {
    try {
      Object o = table.get(conn);
      if (!(o instanceof Conn)) return;
      Conn c = (Conn) o;
      c.idle = true;
      c.idleSince = System.nanoTime();
      Xch x = c.current;
      c.current = null;
      Events.putIdleConn(x == null ? 0 : x.id, c.id, "ok");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void purging(boolean on) {
    if (on) purging.set(Boolean.TRUE); else purging.remove();
  }

  /** PlainHttpConnection.close(..): reports once per connection. */
  public static void closed(Object plain) {
    try {
      Object o = table.get(plain);
      if (!(o instanceof Conn)) return;
      Conn c = (Conn) o;
      if (c.closed) return;
      c.closed = true;
      Xch x = c.h2 ? null : c.current; // HTTP/2: streams end on their own
      String reason;
      if (purging.get() != null) {
        reason = "idleTimeout";
      } else if (c.idle || x == null) {
        reason = "peerClosed";
      } else {
        reason = x.undrained ? "undrained" : x.status != 0 ? "connectionClose" : "error";
      }
      if (x != null) {
        c.current = null;
        Events.putIdleConn(x.id, c.id, reason);
      }
      Events.clientConnClosed(c.id, reason);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }
}
