package io.httpdiag.agent.instrument.urlconnection;

import static io.httpdiag.agent.instrument.urlconnection.UrlConnState.*;

import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;
import java.net.SocketTimeoutException;
import java.net.URL;

/**
 * The HttpURLConnection adapter's exchange side (the connection side is {@link UrlConnConnections},
 * the state {@link UrlConnState}): turns the hooks of {@link UrlConnectionInstrumentation} into the
 * {@link Events} vocabulary. java.base types only (the JDK's objects arrive as {@code Object}).
 *
 * <p>One exchange per {@code sun.net.www.protocol.http.HttpURLConnection} (the object the user holds,
 * or the delegate behind an {@code HttpsURLConnection}); redirects and retries that connect again are
 * attempts of it. One connection per {@code sun.net.www.http.HttpClient}. State lives in one
 * weak identity table keyed by those objects (the {@code HttpInputStream} handed to the user is
 * found through its HttpURLConnection, {@code this$0}); values never refer to the keys.
 *
 * <p>Threads: HttpURLConnection is blocking: an exchange runs on the caller's thread, except the
 * JDK's own cleaner ({@code Keep-Alive-SocketCleaner}, drains bodies closed early) and timer
 * ({@code Keep-Alive-Timer}, closes idle connections). What happens during a call (which stream is
 * being closed, which connection is going into the cache) is kept per thread in {@link UrlConnState.Ctx}.
 * Every method never throws.
 */
public final class UrlConnections {
  private UrlConnections() {}

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
      x.responded = true; // its body stream (an inner class of huc) finds x through huc's entry
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

  /** The user's body stream (of {@code huc}) returned -1. */
  public static void streamEof(Object huc) {
    try {
      Xch x = responded(huc);
      if (x != null && !x.bodyEnded) released(x, "eof");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void streamClosing(Object huc) {
    try {
      CTX.get().closing = responded(huc);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The user's close returned. A body still not ended here released no connection on this thread:
   * its connection was not kept alive (closing the stream closed it), or its rest was queued for the
   * cleaner thread (ended by {@link #queuedForDrain} already).
   */
  public static void streamClosed() {
    try {
      Ctx ctx = CTX.get();
      Xch x = ctx.closing;
      ctx.closing = null;
      if (x != null && !x.bodyEnded) released(x, closedBy(ctx, x));
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The exchange of {@code huc} once the user has its body stream; null before (the JDK reads and
   * closes the streams of a redirect's or an error's earlier responses inside getInputStream).
   */
  private static Xch responded(Object huc) {
    Xch x = (Xch) table.get(huc);
    return x != null && x.responded ? x : null;
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

}
