package io.httpdiag.agent.runtime;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Client connection pool counters per library and host, derived from getConn/gotConn/putIdleConn/
 * clientConnClosed: idle and in-use gauges, dials, reuses, discards by reason. The library is the
 * connection id's range ({@link HttpLibrary#of}): an OkHttp pool and a JDK HttpClient pool to one host
 * are two pools. Bounded: at most {@link #MAX_HOSTS} hosts per library and {@link #MAX_CONNECTIONS}
 * tracked connections; beyond that events are counted as dropped.
 * Connections that predate an attach are unknown and not counted. Thread-safe.
 */
public final class PoolStats {
  public static final int MAX_HOSTS = 256;
  public static final int MAX_CONNECTIONS = 8192;
  /** Discard reasons, as passed to putIdleConn and clientConnClosed; anything else counts as "other". */
  public static final String[] REASONS = {
      "poolFull", "undrained", "connectionClose", "error", "keepAlivesDisabled", "transportClosed",
      "idleTimeout", "peerClosed", "other"};

  private static final int IDLE = 1, IN_USE = 2;

  /** Indexed by {@link HttpLibrary#ordinal()}: one map per library, so a lookup allocates no key. */
  @SuppressWarnings("unchecked")
  private final ConcurrentHashMap<String, Host>[] hosts = new ConcurrentHashMap[HttpLibrary.values().length];
  {
    for (int i = 0; i < hosts.length; i++) hosts[i] = new ConcurrentHashMap<>();
  }
  /** Keyed by the primitive id: gotConn and putIdleConn, once per exchange, allocate no {@code Long}. */
  private final LongTable<Conn> conns = new LongTable<>(2 * MAX_CONNECTIONS);

  /** Counters of one library's pool(s) to one host:port. */
  public static final class Host {
    public final HttpLibrary library;
    public final String hostPort;
    public final AtomicLong idle = new AtomicLong();
    public final AtomicLong inUse = new AtomicLong();
    public final AtomicLong dials = new AtomicLong();
    public final AtomicLong reuses = new AtomicLong();
    /** Indexed like {@link #REASONS}. */
    public final AtomicLongArray discards = new AtomicLongArray(REASONS.length);

    Host(HttpLibrary library, String hostPort) {
      this.library = library;
      this.hostPort = hostPort;
    }

    public long discards(String reason) {
      return discards.get(reasonIndex(reason));
    }
  }

  private static final class Conn {
    final Host host;
    int state; // guarded by this
    long awaitingExchange; // guarded by this: an exchange whose putIdleConn has not been seen yet

    Conn(Host host) {
      this.host = host;
    }
  }

  /** Every library's hosts (a new list). */
  public Collection<Host> hosts() {
    java.util.List<Host> all = new java.util.ArrayList<>();
    for (ConcurrentHashMap<String, Host> m : hosts) all.addAll(m.values());
    return all;
  }

  /** core-transport's counters for {@code hostPort}, or null. */
  public Host host(String hostPort) {
    return host(HttpLibrary.CORE, hostPort);
  }

  /** {@code library}'s counters for {@code hostPort}, or null. */
  public Host host(HttpLibrary library, String hostPort) {
    return hostPort == null ? null : hosts[library.ordinal()].get(hostPort);
  }

  /** A new connection to {@code hostPort} was dialed. */
  void dialed(long connectionId, String hostPort) {
    Host h = hostFor(connectionId, hostPort);
    if (h == null) return;
    h.dials.incrementAndGet();
    connFor(connectionId, h);
  }

  /**
   * An exchange got connection {@code connectionId}. Returns the id of an earlier exchange on it
   * still waiting for its putIdleConn (which will not come now), or 0.
   */
  long gotConn(long connectionId, String hostPort, boolean reused) {
    Host h = hostFor(connectionId, hostPort);
    if (h == null) return 0;
    if (reused) h.reuses.incrementAndGet();
    Conn c = connFor(connectionId, h);
    if (c == null) return 0;
    synchronized (c) {
      if (c.state == IDLE) c.host.idle.decrementAndGet();
      if (c.state != IN_USE) c.host.inUse.incrementAndGet();
      c.state = IN_USE;
      long waiting = c.awaitingExchange;
      c.awaitingExchange = 0;
      return waiting;
    }
  }

  /** Remembers that {@code exchangeId} ended its body on the connection but its putIdleConn is pending. */
  void awaitPutIdle(long connectionId, long exchangeId) {
    Conn c = conns.get(connectionId);
    if (c == null) return;
    synchronized (c) {
      c.awaitingExchange = exchangeId;
    }
  }

  /** After an exchange the connection went idle ("ok") or was discarded for {@code result}. */
  void putIdleConn(long connectionId, String result) {
    Conn c = conns.get(connectionId);
    if (c == null) return;
    synchronized (c) {
      if (c.state == IN_USE) c.host.inUse.decrementAndGet();
      if ("ok".equals(result)) {
        if (c.state != IDLE) c.host.idle.incrementAndGet();
        c.state = IDLE;
        c.awaitingExchange = 0;
        return;
      }
      c.host.discards.incrementAndGet(reasonIndex(result));
      c.state = 0;
    }
    conns.remove(connectionId);
  }

  /** The connection closed. Returns an exchange still waiting for its putIdleConn, or 0. */
  long closed(long connectionId, String reason) {
    Conn c = conns.remove(connectionId);
    if (c == null) return 0;
    synchronized (c) {
      if (c.state == IDLE) c.host.idle.decrementAndGet();
      if (c.state == IN_USE) c.host.inUse.decrementAndGet();
      if (c.state != 0) c.host.discards.incrementAndGet(reasonIndex(reason));
      c.state = 0;
      long waiting = c.awaitingExchange;
      c.awaitingExchange = 0;
      return waiting;
    }
  }

  static int reasonIndex(String reason) {
    for (int i = 0; i < REASONS.length - 1; i++) {
      if (REASONS[i].equals(reason)) return i;
    }
    return REASONS.length - 1;
  }

  /** The counters of the library that owns {@code connectionId}, for {@code hostPort}. */
  private Host hostFor(long connectionId, String hostPort) {
    if (hostPort == null) return null;
    HttpLibrary library = HttpLibrary.of(connectionId);
    ConcurrentHashMap<String, Host> m = hosts[library.ordinal()];
    Host h = m.get(hostPort);
    if (h != null) return h;
    if (m.size() >= MAX_HOSTS) {
      Counters.droppedConnections.incrementAndGet();
      return null;
    }
    return m.computeIfAbsent(hostPort, k -> new Host(library, k));
  }

  private Conn connFor(long connectionId, Host h) {
    if (connectionId == 0) return null;
    Conn c = conns.get(connectionId);
    if (c != null) return c;
    if (conns.size() >= MAX_CONNECTIONS) {
      Counters.droppedConnections.incrementAndGet();
      return null;
    }
    return conns.computeIfAbsent(connectionId, id -> new Conn(h));
  }
}
