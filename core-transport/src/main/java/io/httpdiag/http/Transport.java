package io.httpdiag.http;

import io.httpdiag.http.internal.Trace;
import java.io.IOException;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * Makes HTTP/1.1 and HTTP/2 exchanges and keeps connections for reuse, like Go's
 * {@code http.Transport}. Connections are pooled by (scheme, host, port). On https the transport
 * offers h2 by ALPN ({@link Builder#forceAttemptHttp2}); on http it speaks h2c when asked
 * ({@link Builder#h2c}). An HTTP/2 connection carries many exchanges at once, one stream each, up
 * to the server's SETTINGS_MAX_CONCURRENT_STREAMS; past it a new connection is dialed, as Go does. Build one with {@link #builder()} and share it:
 * a transport per request defeats the pool (Go folklore's first leak).
 *
 * <p>A connection goes back to the idle pool when its response body is read to the end; closing a
 * body early closes its connection (unless the rest is already buffered); a body never closed holds
 * its connection for good (see {@link #stats()}). Defaults are Go's, on purpose: zero timeouts are
 * no timeouts, two idle connections per host. {@link #production()} is a preset with explicit
 * limits.
 *
 * <p>Thread-safe. {@link #close()} closes idle connections and discards in-use ones as they come
 * back; the caller closes what it built.
 */
public final class Transport implements AutoCloseable {
  final Builder config;
  final long dialTimeout;
  final long tlsHandshakeTimeout;
  final long responseHeaderTimeout;
  final long expectContinueTimeout;
  final long idleConnTimeout;
  final int maxIdleConns;
  final int maxIdleConnsPerHost;
  final int maxConnsPerHost;
  final int maxResponseHeaderBytes;
  final boolean disableKeepAlives;
  final SSLContext sslContext;
  final boolean forceAttemptHttp2;
  final boolean h2c;
  final long readIdleTimeout;
  final long pingTimeout;

  final ConnPool pool = new ConnPool(this);

  private Transport(Builder b) {
    this.config = b.copy();
    this.dialTimeout = b.dialTimeout.toNanos();
    this.tlsHandshakeTimeout = b.tlsHandshakeTimeout.toNanos();
    this.responseHeaderTimeout = b.responseHeaderTimeout.toNanos();
    this.expectContinueTimeout = b.expectContinueTimeout.toNanos();
    this.idleConnTimeout = b.idleConnTimeout.toNanos();
    this.maxIdleConns = b.maxIdleConns;
    this.maxIdleConnsPerHost = b.maxIdleConnsPerHost == 0 ? 2 : b.maxIdleConnsPerHost;
    this.maxConnsPerHost = b.maxConnsPerHost;
    this.maxResponseHeaderBytes = b.maxResponseHeaderBytes == 0 ? 10 << 20 : b.maxResponseHeaderBytes;
    this.disableKeepAlives = b.disableKeepAlives;
    this.sslContext = b.sslContext;
    this.forceAttemptHttp2 = b.forceAttemptHttp2;
    this.h2c = b.h2c;
    this.readIdleTimeout = b.readIdleTimeout.toNanos();
    this.pingTimeout = b.pingTimeout.isZero() ? Duration.ofSeconds(15).toNanos() : b.pingTimeout.toNanos();
    Trace.transportCreated(this, dialTimeout, tlsHandshakeTimeout, responseHeaderTimeout, idleConnTimeout, maxIdleConns,
        maxIdleConnsPerHost, maxConnsPerHost, disableKeepAlives);
  }

  /** A builder with Go's {@code DefaultTransport} settings. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder preset for services: dial 5s, TLS handshake 5s, response headers 30s, idle 60s, 64
   * idle connections per host (256 in all). No overall deadline: give the {@link Client} one.
   */
  public static Builder production() {
    return new Builder().dialTimeout(Duration.ofSeconds(5)).tlsHandshakeTimeout(Duration.ofSeconds(5))
        .responseHeaderTimeout(Duration.ofSeconds(30)).idleConnTimeout(Duration.ofSeconds(60))
        .maxIdleConnsPerHost(64).maxIdleConns(256);
  }

  /** A builder holding this transport's settings; building it makes a new transport with an empty pool. */
  public Builder newBuilder() {
    return config.copy();
  }

  /**
   * Sends {@code request} and returns the response once its headers arrive (Go's
   * {@code RoundTrip}): no redirects, no default headers; 4xx and 5xx are responses, not errors.
   * The request's own timeout bounds the whole exchange including the body. The caller must read
   * the body to the end or close it.
   *
   * @throws HttpTimeoutException when a timeout fired
   * @throws RequestCanceledException when the request was canceled
   * @throws IOException when the exchange failed
   */
  public Response roundTrip(Request request) throws IOException {
    Duration t = request.timeout();
    Deadline deadline = Deadline.after("requestTimeout", t == null ? 0 : t.toNanos());
    return exchange(new Call(request, request, null, request.trace(), deadline));
  }

  /** Closes idle connections; in-use ones are unaffected (Go's {@code CloseIdleConnections}). */
  public void closeIdleConnections() {
    pool.closeIdle();
  }

  /** Closes idle connections and refuses new exchanges; in-use connections close when released. Idempotent. */
  @Override
  public void close() {
    if (pool.close()) {
      Trace.transportClosed(this);
    }
  }

  /** A snapshot of the pool: per-host idle / in use / waiting, dials, reuses, discards by reason. */
  public TransportStats stats() {
    return pool.stats();
  }

  // ---------------------------------------------------------------- exchange

  /** Whether exchanges to {@code endpoint} may go over HTTP/2: h2 by ALPN on https, h2c on http. */
  boolean mayUseH2(Endpoint endpoint) {
    return endpoint.https() ? forceAttemptHttp2 : h2c;
  }

  /** Whether a freshly dialed connection speaks HTTP/2: ALPN chose "h2", or h2c prior knowledge. */
  boolean speaksH2(PersistConn pc) {
    if (pc.socket instanceof javax.net.ssl.SSLSocket) {
      return forceAttemptHttp2 && "h2".equals(((javax.net.ssl.SSLSocket) pc.socket).getApplicationProtocol());
    }
    return h2c;
  }

  /**
   * One logical request: retried on a fresh exchange when a reused connection fails before any
   * response byte and the request may be replayed (Go's {@code shouldRetryRequest}).
   */
  Response exchange(Call call) throws IOException {
    Endpoint endpoint = Endpoint.of(call.request().uri());
    RequestWriter.checkHeaders(call.request().headers());
    if (call.defaults() != null) {
      RequestWriter.checkHeaders(call.defaults());
    }
    while (true) {
      Response r = new Exchange(this, call, endpoint).run();
      if (r != null) {
        return r;
      }
    }
  }

  /**
   * Transport settings; defaults are Go's {@code DefaultTransport}. Durations: zero means no
   * timeout, negative is rejected. Not thread-safe.
   */
  public static final class Builder {
    private Duration dialTimeout = Duration.ofSeconds(30);
    private Duration tlsHandshakeTimeout = Duration.ofSeconds(10);
    private Duration responseHeaderTimeout = Duration.ZERO;
    private Duration expectContinueTimeout = Duration.ofSeconds(1);
    private Duration idleConnTimeout = Duration.ofSeconds(90);
    private int maxIdleConns = 100;
    private int maxIdleConnsPerHost = 2;
    private int maxConnsPerHost;
    private int maxResponseHeaderBytes;
    private boolean disableKeepAlives;
    private SSLContext sslContext;
    private boolean forceAttemptHttp2 = true;
    private boolean h2c;
    private Duration readIdleTimeout = Duration.ZERO;
    private Duration pingTimeout = Duration.ofSeconds(15);

    private Builder() {}

    /** Time to establish the TCP connection (per attempt). Default 30s. Zero means no timeout. */
    public Builder dialTimeout(Duration d) {
      this.dialTimeout = nonNegative("dialTimeout", d);
      return this;
    }

    /** Time for the TLS handshake after the TCP connection. Default 10s. Zero means no timeout. */
    public Builder tlsHandshakeTimeout(Duration d) {
      this.tlsHandshakeTimeout = nonNegative("tlsHandshakeTimeout", d);
      return this;
    }

    /**
     * Time to wait for the response headers after the request is fully written. Excludes reading
     * the body. Default zero: no timeout.
     */
    public Builder responseHeaderTimeout(Duration d) {
      this.responseHeaderTimeout = nonNegative("responseHeaderTimeout", d);
      return this;
    }

    /**
     * With {@code Expect: 100-continue} on the request, time to wait for the server's 100 before
     * sending the body anyway. Default 1s. Zero sends the body at once.
     */
    public Builder expectContinueTimeout(Duration d) {
      this.expectContinueTimeout = nonNegative("expectContinueTimeout", d);
      return this;
    }

    /** How long a connection may sit idle in the pool before it is closed. Default 90s. Zero means forever. */
    public Builder idleConnTimeout(Duration d) {
      this.idleConnTimeout = nonNegative("idleConnTimeout", d);
      return this;
    }

    /** Idle connections kept across all hosts; the oldest goes first. Default 100. Zero means no limit. */
    public Builder maxIdleConns(int n) {
      this.maxIdleConns = nonNegative("maxIdleConns", n);
      return this;
    }

    /**
     * Idle connections kept per host; a connection released into a full pool is closed. Default 2
     * (Go's, and the cause of connection churn under concurrency). Zero means the default, 2.
     */
    public Builder maxIdleConnsPerHost(int n) {
      this.maxIdleConnsPerHost = nonNegative("maxIdleConnsPerHost", n);
      return this;
    }

    /**
     * Connections per host, dialing, in use and idle together; callers beyond it wait (bounded by
     * their deadline). Default zero: no limit.
     */
    public Builder maxConnsPerHost(int n) {
      this.maxConnsPerHost = nonNegative("maxConnsPerHost", n);
      return this;
    }

    /** Limit on the response header section. Zero means the default, 10 MiB (Go's). */
    public Builder maxResponseHeaderBytes(int n) {
      this.maxResponseHeaderBytes = nonNegative("maxResponseHeaderBytes", n);
      return this;
    }

    /** One connection per request, sent with {@code Connection: close}. Default false. */
    public Builder disableKeepAlives(boolean disable) {
      this.disableKeepAlives = disable;
      return this;
    }

    /** The TLS context for https; null (the default) means {@code SSLContext.getDefault()}. */
    public Builder sslContext(SSLContext context) {
      this.sslContext = context;
      return this;
    }

    /**
     * Go's {@code ForceAttemptHTTP2}: on https, offer "h2" and then "http/1.1" by ALPN and speak
     * whichever the server picks. Default true. False offers http/1.1 only.
     */
    public Builder forceAttemptHttp2(boolean attempt) {
      this.forceAttemptHttp2 = attempt;
      return this;
    }

    /**
     * HTTP/2 over cleartext with prior knowledge (RFC 9113 section 3.3) for http:// URLs: the
     * connection starts with the HTTP/2 preface, so the server must speak h2c (an HTTP/1.1-only
     * server fails the exchange). Default false: http:// is HTTP/1.1. The Upgrade dance is not done.
     */
    public Builder h2c(boolean enabled) {
      this.h2c = enabled;
      return this;
    }

    /**
     * Go's {@code ReadIdleTimeout}: on an HTTP/2 connection that received no frame for this long,
     * send a PING as a health check; without its ACK within {@link #pingTimeout} the connection
     * is closed and its streams fail. Default zero: no health check.
     */
    public Builder readIdleTimeout(Duration d) {
      this.readIdleTimeout = nonNegative("readIdleTimeout", d);
      return this;
    }

    /**
     * Go's {@code PingTimeout}: how long the health-check PING (see {@link #readIdleTimeout}) may
     * wait for its ACK before the connection is closed. Default 15s. Zero means the default.
     */
    public Builder pingTimeout(Duration d) {
      this.pingTimeout = nonNegative("pingTimeout", d);
      return this;
    }

    public Transport build() {
      return new Transport(this);
    }

    Builder copy() {
      Builder b = new Builder();
      b.dialTimeout = dialTimeout;
      b.tlsHandshakeTimeout = tlsHandshakeTimeout;
      b.responseHeaderTimeout = responseHeaderTimeout;
      b.expectContinueTimeout = expectContinueTimeout;
      b.idleConnTimeout = idleConnTimeout;
      b.maxIdleConns = maxIdleConns;
      b.maxIdleConnsPerHost = maxIdleConnsPerHost;
      b.maxConnsPerHost = maxConnsPerHost;
      b.maxResponseHeaderBytes = maxResponseHeaderBytes;
      b.disableKeepAlives = disableKeepAlives;
      b.sslContext = sslContext;
      b.forceAttemptHttp2 = forceAttemptHttp2;
      b.h2c = h2c;
      b.readIdleTimeout = readIdleTimeout;
      b.pingTimeout = pingTimeout;
      return b;
    }

    private static Duration nonNegative(String name, Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(name + " < 0: " + d);
      }
      return d;
    }

    private static int nonNegative(String name, int n) {
      if (n < 0) {
        throw new IllegalArgumentException(name + " < 0: " + n);
      }
      return n;
    }
  }
}
