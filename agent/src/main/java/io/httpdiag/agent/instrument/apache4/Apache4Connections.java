package io.httpdiag.agent.instrument.apache4;

import static io.httpdiag.agent.instrument.apache4.Apache4State.connectionIds;
import static io.httpdiag.agent.instrument.apache4.Apache4State.current;
import static io.httpdiag.agent.instrument.apache4.Apache4State.table;

import io.httpdiag.agent.instrument.apache4.Apache4State.Conn;
import io.httpdiag.agent.instrument.apache4.Apache4State.Cur;
import io.httpdiag.agent.instrument.apache4.Apache4State.Xch;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;

/**
 * HC4's pool and connections: requestConnection (getConn), the pool lease and its wait
 * (AbstractConnPool.getPoolEntryBlocking), DNS, connect and TLS (DefaultHttpClientConnectionOperator,
 * the socket factories), and the close of a connection with the reason its closer gave. HC4 leases a
 * pooled entry first and connects it afterwards, so a new connection's gotConn comes after its connect,
 * as in the shared vocabulary. Never throws.
 */
public final class Apache4Connections {
  private Apache4Connections() {}

  /** The setting that raises each of HC4's pool limits, as users write it. */
  public static final String PER_ROUTE = "maxConnPerRoute: HttpClientBuilder.setMaxConnPerRoute(n) or "
      + "PoolingHttpClientConnectionManager.setDefaultMaxPerRoute(n)";
  public static final String TOTAL = "maxConnTotal: HttpClientBuilder.setMaxConnTotal(n) or "
      + "PoolingHttpClientConnectionManager.setMaxTotal(n)";
  /** A lease shorter than this is not a wait: the advice does not even ask the pool for its stats. */
  public static final long WAIT_NANOS = 1_000_000L;

  /** PoolingHttpClientConnectionManager.requestConnection(route): the exchange asks for a connection. */
  public static void getConn(String hostPort) {
    try {
      Xch x = current.get().xch;
      if (x != null) Events.getConn(x.id, hostPort);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** getPoolEntryBlocking entered: the lease's start, 0 outside an exchange (then nothing is reported). */
  public static long leaseStart() {
    Cur c = current.get();
    if (c.xch == null) return 0;
    c.closeReason = "idleTimeout"; // the pool closes expired entries (and the least recently used) here
    return System.nanoTime();
  }

  /**
   * The pool handed over {@code conn} (open: reused, idle since {@code updatedMillis}; closed: to be
   * connected), or threw {@code error} (its connection-request timeout). {@code limit} ≥ 0 when the lease
   * waited at a limit: {@code leased} of {@code limit} in use, {@code pending} waiting, raised by {@code setting}.
   */
  public static void leased(Object conn, boolean open, long updatedMillis, long waitNanos, int limit, int leased,
      int pending, String setting) {
    try {
      Cur c = current.get();
      c.closeReason = null;
      Xch x = c.xch;
      if (x == null) return;
      if (limit >= 0) Events.poolWait(x.id, waitNanos, limit, leased, pending, setting);
      if (conn == null) return;
      Object o = table.get(conn);
      Conn k;
      if (o instanceof Conn) {
        k = (Conn) o;
      } else {
        k = new Conn(HttpLibrary.APACHE4.id(connectionIds.incrementAndGet()));
        table.put(conn, k, false);
      }
      x.conn = k;
      if (open) {
        int n = ++k.requests;
        long idle = updatedMillis > 0 ? Math.max(0, System.currentTimeMillis() - updatedMillis) * 1_000_000L : 0;
        Events.gotConn(x.id, k.id, true, true, idle, System.nanoTime() - k.createdAt, n);
      } else {
        c.connecting = k; // gotConn once connected
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** DefaultHttpClientConnectionOperator.connect entered for {@code conn}. */
  public static void connectEnter(Object conn) {
    Cur c = current.get();
    if (c.xch == null) return;
    Object o = table.get(conn);
    if (o instanceof Conn) c.connecting = (Conn) o;
    c.connectDone = false;
    c.connectAddress = null;
  }

  /** SystemDefaultDnsResolver.resolve: only while connecting for an exchange. */
  public static boolean dnsStart(String host) {
    try {
      Cur c = current.get();
      if (c.xch == null || c.connecting == null) return false;
      Events.dnsStart(c.xch.id, host);
      return true;
    } catch (Throwable t) {
      Counters.failure(t);
      return false;
    }
  }

  public static void dnsDone(String addresses, Throwable error) {
    try {
      Xch x = current.get().xch;
      if (x != null) Events.dnsDone(x.id, addresses, error);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** A socket factory's connectSocket: the TCP connect to {@code ip}:{@code port} starts. */
  public static void socketConnectStart(String ip, int port) {
    try {
      Cur c = current.get();
      if (c.xch == null || c.connecting == null) return;
      String address = ip + ":" + port;
      c.connectAddress = address;
      c.connectDone = false;
      Events.connectStart(c.xch.id, address);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The TCP connect ended (reported once per connect: by the TLS layer's start, or connectSocket's end). */
  public static void socketConnected(Throwable error) {
    try {
      Cur c = current.get();
      if (c.xch == null || c.connecting == null || c.connectDone || c.connectAddress == null) return;
      c.connectDone = true;
      Events.connectDone(c.xch.id, c.connecting.id, c.connectAddress, error);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** SSLConnectionSocketFactory.createLayeredSocket entered: TCP is up, the handshake starts. */
  public static void tlsStart() {
    try {
      socketConnected(null);
      Cur c = current.get();
      if (c.xch != null && c.connecting != null) Events.tlsHandshakeStart(c.xch.id);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void tlsDone(String protocol, String cipherSuite, Throwable error) {
    try {
      Cur c = current.get();
      if (c.xch != null && c.connecting != null) {
        Events.tlsHandshakeDone(c.xch.id, c.connecting.id, protocol, cipherSuite, null, error);
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** DefaultHttpClientConnectionOperator.connect returned (or threw): a new connection for the exchange. */
  public static void connectExit(Throwable error) {
    try {
      socketConnected(error);
      Cur c = current.get();
      Conn k = c.connecting;
      c.connecting = null;
      c.connectAddress = null;
      Xch x = c.xch;
      if (x == null || k == null || error != null) return;
      k.requests = 1;
      Events.gotConn(x.id, k.id, false, false, 0, System.nanoTime() - k.createdAt, 1);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Sets why the connections closed by the hook now running close (returns the previous reason). */
  public static String closing(String reason) {
    Cur c = current.get();
    String previous = c.closeReason;
    c.closeReason = reason;
    return previous;
  }

  public static void closingDone(String previous) {
    current.get().closeReason = previous;
  }

  /** BHttpConnectionBase.close or shutdown of an open connection: reported if it is one of ours. */
  public static void closed(Object conn) {
    try {
      Object o = table.get(conn);
      if (!(o instanceof Conn)) return;
      table.remove(conn);
      String reason = current.get().closeReason;
      Events.clientConnClosed(((Conn) o).id, reason != null ? reason : "other");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }
}
