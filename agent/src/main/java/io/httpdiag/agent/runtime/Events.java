package io.httpdiag.agent.runtime;

/**
 * The facade the advice calls: one static method per tracepoint, java.base types only. Keeps the
 * state of exchanges in flight in a table bounded by {@code max.exchanges} (more are counted in
 * {@link Counters#droppedExchanges} and not reported), feeds {@link PoolStats}, and hands every step
 * to the {@link Sink}. Never blocks. What the sink throws is counted by {@link SafeSink}; what this
 * code throws (a bug of ours) reaches the caller's handler, which counts it: every caller is advice
 * with {@code AgentBuilders.countFailures()} or a library adapter that catches and counts.
 *
 * <p>Publication: exchanges live in a {@link LongTable}; an {@link ExchangeState} is
 * published by {@code put} before its first step, and each later tracepoint of an exchange runs after
 * the transport's own hand-off between threads (see {@link ExchangeState}).
 *
 * <p>Exchanges or connections the runtime never saw start (they predate an attach, or were dropped)
 * are ignored rather than guessed at.
 */
public final class Events {
  // Written once by install, before enabled (volatile) is set; read after enabled on every path.
  static volatile Sink sink = Sink.NONE;
  static volatile Redactor redactor = new Redactor(Config.defaults());
  static volatile int maxExchanges = 4096;
  static volatile boolean enabled;
  /** Watch response bodies for the GC backstop (the body detector is on). */
  private static volatile boolean watchBodies;
  /**
   * Keyed by the primitive id: a lookup on every step allocates no {@code Long}. Sized for the
   * default max.exchanges. Not final only so that the fault-safety test can make it throw (see
   * FaultSeams in the tests).
   */
  static LongTable<ExchangeState> exchanges = new LongTable<>(8192);
  private static final PoolStats pool = new PoolStats();

  private Events() {}

  /** Starts delivering to {@code newSink}, with no thread-scope hook and no check point. */
  public static void install(Config config, Sink newSink) {
    install(config, newSink, newSink, null, null);
  }

  /**
   * Starts delivering events to {@code newSink} (the detectors, then the reporters) and findings to
   * {@code findingsSink} (the reporters). Called once, by the agent's bootstrap, before any advice
   * runs. {@code beforeFirstThreadScope} runs once before the first thread scope opens (it
   * instruments {@code Thread}; null: nothing to do); {@code checkpoint} runs the age-based detectors
   * as if the given {@code System.nanoTime()} had come (see {@link Findings#sweep}; null: none).
   */
  public static void install(Config config, Sink newSink, Sink findingsSink, Runnable beforeFirstThreadScope,
      java.util.function.LongConsumer checkpoint) {
    redactor = new Redactor(config);
    maxExchanges = config.maxExchanges;
    CallSite.configure(config);
    ThreadTracker.install(config.detectThreads, beforeFirstThreadScope);
    watchBodies = config.detectBody;
    Sink safe = new SafeSink(newSink);
    Findings.install(findingsSink == newSink ? safe : new SafeSink(findingsSink), checkpoint);
    sink = safe;
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
    exchanges.forEach(action);
  }

  // ---------------------------------------------------------------- configuration

