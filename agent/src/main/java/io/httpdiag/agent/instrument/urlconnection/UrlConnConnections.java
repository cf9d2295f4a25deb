package io.httpdiag.agent.instrument.urlconnection;

import static io.httpdiag.agent.instrument.urlconnection.UrlConnState.*;

import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;
import java.net.Socket;
import java.net.URL;

/**
 * The HttpURLConnection adapter's connection side: a {@code sun.net.www.http.HttpClient} dialed (TLS
 * too), taken from the keep-alive cache, put back (or the cache's oldest evicted: full), closed and why.
 * java.base types only; every method never throws. See {@link UrlConnections}.
 */
public final class UrlConnConnections {
  private UrlConnConnections() {}


  public static void dialStart(Object http, URL url) {
    try {
      Conn c = new Conn(HttpLibrary.URLCONNECTION.id(connectionIds.incrementAndGet()), System.nanoTime());
      if (!table.put(http, c, false)) return;
      Xch x = CTX.get().current;
      if (x != null && url != null) Events.connectStart(x.id, hostPort(url));
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void dialDone(Object http, Socket socket, Throwable error) {
    try {
      Conn c = (Conn) table.get(http);
      Xch x = CTX.get().current;
      if (c == null) return;
      if (error != null) c.closed = true;
      if (x != null) {
        Events.connectDone(x.id, c.id, socket == null ? null : String.valueOf(socket.getRemoteSocketAddress()), error);
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void tlsStart(Object https) {
    try {
      Conn c = (Conn) table.get(https);
      Xch x = c == null ? null : c.current;
      if (x != null) Events.tlsHandshakeStart(x.id);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void tlsDone(Object https, String protocol, String cipherSuite, Throwable error) {
    try {
      Conn c = (Conn) table.get(https);
      Xch x = c == null ? null : c.current;
      if (x != null) Events.tlsHandshakeDone(x.id, c.id, protocol, cipherSuite, null, error);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void cacheHit(Object http) {
    try {
      Conn c = (Conn) table.get(http);
      if (c != null) c.fromCache = true;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** {@code finished()}: the body was read to the end (or drained): the connection goes to the cache or is closed. */
  public static void finished(Object http) {
    try {
      Conn c = (Conn) table.get(http);
      Xch x = c == null ? null : c.current;
      if (x == null) return;
      Ctx ctx = CTX.get();
      if (x.responded) bodyDone(x, closedBy(ctx, x), true);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void cachePutting(Object http) {
    try {
      Ctx ctx = CTX.get();
      ctx.putting = (Conn) table.get(http);
      ctx.evicted = false;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The connection is in the keep-alive cache, unless the cache closed it (keep-alive time 0). When the
   * cache held http.maxConnections idle connections for the host already, it closed the oldest one:
   * reported as "poolFull", the cache too small for the concurrency.
   */
  public static void cachePut(Object http) {
    try {
      Ctx ctx = CTX.get();
      Conn c = ctx.putting;
      boolean evicted = ctx.evicted;
      ctx.putting = null;
      ctx.evicted = false;
      if (c == null) return;
      Xch x = c.current;
      c.current = null;
      c.idleSince = System.nanoTime();
      String result = c.closed ? "notCacheable" : evicted ? "poolFull" : "ok";
      connectionReleased(x, c, result);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void closeServer(Object http) {
    try {
      Conn c = (Conn) table.get(http);
      if (c == null || c.closed) return;
      c.closed = true;
      Ctx ctx = CTX.get();
      Xch x = c.current;
      boolean endingBody = x != null && x.responded && !x.bodyEnded;
      String reason;
      if (ctx.putting != null && ctx.putting != c) {
        reason = "poolFull";
        ctx.evicted = true;
      } else if (ctx.putting == c) {
        reason = "notCacheable";
      } else if (ctx.disconnecting != null) {
        reason = "disconnect";
      } else if (endingBody && ctx.closing == x) {
        reason = "bodyClosedEarly";
      } else if (endingBody) {
        reason = "error";
      } else if (x == null && Thread.currentThread().getName().startsWith("Keep-Alive-Timer")) {
        reason = "idleTimeout";
      } else {
        // Before the user got a body: a redirect to elsewhere, an error or a timeout reading the response.
        reason = x == null ? "closed" : x.responded ? "notKeptAlive" : "beforeResponse";
      }
      if (x != null && ctx.putting != c) {
        c.current = null;
        if (endingBody) bodyDone(x, ctx.disconnecting == x ? "disconnect" : ctx.closing == x ? "close" : "error", false);
        connectionReleased(x, c, reason);
      }
      Events.clientConnClosed(c.id, reason);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The connection of {@code x} went idle or was closed: before the user got the body, remembered for then. */
  private static void connectionReleased(Xch x, Conn c, String result) {
    if (x != null && !x.responded) {
      x.releasedBeforeResponse = result;
      Events.putIdleConn(0, c.id, result); // the pool's count only: the exchange is not ready to end
      return;
    }
    Events.putIdleConn(x == null ? 0 : x.id, c.id, result);
  }

}
