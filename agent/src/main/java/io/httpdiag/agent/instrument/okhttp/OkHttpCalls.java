package io.httpdiag.agent.instrument.okhttp;

import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.WeakIdentityTable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The adapter for OkHttp calls ({@code okhttp3.internal.connection.RealCall}): one exchange per call,
 * from {@code execute()}/{@code enqueue()} to the moment OkHttp itself considers the call done
 * ({@code RealCall.callDone}: the response body completed, read to the end or closed, or the call
 * failed). Follow-ups (redirects, retries) stay in the call's exchange as attempts, as OkHttp keeps
 * them in one {@code Call}. Called from advice only; java.base types; never throws into OkHttp
 * (every advice counts what escapes).
 *
 * <p>State per call lives in {@link OkCall}, found through a weak identity table keyed by the
 * {@code RealCall}: a call the application drops is forgotten with it.
 */
public final class OkHttpCalls {
  private static final AtomicLong nextId = new AtomicLong();
  /** RealCall -> OkCall. Package-private for the connection adapter. */
  static final WeakIdentityTable calls = new WeakIdentityTable(65_536, null);

  private OkHttpCalls() {}

  /** What the agent knows about one call. Fields are written on the thread that runs the call's current step. */
  static final class OkCall {
    final long id;
    /** Exchanges (attempts) OkHttp opened for this call. */
    int exchanges;
    /** The connection this call dialled and has not yet acquired (0: none), see {@link OkHttpConnections}. */
    volatile long dialled;
    volatile long connectionId;
    /** The connection's state while this call holds it: saves a lookup under OkHttp's connection lock. */
    volatile Object connection;
    /** The user's response body: closed before OkHttp saw its end. */
    boolean closedEarly;
    boolean bodyComplete;
    long bodyBytes = -1;
    long contentLength = -1;
    boolean connectionClose;
    /**
     * Inside {@code RealCall.callDone}: its release of the connection (under the connection's lock)
     * only notes {@link #releasedConn} and {@link #releaseResult}; callDone's exit reports them,
     * outside the lock, so that OkHttp's pool cleanup does not wait on the agent's work.
     */
    boolean inCallDone;
    Object releasedConn;
    String releaseResult;
    boolean releaseClosing;
    // Async calls: set when the Dispatcher queued the call instead of running it (its limits were reached).
    volatile boolean enqueuing;
    volatile boolean executing;
    volatile long queuedAt;
    volatile int queueLimit;
    volatile int queueRunning;
    volatile int queueWaiting;
    volatile String queueSetting;
    volatile String queueHostPort;

    OkCall(long id) {
      this.id = id;
    }
  }

  static OkCall of(Object call) {
    return call == null ? null : (OkCall) calls.get(call);
  }

  /** {@code RealCall.callStart()}: the call starts ({@code execute()} or {@code enqueue()}), on the caller's thread. */
  public static void start(Object call, String method, String url, int callTimeoutMs, int connectTimeoutMs,
      int readTimeoutMs) {
    if (calls.get(call) != null) return; // one start per call (execute and enqueue may be called once anyway)
    OkCall c = new OkCall(HttpLibrary.OKHTTP.id(nextId.incrementAndGet()));
    if (!calls.put(call, c, false)) return;
    Events.libraryExchangeStart(c.id, method, url, millisToNanos(callTimeoutMs), millisToNanos(connectTimeoutMs),
        millisToNanos(readTimeoutMs));
  }

  /**
   * {@code RealCall.initExchange}: the call asks for a connection. The first time it is the exchange's
   * getConn; later ones are a follow-up (a redirect when the URL changed, else a retry) and then getConn.
   */
  public static void initExchange(Object call, String hostPort, String url, String originalUrl) {
    OkCall c = of(call);
    if (c == null) return;
    if (c.exchanges++ > 0) {
      boolean redirect = url != null && !url.equals(originalUrl);
      Events.attempt(c.id, redirect ? "redirect" : "retry", url);
      c.bodyComplete = false;
      c.closedEarly = false;
    }
    Events.getConn(c.id, hostPort);
  }

  /** A host name is looked up with the client's {@code Dns} (OkHttp 4 passes literal addresses too: not a lookup). */
  public static void dnsStart(Object call, String host) {
    OkCall c = of(call);
    if (c != null && !isAddress(host)) Events.dnsStart(c.id, host);
  }

  public static void dnsDone(Object call, String host, String addresses, Throwable error) {
    OkCall c = of(call);
    if (c != null && !isAddress(host)) Events.dnsDone(c.id, addresses, error);
  }

  /** An IPv4 or IPv6 literal (OkHttp keeps IPv6 hosts without brackets). */
  static boolean isAddress(String host) {
    if (host == null || host.isEmpty()) return false;
    if (host.indexOf(':') >= 0) return true;
    for (int i = 0; i < host.length(); i++) {
      char ch = host.charAt(i);
      if (ch != '.' && (ch < '0' || ch > '9')) return false;
    }
    return true;
  }

  /** {@code Exchange.writeRequestHeaders} returned (or threw). */
  public static void wroteHeaders(Object call, Throwable error) {
    OkCall c = of(call);
    if (c == null) return;
    if (error == null) Events.wroteHeaders(c.id);
    else Events.wroteRequest(c.id, -1, error);
  }

