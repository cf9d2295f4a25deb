package io.httpdiag.agent.runtime;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The facade the advice calls: one static method per tracepoint, java.base types only. Keeps the
 * state of exchanges in flight in a table bounded by {@code max.exchanges} (more are counted in
 * {@link Counters#droppedExchanges} and not reported), feeds {@link PoolStats}, and hands every step
 * to the {@link Sink}. Every method never throws and never blocks; failures are counted.
 *
 * <p>Exchanges or connections the runtime never saw start (they predate an attach, or were dropped)
 * are ignored rather than guessed at.
 */
public final class Events {
  private static volatile Sink sink = Sink.NONE;
  private static volatile Redactor redactor = new Redactor(Config.defaults());
  private static volatile int maxExchanges = 4096;
  private static volatile boolean enabled;
  /** Watch response bodies for the GC backstop (the body detector is on). */
  private static volatile boolean watchBodies;
  private static final ConcurrentHashMap<Long, ExchangeState> exchanges = new ConcurrentHashMap<>();
  private static final PoolStats pool = new PoolStats();

  private Events() {}

  /** Starts delivering to {@code newSink}. Called once by the installer. */
  public static void install(Config config, Sink newSink) {
    redactor = new Redactor(config);
    maxExchanges = config.maxExchanges;
    CallSite.configure(config);
    ThreadTracker.enabled = config.detectThreads;
    newSink = TestFault.wrap(newSink);
    watchBodies = config.detectBody;
    Findings.install(newSink);
    sink = newSink;
    enabled = true;
  }

  public static PoolStats pool() {
    return pool;
  }

  public static Redactor redactor() {
    return redactor;
  }

  /** Exchanges currently tracked. */
  public static int inFlight() {
    return exchanges.size();
  }

  /** Calls {@code action} for every exchange in flight (the detectors' sweeper). Weakly consistent. */
  public static void forEachInFlight(java.util.function.Consumer<ExchangeState> action) {
    for (ExchangeState x : exchanges.values()) action.accept(x);
  }

  // ---------------------------------------------------------------- configuration

  /**
   * A component was built; captures the user's call site (always: creations are rare unless they are
   * the bug) and returns it (null when not enabled).
   */
  public static String configured(String component, Object instance, long... settings) {
    if (!enabled) return null;
    try {
      String site = CallSite.always();
      sink.configured(component, instance, site, settings);
      return site;
    } catch (Throwable t) {
      Counters.failure(t);
      return null;
    }
  }

  // ---------------------------------------------------------------- client

  public static void clientExchangeStart(long exchangeId, String method, String url, long deadlineNanos) {
    startClient(exchangeId, method, url, deadlineNanos, false, -1, -1);
  }

  /** A JDK HttpClient exchange: {@code MultiExchange} created. Timeouts in nanoseconds, -1 when none. */
  public static void jdkExchangeStart(long exchangeId, String method, String url, long requestTimeoutNanos,
      long connectTimeoutNanos) {
    startClient(exchangeId, method, url, 0, true, requestTimeoutNanos, connectTimeoutNanos);
  }

  private static void startClient(long exchangeId, String method, String url, long deadlineNanos, boolean jdk,
      long requestTimeoutNanos, long connectTimeoutNanos) {
    if (!enabled) return;
    try {
      long now = System.nanoTime();
      if (exchanges.size() >= maxExchanges) {
        Counters.droppedExchanges.incrementAndGet();
        return;
      }
      ExchangeState x = new ExchangeState(exchangeId, false, now);
      x.method = method;
      x.url = redactor.url(url);
      x.deadlineNanos = deadlineNanos;
      x.callSite = CallSite.sampled();
      x.thread = Thread.currentThread();
      if (jdk) {
        x.requestTimeoutNanos = requestTimeoutNanos;
        x.connectTimeoutNanos = connectTimeoutNanos;
      }
      exchanges.put(exchangeId, x);
      x.threadScope = ThreadTracker.clientStart(exchangeId, x.method, x.url);
      sink.start(x);
      sink.step(x, Step.EXCHANGE_START, now);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void getConn(long exchangeId, String hostPort) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.getConnAt = System.nanoTime();
      x.hostPort = hostPort;
      sink.step(x, Step.GET_CONN, x.getConnAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void dnsStart(long exchangeId, String host) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.dnsStartAt = System.nanoTime();
      x.dnsHost = host;
      sink.step(x, Step.DNS_START, x.dnsStartAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void dnsDone(long exchangeId, String addresses, Throwable error) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.dnsDoneAt = System.nanoTime();
      x.dnsAddresses = addresses;
      if (error != null) x.error = describe(error);
      sink.step(x, Step.DNS_DONE, x.dnsDoneAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void connectStart(long exchangeId, String address) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.connectStartAt = System.nanoTime();
      x.connectAddress = address;
      sink.step(x, Step.CONNECT_START, x.connectStartAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void connectDone(long exchangeId, long connectionId, String address, Throwable error) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.connectDoneAt = System.nanoTime();
      x.connectAddress = address;
      if (error != null) {
        x.error = describe(error);
      } else {
        x.connectionId = connectionId;
        pool.dialed(connectionId, x.hostPort);
      }
      sink.step(x, Step.CONNECT_DONE, x.connectDoneAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void tlsHandshakeStart(long exchangeId, long connectionId) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.tlsStartAt = System.nanoTime();
      sink.step(x, Step.TLS_HANDSHAKE_START, x.tlsStartAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void tlsHandshakeDone(long exchangeId, long connectionId, String protocol, String cipherSuite,
      String alpn, Throwable error) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.tlsDoneAt = System.nanoTime();
      x.tlsProtocol = protocol;
      x.tlsCipherSuite = cipherSuite;
      x.alpn = alpn;
      if (error != null) x.error = describe(error);
      sink.step(x, Step.TLS_HANDSHAKE_DONE, x.tlsDoneAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void gotConn(long exchangeId, long connectionId, boolean reused, boolean wasIdle, long idleNanos,
      long connAgeNanos, int requestsOnConn) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.gotConnAt = System.nanoTime();
      x.connectionId = connectionId;
      x.reused = reused;
      x.wasIdle = wasIdle;
      x.idleNanos = idleNanos;
      x.connAgeNanos = connAgeNanos;
      x.requestsOnConn = requestsOnConn;
      long waiting = pool.gotConn(connectionId, x.hostPort, reused);
      if (waiting != 0) finish(waiting);
      sink.step(x, Step.GOT_CONN, x.gotConnAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void wroteHeaders(long exchangeId) {
    simpleStep(exchangeId, Step.WROTE_HEADERS);
  }

  public static void wait100Continue(long exchangeId) {
    simpleStep(exchangeId, Step.WAIT_100_CONTINUE);
  }

  public static void got100Continue(long exchangeId) {
    simpleStep(exchangeId, Step.GOT_100_CONTINUE);
  }

  public static void wroteRequest(long exchangeId, long bodyBytes, Throwable error) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.wroteRequestAt = System.nanoTime();
      x.requestBytes = bodyBytes;
      if (error != null) x.error = describe(error);
      sink.step(x, Step.WROTE_REQUEST, x.wroteRequestAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void gotFirstResponseByte(long exchangeId) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.firstByteAt = System.nanoTime();
      sink.step(x, Step.GOT_FIRST_RESPONSE_BYTE, x.firstByteAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void gotResponseHeaders(long exchangeId, int status, long contentLength) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.responseHeadersAt = System.nanoTime();
      x.status = status;
      x.contentLength = contentLength;
      sink.step(x, Step.GOT_RESPONSE_HEADERS, x.responseHeadersAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * core-transport returns the response: {@code body} is the stream the caller must read or close.
   * Watched weakly so that a body collected while still open is reported without waiting for its age.
   */
  public static void responseReturned(long exchangeId, Object body) {
    if (!watchBodies || body == null) return;
    ExchangeState x = find(exchangeId);
    if (x == null || x.bodyEnded) return;
    try {
      x.bodyWatch = new BodyWatch(body, exchangeId);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The sweeper's GC backstop: ends every exchange whose watched body was collected before it ended
   * (see {@link #bodyCollected}). Returns how many. Never blocks.
   */
  public static int pollCollectedBodies() {
    int n = 0;
    try {
      BodyWatch w;
      while ((w = BodyWatch.poll()) != null) {
        ExchangeState x = exchanges.get(w.exchangeId);
        if (x != null && x.bodyWatch == w) {
          bodyCollected(w.exchangeId);
          n++;
        }
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
    return n;
  }

  /**
   * The body the caller held was garbage-collected before it ended (never read to the end nor
   * closed): the exchange ends now with {@code closedBy} "collected" and {@code bodyCollectedAt}
   * set, so the body detector can report it at once.
   */
  public static void bodyCollected(long exchangeId) {
    ExchangeState x = find(exchangeId);
    if (x == null || x.bodyEnded) return;
    try {
      x.bodyCollectedAt = System.nanoTime();
      x.closedBy = "collected";
      end(x);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void exchangeFailed(long exchangeId, Throwable error) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.endAt = System.nanoTime();
      x.error = describe(error);
      sink.step(x, Step.EXCHANGE_FAILED, x.endAt);
      end(x);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The body ended. The exchange ends here if its putIdleConn was already seen, else at putIdleConn,
   * or when its connection is next used or closed (so a missing putIdleConn cannot pin the entry).
   */
  public static void bodyEnd(long exchangeId, long connectionId, long bytesRead, long contentLength, boolean drained,
      String closedBy) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.bodyEndAt = System.nanoTime();
      x.bodyEnded = true;
      x.responseBytes = bytesRead;
      if (contentLength >= 0) x.contentLength = contentLength;
      x.drained = drained;
      x.closedBy = closedBy;
      sink.step(x, Step.BODY_END, x.bodyEndAt);
      if (x.putIdleResult != null) {
        end(x);
      } else {
        pool.awaitPutIdle(connectionId != 0 ? connectionId : x.connectionId, exchangeId);
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void putIdleConn(long exchangeId, long connectionId, String result) {
    try {
      if (!enabled) return;
      pool.putIdleConn(connectionId, result);
      ExchangeState x = exchanges.get(exchangeId);
      if (x == null) return;
      x.putIdleConnAt = System.nanoTime();
      x.putIdleResult = result;
      sink.step(x, Step.PUT_IDLE_CONN, x.putIdleConnAt);
      if (x.bodyEnded) end(x);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void canceled(long exchangeId, String where) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.canceledWhere = where;
      sink.step(x, Step.CANCELED, System.nanoTime());
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void timeout(long exchangeId, String kind) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.timeoutKind = kind;
      sink.step(x, Step.TIMEOUT, System.nanoTime());
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * JDK HttpClient: the logical exchange goes on with a new attempt ({@code kind} "redirect" to
   * {@code url}, or "retry"). The per-attempt outcome of the previous attempt is forgotten.
   */
  public static void attempt(long exchangeId, String kind, String url) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      boolean redirect = "redirect".equals(kind);
      if (redirect) x.redirects++; else x.retries++;
      x.attemptKind = redirect ? redactor.url(url) : x.error;
      x.putIdleResult = null;
      x.bodyEnded = false;
      x.error = null;
      sink.step(x, redirect ? Step.REDIRECT : Step.RETRY, System.nanoTime());
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The exchange can no longer be observed (its owner was collected): end it with what is known. */
  public static void exchangeAbandoned(long exchangeId) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      if (x.closedBy == null) x.closedBy = "unknown";
      end(x);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Ends an exchange that returns no connection to a pool (HTTP/2 stream closed: {@code result} "streamClosed"). */
  public static void exchangeDone(long exchangeId, String result) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.putIdleConnAt = System.nanoTime();
      x.putIdleResult = result;
      if (x.bodyEnded) end(x);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Client-level event, e.g. a JDK HttpClient created or stopped. */
  public static void client(String client, String event, String... keyValues) {
    try {
      if (enabled) sink.client(client, event, keyValues);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Whether the exchange is tracked (seen from its start and not ended). */
  public static boolean tracked(long exchangeId) {
    return enabled && exchanges.containsKey(exchangeId);
  }

  /** A client connection-level event other than close (e.g. "h2Connection": HTTP/2 set up on it). */
  public static void clientConnection(long connectionId, String event, String... keyValues) {
    try {
      if (enabled) sink.connection(connectionId, false, event, keyValues);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void clientConnClosed(long connectionId, String reason) {
    try {
      if (!enabled) return;
      long waiting = pool.closed(connectionId, reason);
      if (waiting != 0) finish(waiting);
      sink.connection(connectionId, false, "connClosed", "reason", reason);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  // ---------------------------------------------------------------- server

  public static void serverConnAccepted(long connectionId, String remoteAddress, String localAddress) {
    try {
      if (enabled) sink.connection(connectionId, true, "connAccepted", "remote", remoteAddress, "local", localAddress);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void serverConnState(long connectionId, String state) {
    try {
      if (enabled) sink.connection(connectionId, true, "connState", "state", state);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void serverTlsHandshakeDone(long connectionId, String protocol, String cipherSuite, String alpn,
      Throwable error) {
    try {
      if (enabled) {
        sink.connection(connectionId, true, "tlsHandshakeDone", "protocol", protocol, "cipher", cipherSuite,
            "alpn", alpn, "error", error == null ? null : describe(error));
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void serverRequestHeadersRead(long connectionId, long exchangeId, String method, String target,
      String protocol, int requestOnConn) {
    if (!enabled) return;
    try {
      long now = System.nanoTime();
      if (exchanges.size() >= maxExchanges) {
        Counters.droppedExchanges.incrementAndGet();
        return;
      }
      ExchangeState x = new ExchangeState(exchangeId, true, now);
      x.connectionId = connectionId;
      x.method = method;
      x.url = redactor.url(target);
      x.protocol = protocol;
      x.requestOnConn = requestOnConn;
      x.reused = requestOnConn > 1;
      x.thread = Thread.currentThread(); // the connection's thread runs the handler
      exchanges.put(exchangeId, x);
      sink.start(x);
      sink.step(x, Step.REQUEST_HEADERS_READ, now);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void serverBadRequest(long connectionId, int status, String reason) {
    try {
      if (enabled) sink.connection(connectionId, true, "badRequest", "status", Integer.toString(status), "reason", reason);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void handlerStart(long exchangeId) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      ThreadTracker.handlerStart(exchangeId, x.method, x.url);
      x.handlerStartAt = System.nanoTime();
      sink.step(x, Step.HANDLER_START, x.handlerStartAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void responseCommitted(long exchangeId, int status) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.committedAt = System.nanoTime();
      x.status = status;
      sink.step(x, Step.RESPONSE_COMMITTED, x.committedAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void handlerEnd(long exchangeId, Throwable error) {
    ThreadTracker.handlerEnd(exchangeId);
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.handlerEndAt = System.nanoTime();
      if (error != null) x.error = describe(error);
      sink.step(x, Step.HANDLER_END, x.handlerEndAt);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void serverRequestCanceled(long exchangeId) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.canceledWhere = "handler";
      sink.step(x, Step.REQUEST_CANCELED, System.nanoTime());
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void serverExchangeEnd(long connectionId, long exchangeId, int status, long bytesRead,
      long bytesWritten, boolean keepAlive) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      x.endAt = System.nanoTime();
      x.status = status;
      x.bytesIn = bytesRead;
      x.bytesOut = bytesWritten;
      x.keepAlive = keepAlive;
      sink.step(x, Step.SERVER_EXCHANGE_END, x.endAt);
      end(x);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void serverConnClosed(long connectionId, String reason) {
    try {
      if (enabled) sink.connection(connectionId, true, "connClosed", "reason", reason);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static ExchangeState find(long exchangeId) {
    if (!enabled) return null;
    TestFault.at("events"); // outside the catch on purpose: the advice's handler must catch it
    try {
      return exchanges.get(exchangeId);
    } catch (Throwable t) {
      Counters.failure(t);
      return null;
    }
  }

  private static void simpleStep(long exchangeId, Step step) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    try {
      long now = System.nanoTime();
      if (step == Step.WROTE_HEADERS) x.wroteHeadersAt = now;
      sink.step(x, step, now);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Ends an exchange whose putIdleConn will not come. */
  private static void finish(long exchangeId) {
    ExchangeState x = exchanges.get(exchangeId);
    if (x != null) end(x);
  }

  private static void end(ExchangeState x) {
    if (exchanges.remove(x.id, x)) {
      Object w = x.bodyWatch;
      if (w != null) ((BodyWatch) w).clear(); // ended: nothing left to watch
      ThreadTracker.clientEnd(x.threadScope);
      if (x.endAt == 0) x.endAt = System.nanoTime();
      sink.end(x);
    }
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getName() : t.getClass().getName() + ": " + m;
  }
}
