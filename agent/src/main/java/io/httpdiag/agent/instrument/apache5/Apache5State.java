package io.httpdiag.agent.instrument.apache5;

import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.WeakIdentityTable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the adapter knows about HttpClient 5 objects, by identity and weakly: an exec runtime or a
 * returned response to its exchange ({@link X}), a connection to its id ({@link Conn}), a client to
 * its record ({@link Client}), a connection manager to its timeouts ({@link Manager}). The classic
 * client runs an exchange on the caller's thread, so the exchange in {@code doExecute} is also the
 * thread's {@link #current} one: connection-level hooks (connect, request written, response headers)
 * find it there.
 */
final class Apache5State {
  private Apache5State() {}

  /** HttpClient 5's defaults: connect and socket timeout 3 minutes (RequestConfig / ConnectionConfig, SocketConfig). */
  static final long DEFAULT_TIMEOUT_NANOS = 180_000_000_000L;

  static final WeakIdentityTable table = new WeakIdentityTable(65536, null);
  static final ThreadLocal<X> current = new ThreadLocal<>();
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
    /** CloseableHttpResponse.close() is running: a discard now is that close's doing. */
    volatile boolean closingResponse;
    volatile long contentLength = -1;
    volatile long requestBytes;
    /** {@link #releases} when the lease in progress was requested. */
    long releasesAtLease;
    /** A new connection was leased: gotConn comes when connect ends. */
    boolean awaitingConnect;

    /** Weak references to this exchange's exec runtimes (one, or more when HttpClient forks one). */
    volatile Object[] runtimes = new Object[0];

    void addRuntime(Object runtime) {
      Object[] r = java.util.Arrays.copyOf(runtimes, runtimes.length + 1);
      r[r.length - 1] = new java.lang.ref.WeakReference<>(runtime);
      runtimes = r;
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

  /** What a lease handed over, on the leasing thread, between the pool entry and acquireEndpoint's exit. */
  static final class Lease {
    Object connection;
    boolean reused;
    long idleNanos;
  }

  static final ThreadLocal<Lease> lease = ThreadLocal.withInitial(Lease::new);

  /** Connect is nested in 5.6 (overloads call each other): only the outermost call is reported. */
  static final ThreadLocal<int[]> connectDepth = ThreadLocal.withInitial(() -> new int[1]);

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

  static X exchange(Object key) {
    Object o = table.get(key);
    return o instanceof X ? (X) o : null;
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