  /** {@code Exchange.finishRequest}: the request (headers and body) is flushed. OkHttp counts no body bytes here: -1. */
  public static void wroteRequest(Object call, Throwable error) {
    OkCall c = of(call);
    if (c != null) Events.wroteRequest(c.id, -1, error);
  }

  /**
   * {@code Exchange.responseHeadersEnd}: headers parsed. OkHttp has no separate first-byte moment,
   * so none is reported. {@code connection} is the response's Connection header value.
   */
  public static void responseHeaders(Object call, int status, String contentLength, String connection) {
    OkCall c = of(call);
    if (c == null) return;
    long length = -1;
    if (contentLength != null) {
      try {
        length = Long.parseLong(contentLength.trim());
      } catch (NumberFormatException e) {
        length = -1;
      }
    }
    c.contentLength = length;
    c.connectionClose = connection != null && connection.equalsIgnoreCase("close");
    Events.gotResponseHeaders(c.id, status, length);
  }

  /** {@code getResponseWithInterceptorChain} returned {@code response} to the caller: watched weakly (GC backstop). */
  public static void responseReturned(Object call, Object response) {
    OkCall c = of(call);
    if (c != null && !c.bodyComplete) Events.responseReturned(c.id, response);
  }

  /** The response body source closed before OkHttp saw its end (the caller closed it early). */
  public static void bodyClosedEarly(Object call) {
    OkCall c = of(call);
    if (c != null) c.closedEarly = true;
  }

  /** The response body source completed: {@code bytes} read by the caller, with {@code error} or not. */
  public static void bodyComplete(Object call, long bytes, long contentLength, Throwable error) {
    OkCall c = of(call);
    if (c == null) return;
    c.bodyComplete = true;
    c.bodyBytes = bytes;
    if (contentLength >= 0) c.contentLength = contentLength;
  }

  /**
   * {@code RealCall.callDone}: OkHttp is done with the call (its connection already released, see
   * {@link OkHttpConnections#released}). The exchange ends here: failed, or with its body's end.
   */
  public static void callDone(Object call, Object state, Throwable error) {
    if (!(state instanceof OkCall)) return;
    OkCall c = (OkCall) state;
    calls.remove(call);
    c.inCallDone = false;
    OkHttpConnections.reportRelease(c);
    if (error != null && !c.bodyComplete) {
      Events.exchangeFailed(c.id, error);
      return;
    }
    boolean drained = c.bodyComplete && !c.closedEarly;
    Events.bodyEnd(c.id, c.connectionId, c.bodyBytes, c.contentLength, drained,
        c.closedEarly ? "close" : error != null ? "error" : "eof");
    if (!Events.tracked(c.id)) return;
    // No connection to release (never acquired, or a follow-up already released it): nothing else will end it.
    Events.exchangeDone(c.id, "released");
  }

  /**
   * {@code RealCall.callDone} entered: the release inside it is reported when it returns. Returns the
   * call's state for {@link #callDone} (one table look-up per callDone), or null.
   */
  public static Object callDoneStart(Object call) {
    OkCall c = of(call);
    if (c != null) c.inCallDone = true;
    return c;
  }

  public static void canceled(Object call) {
    OkCall c = of(call);
    if (c != null) Events.canceled(c.id, "Call.cancel()");
  }

  // ---------------------------------------------------------------- the Dispatcher (async calls)

  /** {@code Dispatcher.enqueue} begins: the call may run at once, inside this enqueue, or wait in the queue. */
  public static void enqueueing(Object call) {
    OkCall c = of(call);
    if (c == null) return;
    c.enqueuing = true;
    c.queuedAt = System.nanoTime();
  }

  /**
   * {@code Dispatcher.enqueue} returned: if the call has not started it waits in the Dispatcher, at
   * {@code maxRequests} ({@code running} async calls in all) or at {@code maxRequestsPerHost}
   * ({@code runningForHost} to its host).
   */
  public static void enqueued(Object call, String host, int port, int maxRequests, int maxRequestsPerHost, int running,
      int waiting, int runningForHost) {
    OkCall c = of(call);
    if (c == null) return;
    c.enqueuing = false;
    if (c.executing) return;
    c.queueHostPort = host + ":" + port;
    boolean all = running >= maxRequests;
    c.queueLimit = all ? maxRequests : maxRequestsPerHost;
    c.queueRunning = all ? running : runningForHost;
    c.queueWaiting = waiting;
    c.queueSetting = all ? "client.dispatcher().setMaxRequests(n)" : "client.dispatcher().setMaxRequestsPerHost(n)";
  }

  /** {@code AsyncCall.executeOn}: the Dispatcher hands the call to its executor; it waited if it was queued. */
  public static void executing(Object call) {
    OkCall c = of(call);
    if (c == null) return;
    c.executing = true;
    String setting = c.queueSetting;
    if (c.enqueuing || setting == null) return; // ran at once, inside enqueue
    Events.poolWait(c.id, c.queueHostPort, System.nanoTime() - c.queuedAt, c.queueLimit, c.queueRunning, c.queueWaiting, setting);
  }

  /** Expunges collected calls (housekeeping). */
  static void expunge() {
    calls.expunge();
  }

  static long millisToNanos(int millis) {
    return millis <= 0 ? 0 : millis * 1_000_000L;
  }

  static void failure(Throwable t) {
    Counters.failure(t);
  }
}
