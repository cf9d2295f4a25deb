package io.httpdiag.agent.runtime;

/**
 * What the runtime knows about one exchange in flight, client or server. Timestamps are
 * {@link System#nanoTime()} values, 0 when the step was not seen. Strings are redacted when stored.
 *
 * <p>Threads. Writers: the runtime ({@link Events}), on the threads the transport hands the exchange
 * between; the transport's own hand-off orders those writes, so the fields are plain. The entry is
 * published to other threads by the {@code ConcurrentHashMap} put in {@link Events} before its first
 * step. Readers on other threads (the detectors' sweeper, the JUnit bridge) get no ordering for
 * later writes: they may see a stale value of any plain field, which their checks tolerate (an age
 * judged one pass later). The flags the detectors set once ({@code bodyLeakReported},
 * {@code stuckReported}) are volatile. Not yet split: detector and reporter slots still live here
 * (issue 14, left for a follow-up so as not to collide with the detector and reporter work).
 */
public final class ExchangeState {
  public final long id;
  public final boolean server;
  public final long startNanos;
  public final long startMillis;

  public String method;
  /** Client: the redacted URL; server: the redacted request target. */
  public String url;
  public String hostPort;
  public int status;
  public String error;

  // client phases
  public long getConnAt, dnsStartAt, dnsDoneAt, connectStartAt, connectDoneAt, tlsStartAt, tlsDoneAt, gotConnAt;
  public long wroteHeadersAt, wroteRequestAt, firstByteAt, responseHeadersAt, bodyEndAt, putIdleConnAt, endAt;
  public String dnsHost, dnsAddresses, connectAddress, tlsProtocol, tlsCipherSuite, alpn;
  public long connectionId;
  public boolean reused, wasIdle;
  public long idleNanos = -1, connAgeNanos = -1;
  public int requestsOnConn;
  public long requestBytes = -1, responseBytes = -1, contentLength = -1;
  public boolean drained, bodyEnded;
  public String closedBy, putIdleResult, canceledWhere, timeoutKind;
  public long deadlineNanos;

  // JDK HttpClient and the other libraries: timeouts configured (-1 or 0: none; readTimeout bounds each
  // read, not the exchange), redirects and retries inside one logical exchange
  public long requestTimeoutNanos = -1, connectTimeoutNanos = -1, readTimeoutNanos = -1;
  /**
   * The exchange waited for a connection because its pool was at its limit ({@link Step#POOL_WAIT}):
   * how long (-1: it did not), the limit that applied, connections leased and requests waiting then
   * (-1: unknown), and the setting that raises the limit, in the library's words.
   */
  public long poolWaitNanos = -1;
  public int poolLimit = -1, poolLeased = -1, poolPending = -1;
  public String poolLimitSetting;
  public int redirects, retries;
  public String attemptKind;

  // HTTP/2 (client and server): the exchange's stream, 0 for HTTP/1.1 (and for libraries whose
  // stream ids are not observed); the streams open on its connection when it opened, this one
  // included; its RST_STREAM if any: the RFC 9113 error code name, and whether this side sent it.
  public int streamId;
  public int activeStreams;
  public String streamResetCode;
  public boolean streamResetSent;

  // server
  public String protocol;
  public int requestOnConn;
  public long handlerStartAt, handlerEndAt, committedAt;
  public long bytesIn = -1, bytesOut = -1;
  public boolean keepAlive;

  /** Client: where the user sent it ({@link CallSite#UNKNOWN} when not sampled). */
  public String callSite;
  /**
   * Client: the thread that started the exchange, for the stuck-exchange stack. Strong on purpose:
   * the entry is bounded by max.exchanges and removed when the exchange ends.
   */
  public Thread thread;
  /**
   * When the sweeper found the body the caller held collected before it ended (the GC backstop); 0
   * otherwise. The exchange ends then, with {@code closedBy} "collected".
   */
  public long bodyCollectedAt;
  /** A {@link BodyWatch} on the caller's body object, or null. */
  Object bodyWatch;
  /** Client: the calling thread's {@link ThreadTracker} scope, ended with the exchange; or null. */
  Object threadScope;
  /** Set by the detectors once this exchange was reported (so it is reported once). */
  public volatile boolean bodyLeakReported, stuckReported;

  /** Slots owned by reporters (for example a JFR event begun at the start). */
  public Object exchangeEvent, connectionEvent;

  public ExchangeState(long id, boolean server, long startNanos) {
    this.id = id;
    this.server = server;
    this.startNanos = startNanos;
    this.startMillis = System.currentTimeMillis();
  }

  /** "HTTP/2.0" when the exchange ran on an HTTP/2 stream, else "HTTP/1.1" (server: as the request line said). */
  public String protocol() {
    if (server && protocol != null) return protocol;
    // The JDK HttpClient's h2 streams end as "streamClosed" without an observed stream id.
    return streamId != 0 || "streamClosed".equals(putIdleResult) ? H2 : H1;
  }

  static final String H1 = "HTTP/1.1", H2 = "HTTP/2.0";

  /** Nanoseconds between two timestamps, or -1 when either was not seen. */
  public static long between(long from, long to) {
    return from == 0 || to == 0 ? -1 : to - from;
  }

  /** How this exchange ended, in one word: the putIdleConn result, or "failed", "canceled", ... */
  public String outcome() {
    if (error != null) return "failed";
    if (canceledWhere != null) return "canceled";
    if (timeoutKind != null) return "timeout";
    if (server) return keepAlive ? "keepAlive" : "close";
    if (putIdleResult != null) return putIdleResult.equals("ok") ? "pooled" : putIdleResult;
    return closedBy != null ? closedBy : "unknown";
  }
}