  /**
   * A component was built; captures the user's call site (always: creations are rare unless they are
   * the bug) and returns it (null when not enabled).
   */
  public static String configured(String component, Object instance, long... settings) {
    if (!enabled) return null;
    String site = CallSite.always();
    sink.configured(component, instance, site, settings);
    return site;
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

  /**
   * An exchange of another library ({@link HttpLibrary}; the id is in its range) starts on the calling
   * thread. Timeouts in nanoseconds as configured, 0 or -1 when none: {@code callTimeoutNanos} bounds
   * the whole exchange, {@code connectTimeoutNanos} the dial, {@code readTimeoutNanos} each read.
   */
  public static void libraryExchangeStart(long exchangeId, String method, String url, long callTimeoutNanos,
      long connectTimeoutNanos, long readTimeoutNanos) {
    startClient(exchangeId, method, url, 0, true, callTimeoutNanos, connectTimeoutNanos, readTimeoutNanos);
  }

  private static void startClient(long exchangeId, String method, String url, long deadlineNanos, boolean timeouts,
      long requestTimeoutNanos, long connectTimeoutNanos) {
    startClient(exchangeId, method, url, deadlineNanos, timeouts, requestTimeoutNanos, connectTimeoutNanos, -1);
  }

  /** {@code timeouts}: the exchange has timeouts of its own (a library other than core-transport's deadline). */
  private static void startClient(long exchangeId, String method, String url, long deadlineNanos,
      boolean timeouts, long requestTimeoutNanos, long connectTimeoutNanos, long readTimeoutNanos) {
    if (!enabled) return;
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
    if (timeouts) {
      x.requestTimeoutNanos = requestTimeoutNanos;
      x.connectTimeoutNanos = connectTimeoutNanos;
      x.readTimeoutNanos = readTimeoutNanos;
    }
    exchanges.put(exchangeId, x);
    Counters.trackedExchanges.increment();
    x.threadScope = ThreadTracker.clientStart(exchangeId, x.method, x.url);
    sink.start(x);
    sink.step(x, Step.EXCHANGE_START, now);
  }

  public static void getConn(long exchangeId, String hostPort) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.getConnAt = System.nanoTime();
    x.hostPort = hostPort;
    sink.step(x, Step.GET_CONN, x.getConnAt);
  }

