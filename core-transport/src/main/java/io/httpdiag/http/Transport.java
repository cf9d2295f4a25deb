package io.httpdiag.http;

import io.httpdiag.http.internal.Threads;
import io.httpdiag.http.internal.Trace;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;

/**
 * Makes HTTP/1.1 exchanges and keeps idle connections for reuse, like Go's {@code http.Transport}.
 * Connections are pooled by (scheme, host, port). Build one with {@link #builder()} and share it:
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
  private static final System.Logger LOG = System.getLogger(Transport.class.getName());
  static final String[] REASONS = {"poolFull", "undrained", "connectionClose", "error", "idleTimeout",
      "keepAlivesDisabled", "transportClosed", "canceled", "timeout", "closeIdle"};

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

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition janitorWake = lock.newCondition();
  private final HashMap<String, HostPool> hosts = new HashMap<>(); // guarded by lock
  private int idleCount; // guarded by lock
  private long dials; // guarded by lock
  private long reuses; // guarded by lock
  private final long[] discards = new long[REASONS.length]; // guarded by lock
  private boolean closed; // guarded by lock
  private boolean janitorRunning; // guarded by lock

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
   * @throws IOException when the exchange failed, or with "canceled" when the request was canceled
   */
  public Response roundTrip(Request request) throws IOException {
    Duration t = request.timeout();
    long budget = t == null ? 0 : t.toNanos();
    return exchange(request, request, null, request.trace(), budget == 0 ? 0 : System.nanoTime() + budget,
        "requestTimeout", budget);
  }

  /** Closes idle connections; in-use ones are unaffected (Go's {@code CloseIdleConnections}). */
  public void closeIdleConnections() {
    List<PersistConn> toClose = new ArrayList<>();
    lock.lock();
    try {
      closeIdleLocked(toClose);
    } finally {
      lock.unlock();
    }
    closeAll(toClose, "closeIdle");
  }

  /** Closes idle connections and refuses new exchanges; in-use connections close when released. Idempotent. */
  @Override
  public void close() {
    List<PersistConn> toClose = new ArrayList<>();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      closeIdleLocked(toClose);
      for (HostPool hp : hosts.values()) {
        hp.available.signalAll();
      }
      janitorWake.signalAll();
    } finally {
      lock.unlock();
    }
    closeAll(toClose, "transportClosed");
    Trace.transportClosed(this);
  }

  /** A snapshot of the pool: per-host idle / in use / waiting, dials, reuses, discards by reason. */
  public TransportStats stats() {
    lock.lock();
    try {
      Map<String, TransportStats.Host> h = new LinkedHashMap<>();
      for (HostPool hp : hosts.values()) {
        int inUse = hp.conns - hp.idle.size();
        if (hp.conns > 0 || hp.waiting > 0) {
          h.put(hp.key, new TransportStats.Host(hp.idle.size(), inUse, hp.waiting));
        }
      }
      Map<String, Long> d = new LinkedHashMap<>();
      for (int i = 0; i < REASONS.length; i++) {
        if (discards[i] > 0) {
          d.put(REASONS[i], discards[i]);
        }
      }
      return new TransportStats(Map.copyOf(h), dials, reuses, Map.copyOf(d));
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- exchange

  /**
   * One logical request: retried on a fresh exchange when a reused connection fails before any
   * response byte and the request may be replayed (Go's {@code shouldRetryRequest}).
   */
  Response exchange(Request req, Request cancelOn, Headers defaults, ClientTrace trace, long deadline, String kind,
      long budget) throws IOException {
    URI uri = req.uri();
    String scheme = uri.getScheme();
    boolean https = "https".equalsIgnoreCase(scheme);
    if (!https && !"http".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException("unsupported scheme (want http or https): " + uri);
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("no host in request URI: " + uri);
    }
    Exchange.checkHeaders(req.headers());
    if (defaults != null) {
      Exchange.checkHeaders(defaults);
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
    String hostPort = host + ":" + port;
    String key = (https ? "https://" : "http://") + hostPort;
    while (true) {
      Exchange x = new Exchange(this, req, cancelOn, defaults, trace, deadline, kind, budget, key, host, port, https);
      Response r = x.run(hostPort);
      if (r != null) {
        return r;
      }
    }
  }

  // ---------------------------------------------------------------- pool

  /** Returns an idle connection or dials one, waiting under {@code maxConnsPerHost}. */
  PersistConn getConn(Exchange x, String hostPort) throws IOException {
    Trace.getConn(x.trace, x.id, hostPort);
    List<PersistConn> expired = null;
    PersistConn pc = null;
    HostPool hp;
    lock.lock();
    try {
      hp = hosts.get(x.key);
      if (hp == null) {
        hp = new HostPool(x.key, lock.newCondition());
        hosts.put(x.key, hp);
      }
      while (true) {
        if (closed) {
          throw new IOException("transport closed");
        }
        if (x.aborted()) {
          throw x.canceledException("waiting for a connection", null);
        }
        expired = evictExpiredLocked(hp, System.nanoTime(), expired);
        pc = hp.idle.pollLast(); // most recently used first, as Go does
        if (pc != null) {
          idleCount--;
          reuses++;
          break;
        }
        if (maxConnsPerHost <= 0 || hp.conns < maxConnsPerHost) {
          hp.conns++;
          dials++;
          break;
        }
        awaitConnLocked(x, hp);
      }
    } finally {
      lock.unlock();
      if (expired != null) {
        closeAll(expired, "idleTimeout");
      }
    }
    if (pc != null) {
      long now = System.nanoTime();
      pc.requests++;
      Trace.gotConn(x.trace, x.id, pc.id, true, true, now - pc.idleSinceNanos, now - pc.createdNanos, pc.requests);
      return pc;
    }
    try {
      pc = Dialer.dial(this, x, hostPort);
    } catch (IOException | RuntimeException e) {
      lock.lock();
      try {
        hp.conns--;
        if (hp.waiting > 0) {
          hp.available.signal();
        }
      } finally {
        lock.unlock();
      }
      throw e;
    }
    pc.requests = 1;
    Trace.gotConn(x.trace, x.id, pc.id, false, false, 0, System.nanoTime() - pc.createdNanos, 1);
    return pc;
  }

  private void awaitConnLocked(Exchange x, HostPool hp) throws IOException {
    hp.waiting++;
    try {
      if (x.deadline == 0) {
        hp.available.await();
      } else {
        long left = x.deadline - System.nanoTime();
        if (left <= 0) {
          throw new HttpTimeoutException(x.kind, x.kind + " (" + format(x.budget) + ") elapsed waiting for a connection to "
              + hp.key + " (maxConnsPerHost " + maxConnsPerHost + ")");
        }
        hp.available.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for a connection to " + hp.key);
    } finally {
      hp.waiting--;
    }
  }

  /** Wakes callers waiting for a connection to {@code key}, so a canceled one can leave. */
  void wakeWaiters(String key) {
    lock.lock();
    try {
      HostPool hp = hosts.get(key);
      if (hp != null) {
        hp.available.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** After an exchange whose body ended cleanly: back to the idle pool, or closed if the pool is full. */
  void putIdleConn(PersistConn pc, ClientTrace trace, long exchangeId) {
    String result;
    boolean ok = false;
    List<PersistConn> evicted = null;
    lock.lock();
    try {
      HostPool hp = hosts.get(pc.key);
      if (closed) {
        result = "transportClosed";
      } else if (hp.idle.size() >= maxIdleConnsPerHost) {
        result = "poolFull";
      } else {
        result = "ok";
        ok = true;
        pc.idleSinceNanos = System.nanoTime();
        hp.idle.addLast(pc);
        idleCount++;
        if (maxIdleConns > 0 && idleCount > maxIdleConns) {
          evicted = new ArrayList<>(1);
          evictOldestIdleLocked(evicted);
        }
        if (idleConnTimeout > 0 && !janitorRunning) {
          janitorRunning = true;
          Threads.start("httpdiag-idle-janitor", this::janitor);
        }
      }
      if (!ok) {
        hp.conns--;
        discards[reasonIndex(result)]++;
      }
      if (hp.waiting > 0) {
        hp.available.signal();
      }
    } finally {
      lock.unlock();
    }
    Trace.putIdleConn(trace, exchangeId, pc.id, result);
    if (!ok) {
      pc.close();
      Trace.clientConnClosed(pc.id, result);
    }
    if (evicted != null) {
      closeAll(evicted, "poolFull");
    }
  }

  /** Closes a connection lent to an exchange, counting it under {@code reason}. */
  void discard(PersistConn pc, String reason, ClientTrace trace, long exchangeId) {
    lock.lock();
    try {
      HostPool hp = hosts.get(pc.key);
      hp.conns--;
      discards[reasonIndex(reason)]++;
      if (hp.waiting > 0) {
        hp.available.signal();
      }
    } finally {
      lock.unlock();
    }
    pc.close();
    Trace.putIdleConn(trace, exchangeId, pc.id, reason);
    Trace.clientConnClosed(pc.id, reason);
  }

  private List<PersistConn> evictExpiredLocked(HostPool hp, long now, List<PersistConn> out) {
    if (idleConnTimeout <= 0) {
      return out;
    }
    PersistConn oldest;
    while ((oldest = hp.idle.peekFirst()) != null && now - oldest.idleSinceNanos >= idleConnTimeout) {
      hp.idle.pollFirst();
      idleCount--;
      hp.conns--;
      discards[reasonIndex("idleTimeout")]++;
      if (out == null) {
        out = new ArrayList<>(2);
      }
      out.add(oldest);
    }
    return out;
  }

  private void evictOldestIdleLocked(List<PersistConn> out) {
    HostPool victim = null;
    for (HostPool hp : hosts.values()) {
      PersistConn first = hp.idle.peekFirst();
      if (first != null && (victim == null || first.idleSinceNanos < victim.idle.peekFirst().idleSinceNanos)) {
        victim = hp;
      }
    }
    if (victim != null) {
      out.add(victim.idle.pollFirst());
      idleCount--;
      victim.conns--;
      discards[reasonIndex("poolFull")]++;
    }
  }

  private void closeIdleLocked(List<PersistConn> out) {
    for (HostPool hp : hosts.values()) {
      PersistConn pc;
      while ((pc = hp.idle.pollFirst()) != null) {
        out.add(pc);
        hp.conns--;
        idleCount--;
      }
      hp.available.signalAll();
    }
  }

  /** Closes idle connections when their idle time runs out; runs while any connection is idle. */
  private void janitor() {
    List<PersistConn> expired = null;
    lock.lock();
    try {
      while (!closed && idleCount > 0) {
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        for (HostPool hp : hosts.values()) {
          expired = evictExpiredLocked(hp, now, expired);
          PersistConn first = hp.idle.peekFirst();
          if (first != null) {
            next = Math.min(next, first.idleSinceNanos + idleConnTimeout - now);
          }
        }
        if (expired != null) {
          List<PersistConn> batch = expired;
          expired = null;
          lock.unlock();
          try {
            closeAll(batch, "idleTimeout");
          } finally {
            lock.lock();
          }
          continue;
        }
        if (next != Long.MAX_VALUE) {
          janitorWake.awaitNanos(next);
        }
      }
    } catch (InterruptedException e) {
      LOG.log(System.Logger.Level.DEBUG, "idle janitor interrupted");
    } finally {
      janitorRunning = false;
      lock.unlock();
    }
  }

  private static void closeAll(List<PersistConn> conns, String reason) {
    for (PersistConn pc : conns) {
      pc.close();
      Trace.clientConnClosed(pc.id, reason);
    }
  }

  private static int reasonIndex(String reason) {
    for (int i = 0; i < REASONS.length; i++) {
      if (REASONS[i].equals(reason)) {
        return i;
      }
    }
    throw new IllegalStateException("unknown discard reason: " + reason);
  }

  /** "1.5s", "250ms". */
  static String format(long nanos) {
    if (nanos % 1_000_000_000L == 0) {
      return nanos / 1_000_000_000L + "s";
    }
    return nanos >= 1_000_000 ? nanos / 1_000_000 + "ms" : nanos + "ns";
  }

  /** One pool key's connections. Guarded by the transport lock. */
  private static final class HostPool {
    final String key;
    final Condition available;
    final ArrayDeque<PersistConn> idle = new ArrayDeque<>(); // oldest first
    int conns; // open or dialing, idle included: what maxConnsPerHost limits
    int waiting;

    HostPool(String key, Condition available) {
      this.key = key;
      this.available = available;
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
