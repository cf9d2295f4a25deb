package io.httpdiag.agent.instrument.okhttp;

import io.httpdiag.agent.instrument.okhttp.OkHttpCalls.OkCall;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.WeakIdentityTable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The adapter for OkHttp connections ({@code RealConnection}): dial, TLS, acquisition by a call (new
 * or reused, idle time), release to the pool or discard. OkHttp 4 dials inside the
 * {@code RealConnection}, OkHttp 5 in a {@code ConnectPlan} that makes the {@code RealConnection}
 * only once connected: so a dial's id is held by the call that dialled ({@link OkCall#dialled}) and
 * given to the connection that call then acquires. A connection acquired without a dial the agent saw
 * (it predates an attach) gets an id then, reported as reused: its history is unknown.
 */
public final class OkHttpConnections {
  private static final AtomicLong nextId = new AtomicLong();
  /** RealConnection -> OkConn. */
  private static final WeakIdentityTable connections = new WeakIdentityTable(65_536, null);

  private OkHttpConnections() {}

  /** What the agent knows about one connection. */
  static final class OkConn {
    final long id;
    final long createdAt;
    /** Calls that acquired it so far. */
    volatile int requests;
    /** When its last call released it into the pool (System.nanoTime()), 0 while in use. */
    volatile long idleSince;

    OkConn(long id, long createdAt) {
      this.id = id;
      this.createdAt = createdAt;
    }
  }

  /** A TCP connect to {@code address} begins for {@code call}. */
  public static void connectStart(Object call, String address) {
    OkCall c = OkHttpCalls.of(call);
    if (c != null) Events.connectStart(c.id, address);
  }

  /** The TCP connect ended; a new connection id is allocated for it when it succeeded. */
  public static void connectDone(Object call, String address, Throwable error) {
    OkCall c = OkHttpCalls.of(call);
    if (c == null) return;
    long id = error == null ? HttpLibrary.OKHTTP.id(nextId.incrementAndGet()) : 0;
    if (error == null) c.dialled = id;
    Events.connectDone(c.id, id, address, error);
  }

  public static void tlsStart(Object call) {
    OkCall c = OkHttpCalls.of(call);
    if (c != null) Events.tlsHandshakeStart(c.id);
  }

  /** The TLS handshake ended; protocol, cipher suite and ALPN (OkHttp's {@code Protocol}) when it succeeded. */
  public static void tlsDone(Object call, String tlsVersion, String cipherSuite, String alpn, Throwable error) {
    OkCall c = OkHttpCalls.of(call);
    if (c != null) Events.tlsHandshakeDone(c.id, c.dialled, tlsVersion, cipherSuite, alpn, error);
  }

  /**
   * {@code RealCall.acquireConnectionNoEvents}: {@code call} takes {@code connection}. {@code idle}:
   * no other call held it. The idle time is the agent's own: since the release that put it in the pool.
   */
  public static void acquired(Object call, Object connection, boolean idle) {
    OkCall c = OkHttpCalls.of(call);
    if (c == null) return;
    long now = System.nanoTime();
    OkConn conn = (OkConn) connections.get(connection);
    boolean fresh = false;
    if (conn == null) {
      long dialled = c.dialled;
      fresh = dialled != 0;
      conn = new OkConn(fresh ? dialled : HttpLibrary.OKHTTP.id(nextId.incrementAndGet()), now);
      connections.put(connection, conn, false);
    }
    c.dialled = 0;
    c.connectionId = conn.id;
    c.connection = conn;
    int n = ++conn.requests;
    long idleSince = conn.idleSince;
    conn.idleSince = 0;
    boolean wasIdle = !fresh && idle && idleSince != 0;
    Events.gotConn(c.id, conn.id, !fresh, wasIdle, wasIdle ? Math.max(0, now - idleSince) : 0, now - conn.createdAt, n);
  }

  /**
   * {@code RealCall.releaseConnectionNoEvents} returned: {@code call} let go of {@code connection}.
   * {@code closing}: OkHttp took it out of the pool and closes it now ({@code RealConnectionPool
   * .connectionBecameIdle} said so); then {@code noNewExchanges} tells whether the connection was
   * spoilt (else the pool keeps no idle connections). {@code idle}: no other call holds it.
   */
  public static void released(Object call, Object connection, boolean closing, boolean noNewExchanges,
      boolean idle) {
    OkCall c = OkHttpCalls.of(call);
    // Runs under the connection's lock: its state comes from the call, not from an identity lookup
    // (System.identityHashCode of a locked object is the slow path).
    OkConn conn = c != null ? (OkConn) c.connection : null;
    if (conn == null) return;
    c.connection = null;
    String result;
    if (!closing) {
      result = "ok"; // idle in the pool, or still serving other calls (HTTP/2)
    } else if (!noNewExchanges) {
      result = "poolFull"; // ConnectionPool(maxIdleConnections = 0, ...)
    } else if (c.closedEarly) {
      result = "undrained"; // closed before its end, and OkHttp could not discard the rest within 100 ms
    } else if (c.connectionClose) {
      result = "connectionClose";
    } else {
      result = "error";
    }
    if (!closing && idle) conn.idleSince = System.nanoTime();
    c.releasedConn = conn;
    c.releaseResult = result;
    c.releaseClosing = closing;
    if (!c.inCallDone) reportRelease(c); // a follow-up's release (ExchangeFinder): before its next gotConn
  }

  /** Reports the release {@link #released} noted, once (outside OkHttp's lock when it came from callDone). */
  static void reportRelease(OkCall c) {
    OkConn conn = (OkConn) c.releasedConn;
    if (conn == null) return;
    c.releasedConn = null;
    Events.putIdleConn(c.id, conn.id, c.releaseResult);
    if (c.releaseClosing) Events.clientConnClosed(conn.id, c.releaseResult); // its table entry goes when it is collected
  }

  static void expunge() {
    connections.expunge();
  }
}