  /**
   * The exchange waited {@code waitNanos} for a connection because its pool was at its limit:
   * {@code limit} connections per route or host ({@code limitSetting} names the setting that raises it,
   * in the library's words), {@code leased} of them in use and {@code pending} requests waiting when
   * it asked (-1: unknown). Call it when the library hands the connection over (or gives up waiting),
   * only when the pool's limit made it wait.
   */
  public static void poolWait(long exchangeId, long waitNanos, int limit, int leased, int pending,
      String limitSetting) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.poolWaitNanos = waitNanos;
    x.poolLimit = limit;
    x.poolLeased = leased;
    x.poolPending = pending;
    x.poolLimitSetting = limitSetting;
    sink.step(x, Step.POOL_WAIT, System.nanoTime());
  }

  /**
   * As {@link #poolWait(long, long, int, int, int, String)}, for a library whose wait comes before its
   * getConn (OkHttp's Dispatcher queues async calls before they look for a connection): sets the
   * exchange's host and port when no getConn has yet.
   */
  public static void poolWait(long exchangeId, String hostPort, long waitNanos, int limit, int leased, int pending,
      String limitSetting) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    if (x.hostPort == null) x.hostPort = hostPort;
    poolWait(exchangeId, waitNanos, limit, leased, pending, limitSetting);
  }

  public static void dnsStart(long exchangeId, String host) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.dnsStartAt = System.nanoTime();
    x.dnsHost = host;
    sink.step(x, Step.DNS_START, x.dnsStartAt);
  }

  public static void dnsDone(long exchangeId, String addresses, Throwable error) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.dnsDoneAt = System.nanoTime();
    x.dnsAddresses = addresses;
    if (error != null) x.error = describe(error);
    sink.step(x, Step.DNS_DONE, x.dnsDoneAt);
  }

  public static void connectStart(long exchangeId, String address) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.connectStartAt = System.nanoTime();
    x.connectAddress = address;
    sink.step(x, Step.CONNECT_START, x.connectStartAt);
  }

  public static void connectDone(long exchangeId, long connectionId, String address, Throwable error) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.connectDoneAt = System.nanoTime();
    x.connectAddress = address;
    if (error != null) {
      x.error = describe(error);
    } else {
      x.connectionId = connectionId;
      pool.dialed(connectionId, x.hostPort);
    }
    sink.step(x, Step.CONNECT_DONE, x.connectDoneAt);
  }

  public static void tlsHandshakeStart(long exchangeId) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.tlsStartAt = System.nanoTime();
    sink.step(x, Step.TLS_HANDSHAKE_START, x.tlsStartAt);
  }

  public static void tlsHandshakeDone(long exchangeId, long connectionId, String protocol, String cipherSuite,
      String alpn, Throwable error) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.tlsDoneAt = System.nanoTime();
    x.tlsProtocol = protocol;
    x.tlsCipherSuite = cipherSuite;
    x.alpn = alpn;
    if (error != null) x.error = describe(error);
    sink.step(x, Step.TLS_HANDSHAKE_DONE, x.tlsDoneAt);
  }

  public static void gotConn(long exchangeId, long connectionId, boolean reused, boolean wasIdle, long idleNanos,
      long connAgeNanos, int requestsOnConn) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
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
    x.wroteRequestAt = System.nanoTime();
    x.requestBytes = bodyBytes;
    if (error != null) x.error = describe(error);
    sink.step(x, Step.WROTE_REQUEST, x.wroteRequestAt);
  }

  public static void gotFirstResponseByte(long exchangeId) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.firstByteAt = System.nanoTime();
    sink.step(x, Step.GOT_FIRST_RESPONSE_BYTE, x.firstByteAt);
  }

  public static void gotResponseHeaders(long exchangeId, int status, long contentLength) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.responseHeadersAt = System.nanoTime();
    x.status = status;
    x.contentLength = contentLength;
    sink.step(x, Step.GOT_RESPONSE_HEADERS, x.responseHeadersAt);
  }

  /**
   * core-transport returns the response: {@code body} is the stream the caller must read or close.
   * Watched weakly so that a body collected while still open is reported without waiting for its age.
   */
  public static void responseReturned(long exchangeId, Object body) {
    if (!watchBodies || body == null) return;
    ExchangeState x = find(exchangeId);
    if (x == null || x.bodyEnded) return;
    x.bodyWatch = new BodyWatch(body, exchangeId);
  }

  /**
   * The sweeper's GC backstop: ends every exchange whose watched body was collected before it ended
   * (see {@link #bodyCollected}). Returns how many. Never blocks.
   */
  public static int pollCollectedBodies() {
    int n = 0;
    BodyWatch w;
    while ((w = BodyWatch.poll()) != null) {
      ExchangeState x = exchanges.get(w.exchangeId);
      if (x != null && x.bodyWatch == w) {
        bodyCollected(w.exchangeId);
        n++;
      }
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
    x.bodyCollectedAt = System.nanoTime();
    x.closedBy = "collected";
    end(x);
  }

  public static void exchangeFailed(long exchangeId, Throwable error) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.endAt = System.nanoTime();
    x.error = describe(error);
    sink.step(x, Step.EXCHANGE_FAILED, x.endAt);
    end(x);
  }

  /**
   * The body ended. The exchange ends here if its putIdleConn was already seen, else at putIdleConn,
   * or when its connection is next used or closed (so a missing putIdleConn cannot pin the entry).
   */
  public static void bodyEnd(long exchangeId, long connectionId, long bytesRead, long contentLength, boolean drained,
      String closedBy) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.bodyEndAt = System.nanoTime();
    x.bodyEnded = true;
    x.responseBytes = bytesRead;
    if (contentLength >= 0) x.contentLength = contentLength;
    x.drained = drained;
    x.closedBy = closedBy;
    sink.step(x, Step.BODY_END, x.bodyEndAt);
    if (x.putIdleResult != null) {
      end(x);
    } else if (x.streamId == 0) {
      pool.awaitPutIdle(connectionId != 0 ? connectionId : x.connectionId, exchangeId);
    }
    // An HTTP/2 stream waits for its own putIdleConn: the next stream's gotConn on the multiplexed
    // connection says nothing about this one (ending it there would lose how its connection fared).
  }

  public static void putIdleConn(long exchangeId, long connectionId, String result) {
    if (!enabled) return;
    pool.putIdleConn(connectionId, result);
    ExchangeState x = exchanges.get(exchangeId);
    if (x == null) return;
    x.putIdleConnAt = System.nanoTime();
    x.putIdleResult = result;
    sink.step(x, Step.PUT_IDLE_CONN, x.putIdleConnAt);
    if (x.bodyEnded) end(x);
  }

  public static void canceled(long exchangeId, String where) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.canceledWhere = where;
    sink.step(x, Step.CANCELED, System.nanoTime());
  }

  public static void timeout(long exchangeId, String kind) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.timeoutKind = kind;
    sink.step(x, Step.TIMEOUT, System.nanoTime());
  }

  /**
   * JDK HttpClient: the logical exchange goes on with a new attempt ({@code kind} "redirect" to
   * {@code url}, or "retry"). The per-attempt outcome of the previous attempt is forgotten.
   */
  public static void attempt(long exchangeId, String kind, String url) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    boolean redirect = "redirect".equals(kind);
    if (redirect) x.redirects++; else x.retries++;
    x.attemptKind = redirect ? redactor.url(url) : x.error;
    x.putIdleResult = null;
    x.bodyEnded = false;
    x.error = null;
    sink.step(x, redirect ? Step.REDIRECT : Step.RETRY, System.nanoTime());
  }

  /** The exchange can no longer be observed (its owner was collected): end it with what is known. */
  public static void exchangeAbandoned(long exchangeId) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    if (x.closedBy == null) x.closedBy = "unknown";
    end(x);
  }

  /** Ends an exchange that returns no connection to a pool (HTTP/2 stream closed: {@code result} "streamClosed"). */
  public static void exchangeDone(long exchangeId, String result) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    x.putIdleConnAt = System.nanoTime();
    x.putIdleResult = result;
    if (x.bodyEnded) end(x);
  }

  /** Client-level event, e.g. a JDK HttpClient created or stopped. */
  public static void client(String client, String event, String... keyValues) {
    if (enabled) sink.client(client, event, keyValues);
  }

  /** Whether the exchange is tracked (seen from its start and not ended). */
  public static boolean tracked(long exchangeId) {
    return enabled && exchanges.containsKey(exchangeId);
  }

  /** A client connection-level event other than close (e.g. "h2Connection": HTTP/2 set up on it). */
  public static void clientConnection(long connectionId, String event, String... keyValues) {
    if (enabled) sink.connection(connectionId, false, event, keyValues);
  }

  public static void clientConnClosed(long connectionId, String reason) {
    if (!enabled) return;
    long waiting = pool.closed(connectionId, reason);
    if (waiting != 0) finish(waiting);
    sink.connection(connectionId, false, "connClosed", Http2Events.closeKeyValues(connectionId, reason));
    if (Http2Events.connections().get(connectionId) != null) endStreamsOf(connectionId);
    Http2Events.closed(connectionId);
  }

  // ---------------------------------------------------------------- helpers

  static ExchangeState find(long exchangeId) {
    return enabled ? exchanges.get(exchangeId) : null;
  }

  private static void simpleStep(long exchangeId, Step step) {
    ExchangeState x = find(exchangeId);
    if (x == null) return;
    long now = System.nanoTime();
    if (step == Step.WROTE_HEADERS) x.wroteHeadersAt = now;
    sink.step(x, step, now);
  }

  /**
   * An HTTP/2 connection closed: its streams whose body ended but whose putIdleConn never came end
   * now (the backstop HTTP/1.1 gets from the pool's awaiting exchange). Walks the table: rare, per
   * h2 connection close.
   */
  private static void endStreamsOf(long connectionId) {
    exchanges.forEach(x -> {
      if (!x.server && x.connectionId == connectionId && x.streamId != 0 && x.bodyEnded) end(x);
    });
  }

  /** Ends an exchange whose putIdleConn will not come. */
  private static void finish(long exchangeId) {
    ExchangeState x = exchanges.get(exchangeId);
    if (x != null) end(x);
  }

  static void end(ExchangeState x) {
    if (exchanges.remove(x.id, x)) {
      Object w = x.bodyWatch;
      if (w != null) ((BodyWatch) w).clear(); // ended: nothing left to watch
      ThreadTracker.clientEnd(x.threadScope);
      if (x.endAt == 0) x.endAt = System.nanoTime();
      sink.end(x);
    }
  }

  static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getName() : t.getClass().getName() + ": " + m;
  }
}
