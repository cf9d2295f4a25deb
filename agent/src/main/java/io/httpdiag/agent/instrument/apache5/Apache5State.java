package io.httpdiag.agent.instrument.apache5;

import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.WeakIdentityTable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the adapter knows about HttpClient 5 objects, by identity and weakly: the exec runtime of a
 * returned, streamed response to its exchange ({@link X}), a connection to its id ({@link Conn}), a
 * client to its record ({@link Client}), a connection manager to its timeouts ({@link Manager}). The
 * classic client runs an exchange on the caller's thread, so the exchange in {@code doExecute} is also
 * the thread's current one ({@link Cur#x}): every hook until {@code doExecute} returns (lease, connect,
 * request written, response headers, the runtime's own) finds it there, with no table look-up; only
 * a response whose entity is still streaming when {@code doExecute} returns puts its runtime in the
 * table, and the release of its connection takes it out again.
 */
final class Apache5State {
  private Apache5State() {}

  /** HttpClient 5's defaults: connect and socket timeout 3 minutes (RequestConfig / ConnectionConfig, SocketConfig). */
  static final long DEFAULT_TIMEOUT_NANOS = 180_000_000_000L;

  static final WeakIdentityTable table = new WeakIdentityTable(65536, null);
  /** What this thread is doing inside HttpClient 5 (one thread-local read per hook). */
  static final ThreadLocal<Cur> cur = ThreadLocal.withInitial(Cur::new);
  static final AtomicLong exchangeIds = new AtomicLong();
  static final AtomicLong connectionIds = new AtomicLong();
  static final AtomicLong clientIds = new AtomicLong();
  /** Connections released or discarded so far (any pool): a lease that waited for one sees it move. */
  static final AtomicLong releases = new AtomicLong();

  /** One exchange: {@code doExecute} and the response it returns, across redirects and retries. */
  static final class X {
    final long id;
    /** The thread's exchange before this one (a nested execute from an interceptor), restored at exit. */
    final X previous;
    /** Inside {@code doExecute}: bodies ended and connections released now belong to a redirect or retry hop. */
    volatile boolean executing = true;
    volatile long connectionId;
    /** The release seen while executing (a response without a streamed entity releases before returning). */
    volatile String released;
    volatile boolean bodyEnded;
    volatile long contentLength = -1;
    volatile long requestBytes;
    /** {@link #releases} when the lease in progress was requested. */
    long releasesAtLease;
    /** A new connection was leased: gotConn comes when connect ends. */
    boolean awaitingConnect;

    /**
     * This exchange's exec runtime, and any more it forks (rare), held only while {@code doExecute}
     * runs (this thread's, through {@link Cur#x}); cleared when it returns, as a value of {@link #table}
     * must not hold its key.
     */
    Object runtime;
    Object[] forks;

    void addRuntime(Object r) {
      if (runtime == null) {
        runtime = r;
      } else {
        Object[] f = forks == null ? new Object[1] : java.util.Arrays.copyOf(forks, forks.length + 1);
        f[f.length - 1] = r;
        forks = f;
      }
    }

    boolean owns(Object r) {
      if (r == runtime) return r != null;
      Object[] f = forks;
      if (f != null) {
        for (Object o : f) if (o == r) return true;
      }
      return false;
    }

    X(long id, X previous) {
      this.id = id;
      this.previous = previous;
    }
  }

  /** A pooled connection ({@code DefaultManagedHttpClientConnection}). */
  static final class Conn {
    final long id;
    volatile boolean closed;

    Conn(long id) {
      this.id = id;
    }
  }

  /** One thread's state inside HttpClient 5. Thread-confined. */
  static final class Cur {
    /** The exchange whose {@code doExecute} runs on this thread (innermost), null outside one. */
    X x;
    /** What a lease handed over, between the pool entry and acquireEndpoint's exit. */
    Object leaseConnection;
    boolean leaseReused;
    long leaseIdleNanos;
    /** Connect is nested in 5.6 (overloads call each other): only the outermost call is reported. */
    int connectDepth;
    /** CloseableHttpResponse.close() calls running (a discard now is that close's doing). */
    int closingResponses;
    /** The exchange a hook inside the outermost close found, checked when the close returns. */
    X closing;
  }

  /** A PoolingHttpClientConnectionManager's timeouts as configured, in nanoseconds (0 = none). */
  static final class Manager {
    volatile long connectNanos = DEFAULT_TIMEOUT_NANOS;
    volatile long socketNanos = DEFAULT_TIMEOUT_NANOS;
    /** ConnectionConfig.socketTimeout (5.2+), -1 when unset: it wins over SocketConfig's. */
    volatile long connectionSocketNanos = -1;

    long socket() {
      return connectionSocketNanos >= 0 ? connectionSocketNanos : socketNanos;
    }
  }

  /** A CloseableHttpClient built ({@code InternalHttpClient}). */
  static final class Client {
    final String name;
    final Manager manager;
    volatile Apache5ClientWatch watch;
    volatile boolean closed;

    Client(String name, Manager manager) {
      this.name = name;
      this.manager = manager;
    }
  }

  /**
   * The exchange of an exec runtime: one of this thread's exchanges in {@code doExecute}, else the
   * table's (a returned response's entity ending, on any thread).
   */
  static X exchange(Cur c, Object runtime) {
    for (X x = c.x; x != null; x = x.previous) {
      if (x.executing && x.owns(runtime)) return x;
    }
    Object o = table.get(runtime);
    X x = o instanceof X ? (X) o : null;
    if (x != null && c.closingResponses > 0) c.closing = x;
    return x;
  }

  static Manager manager(Object key, boolean create) {
    Object o = table.get(key);
    if (o instanceof Manager || !create || key == null) return (Manager) o;
    Manager m = new Manager();
    table.put(key, m, false);
    return m;
  }

  /** The connection's record, made on first sight. */
  static Conn connection(Object connection) {
    if (connection == null) return null;
    Object o = table.get(connection);
    if (o instanceof Conn) return (Conn) o;
    Conn c = new Conn(HttpLibrary.APACHE5.id(connectionIds.incrementAndGet()));
    table.put(connection, c, false);
    return c;
  }

  static long nanos(long millis) {
    return millis < 0 ? -1 : millis * 1_000_000L;
  }

  /** The sweeper's housekeeping: forget collected keys, report clients dropped without close(). */
  static void housekeeping() {
    try {
      table.expunge();
    } catch (Throwable t) {
      Counters.failure(t);
    }
    Apache5Clients.pollCollectedClients();
  }
}
