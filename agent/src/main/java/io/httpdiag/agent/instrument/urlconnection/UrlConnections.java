package io.httpdiag.agent.instrument.urlconnection;

import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.WeakIdentityTable;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The HttpURLConnection adapter: turns the hooks of {@link UrlConnectionInstrumentation} into the
 * {@link Events} vocabulary. java.base types only (the JDK's objects arrive as {@code Object}).
 *
 * <p>One exchange per {@code sun.net.www.protocol.http.HttpURLConnection} (the object the user holds,
 * or the delegate behind an {@code HttpsURLConnection}); redirects and retries that connect again are
 * attempts of it. One connection per {@code sun.net.www.http.HttpClient}. State lives in one
 * {@link WeakIdentityTable} keyed by those objects and by the {@code HttpInputStream} handed to the user;
 * values never refer to the keys (the stream refers to its connection, which would keep both alive).
 *
 * <p>Threads: HttpURLConnection is blocking: an exchange runs on the caller's thread, except the
 * JDK's own cleaner ({@code Keep-Alive-SocketCleaner}, drains bodies closed early) and timer
 * ({@code Keep-Alive-Timer}, closes idle connections). What happens during a call (which stream is
 * being closed, which connection is going into the cache) is kept per thread in {@link Ctx}.
 * Every method never throws.
 */
public final class UrlConnections {
  private UrlConnections() {}

  static final int MAX_ENTRIES = 65_536;
  private static final AtomicLong exchangeIds = new AtomicLong();
  private static final AtomicLong connectionIds = new AtomicLong();
  static final WeakIdentityTable table = new WeakIdentityTable(MAX_ENTRIES, UrlConnections::expunged);
  private static final ThreadLocal<Ctx> CTX = ThreadLocal.withInitial(Ctx::new);

  /** One exchange: an HttpURLConnection from its first connect to the end of its response body. */
  static final class Xch {
    final long id;
    volatile Conn conn;
    volatile String url;
    volatile boolean gotConn, wroteRequest, responded, bodyEnded;
    /** The connection was released before the user got the stream (an empty body): with this result. */
    volatile String releasedBeforeResponse;
    /** From the KeepAliveStream (fixed-length bodies); -1 unknown. */
    volatile long expected = -1, count = -1;

    Xch(long id) {
      this.id = id;
    }
  }

  /** One connection: a {@code sun.net.www.http.HttpClient}. */
  static final class Conn {
    final long id;
    final long createdAt;
    volatile long idleSince;
    volatile int requests;
    volatile Xch current;
    volatile boolean closed, fromCache;

    Conn(long id, long createdAt) {
      this.id = id;
      this.createdAt = createdAt;
    }
  }

  /** What the calling thread is in the middle of. */
  static final class Ctx {
    Xch current;
    Xch closing;
    Xch disconnecting;
    Conn putting;
    boolean evicted;
    int responseDepth;
  }

  // ------------------------------------------------------------------ exchange

  public static void connecting(Object huc, String method, URL url, int connectTimeoutMs, int readTimeoutMs) {
    try {
      if (url == null) return;
      String u = url.toString();
      Xch x = (Xch) table.get(huc);
      if (x == null) {
        x = new Xch(HttpLibrary.URLCONNECTION.id(exchangeIds.incrementAndGet()));
        x.url = u;
        if (!table.put(huc, x, true)) return;
        Events.libraryExchangeStart(x.id, method, u, -1, millisToNanos(connectTimeoutMs), millisToNanos(readTimeoutMs));
      } else {
        if (x.responded) return; // connect() after the response: nothing happens
        Events.attempt(x.id, u.equals(x.url) ? "retry" : "redirect", u);
        x.url = u;
        x.gotConn = false;
        x.wroteRequest = false;
        x.releasedBeforeResponse = null;
        x.conn = null;
      }
      CTX.get().current = x;
      Events.getConn(x.id, hostPort(url));
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void connected(Object huc, Object http, Throwable error) {
    try {
      Xch x = (Xch) table.get(huc);
      if (x == null) return;
      if (error != null) {
        Events.exchangeFailed(x.id, error);
        return;
      }
      if (http == null) return; // answered from a ResponseCache
      Conn c = conn(http);
      if (c == null) return;
      x.conn = c;
      c.current = x;
      c.requests++;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The request is about to be written: the connection is ready (dialed, TLS done, or from the cache). */
  public static void writingRequest(Object huc) {
    try {
      Xch x = (Xch) table.get(huc);
      if (x == null || x.gotConn) return;
      Conn c = x.conn;
      if (c == null) return;
      x.gotConn = true;
      long now = System.nanoTime();
      boolean reused = c.fromCache;
      c.fromCache = false;
      Events.gotConn(x.id, c.id, reused, reused, reused && c.idleSince != 0 ? now - c.idleSince : 0,
          now - c.createdAt, c.requests);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void wroteHeaders(Object huc, Throwable error) {
    try {
      Xch x = (Xch) table.get(huc);
      if (x == null) return;
      if (error != null) Events.wroteRequest(x.id, -1, error);
      else Events.wroteHeaders(x.id);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The client starts reading the response: the request (body included) is written. */
  public static void readingResponse(Object http) {
    try {
      Conn c = (Conn) table.get(http);
      Xch x = c == null ? null : c.current;
      if (x == null || x.wroteRequest) return;
      x.wroteRequest = true;
      Events.wroteRequest(x.id, -1, null);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void responseEnter() {
    try {
      CTX.get().responseDepth++;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The outermost {@code getInputStream()} returns the body stream, or throws: for an error status
   * with the body in {@code inputStream} (what {@code getErrorStream()} returns), or without a response.
   */
  public static void responseExit(Object huc, Object stream, int status, Throwable error) {
    try {
      Ctx ctx = CTX.get();
      if (--ctx.responseDepth > 0) return;
      ctx.responseDepth = 0;
      Xch x = (Xch) table.get(huc);
      if (x == null || x.responded) return;
      if (stream == null || status <= 0) {
        if (error != null) {
          if (error instanceof SocketTimeoutException) Events.timeout(x.id, "read");
          Events.exchangeFailed(x.id, error);
        }
        return;
      }
      x.responded = true;
      table.put(stream, x, false);
      Events.gotResponseHeaders(x.id, status, -1);
      Events.responseReturned(x.id, stream);
      String released = x.releasedBeforeResponse;
      if (released != null) { // 204, 304, HEAD, Content-Length: 0: the JDK released the connection already
        bodyDone(x, "eof", true);
        Conn c = x.conn;
        Events.putIdleConn(x.id, c == null ? 0 : c.id, released);
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void disconnecting(Object huc) {
    try {
      CTX.get().disconnecting = (Xch) table.get(huc);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void disconnected() {
    try {
      CTX.get().disconnecting = null;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  // ------------------------------------------------------------------ body

  public static void streamEof(Object stream) {
    try {
      Xch x = (Xch) table.get(stream);
      if (x != null && !x.bodyEnded) released(x, "eof");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void streamClosing(Object stream) {
    try {
      CTX.get().closing = (Xch) table.get(stream);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The user's close returned. A body still not ended here released no connection on this thread:
   * its connection was not kept alive (closing the stream closed it), or its rest was queued for the
   * cleaner thread (ended by {@link #queuedForDrain} already).
   */
  public static void streamClosed(Object stream) {
    try {
      Ctx ctx = CTX.get();
      Xch x = ctx.closing;
      ctx.closing = null;
      if (x == null || x.bodyEnded) return;
      released(x, closedBy(ctx, x));
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The body ended without {@code finished()} or {@code closeServer()}: the connection is not kept alive. */
  private static void released(Xch x, String closedBy) {
    bodyDone(x, closedBy, true);
    Conn c = x.conn;
    if (c != null && c.current == x && !c.closed) Events.exchangeDone(x.id, "notKeptAlive");
  }

  public static void keepAliveStreamClosing(Object http, long expected, long count) {
    try {
      Conn c = (Conn) table.get(http);
      Xch x = c == null ? null : c.current;
      if (x == null) return;
      x.expected = expected;
      x.count = count;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Closed early, the rest (Content-Length within http.KeepAlive.remainingData) goes to the JDK's cleaner thread to drain. */
  public static void queuedForDrain(Object http) {
    try {
      Conn c = (Conn) table.get(http);
      Xch x = c == null ? null : c.current;
      if (x != null && x.responded) bodyDone(x, closedBy(CTX.get(), x), true);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static void bodyDone(Xch x, String closedBy, boolean drained) {
    if (x.bodyEnded) return;
    x.bodyEnded = true;
    Conn c = x.conn;
    long expected = x.expected;
    long count = "eof".equals(closedBy) && expected >= 0 ? expected : x.count;
    Events.bodyEnd(x.id, c == null ? 0 : c.id, count, expected, drained, closedBy);
  }

  private static String closedBy(Ctx ctx, Xch x) {
    if (ctx.disconnecting == x) return "disconnect";
    if (ctx.closing == x) return "close";
    return "eof";
  }

  // ------------------------------------------------------------------ connection

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

  // ------------------------------------------------------------------ helpers

  /** The connection of {@code http}; one made before the instrumentation (unknown history) is adopted. */
  private static Conn conn(Object http) {
    Conn c = (Conn) table.get(http);
    if (c != null) return c;
    c = new Conn(HttpLibrary.URLCONNECTION.id(connectionIds.incrementAndGet()), System.nanoTime());
    c.fromCache = true;
    return table.put(http, c, false) ? c : null;
  }

  /**
   * A collected HttpURLConnection: its body stream went with it (the stream refers to it), so a body
   * handed out and never ended was collected unclosed; an exchange that never got a response is abandoned.
   */
  static void expunged(Object value) {
    if (!(value instanceof Xch)) return;
    Xch x = (Xch) value;
    if (x.bodyEnded) return;
    x.bodyEnded = true;
    if (x.responded) Events.bodyCollected(x.id);
    else Events.exchangeAbandoned(x.id);
  }

  private static long millisToNanos(int ms) {
    return ms <= 0 ? 0 : ms * 1_000_000L;
  }

  private static String hostPort(URL url) {
    int port = url.getPort() < 0 ? url.getDefaultPort() : url.getPort();
    return url.getHost() + ":" + port;
  }
}
