package io.httpdiag.agent.instrument.tomcat;

import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.ServerEvents;
import io.httpdiag.agent.runtime.WeakIdentityTable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Embedded Tomcat's connections and exchanges turned into {@link ServerEvents} (ids in
 * {@link HttpLibrary#TOMCAT}'s range: {@code #t7}, {@code tc3}). Called from {@link TomcatAdvice} with
 * java.base types only: the advice unpacks Tomcat's objects, this class keys its state by their
 * identity (weakly), so it never holds a connection or a request alive. Never throws: every entry
 * point counts what it throws.
 *
 * <p>A connection is Tomcat's socket wrapper (one per accepted connection). An exchange is one use of
 * a coyote {@code Request}, which Tomcat recycles for the next request on a processor: its
 * {@link Slot} carries the exchange in progress. The exchange starts when the adapter is handed the
 * parsed request (headers read, handler start), and ends when the adapter returns, or, for a request
 * put in asynchronous mode, when the asynchronous dispatch that completes it returns.
 */
public final class TomcatExchanges {
  private static final AtomicLong connections = new AtomicLong();
  private static final AtomicLong exchanges = new AtomicLong();
  /** Socket wrapper → {@link Conn}. */
  private static final WeakIdentityTable CONNS = new WeakIdentityTable(1 << 16, null);
  /** Coyote request → {@link Slot}. */
  private static final WeakIdentityTable SLOTS = new WeakIdentityTable(1 << 16, null);
  /** The connection whose processor runs on this thread (set around the processor's service()). */
  private static final ThreadLocal<Conn> serving = new ThreadLocal<>();

  private TomcatExchanges() {}

  /** One accepted connection. */
  static final class Conn {
    final long id;
    int requests; // confined to the thread processing the connection at a time (Tomcat hands it over)
    volatile boolean lastKeepAlive = true;

    Conn(long id) {
      this.id = id;
    }
  }

  /** The exchange in progress on one coyote request object (0 when none). */
  static final class Slot {
    volatile long exchangeId;
    volatile long connectionId;
    volatile boolean committed;
  }

  /** A connection was accepted: Tomcat built its socket wrapper and registered it. */
  public static void connAccepted(Object wrapper, String remote, String local) {
    try {
      if (CONNS.get(wrapper) != null) return; // its first request came first (see serving)
      Conn c = new Conn(HttpLibrary.TOMCAT.id(connections.incrementAndGet()));
      if (!CONNS.put(wrapper, c, false)) return;
      ServerEvents.serverConnAccepted(c.id, remote, local);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The HTTP/1.1 processor starts (wrapper non-null) or stops (null) working on a connection on this thread. */
  public static void serving(Object wrapper) {
    try {
      if (wrapper == null) {
        // set(null), not remove(): the thread's entry stays, so the next request's set() allocates
        // no new ThreadLocalMap entry (a WeakReference per request, and its expunging).
        serving.set(null);
        return;
      }
      Conn c = (Conn) CONNS.get(wrapper);
      if (c == null) { // accepted before the agent was attached, or by an endpoint we do not watch
        c = new Conn(HttpLibrary.TOMCAT.id(connections.incrementAndGet()));
        if (!CONNS.put(wrapper, c, false)) return;
        ServerEvents.serverConnAccepted(c.id, null, null);
      }
      serving.set(c);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The adapter was handed a parsed request: headers read, then the handler starts on this thread.
   * Returns the exchange id, 0 when not tracked.
   */
  public static long requestStart(Object coyoteRequest, String method, String uri, String query, String protocol) {
    try {
      Conn c = serving.get();
      Slot slot = (Slot) SLOTS.get(coyoteRequest);
      if (slot == null) {
        slot = new Slot();
        if (!SLOTS.put(coyoteRequest, slot, false)) return 0;
      }
      long id = HttpLibrary.TOMCAT.id(exchanges.incrementAndGet());
      long connId = c == null ? 0 : c.id;
      int onConn = c == null ? 1 : ++c.requests;
      slot.connectionId = connId;
      slot.committed = false;
      slot.exchangeId = id;
      String target = query == null || query.isEmpty() ? uri : uri + "?" + query;
      ServerEvents.serverRequestHeadersRead(connId, id, method, target, protocol, onConn);
      ServerEvents.handlerStart(id);
      return id;
    } catch (Throwable t) {
      Counters.failure(t);
      return 0;
    }
  }

  /** The response was committed (on any thread): its status is known. */
  public static void committed(Object coyoteRequest, int status) {
    try {
      Slot slot = (Slot) SLOTS.get(coyoteRequest);
      if (slot == null || slot.exchangeId == 0 || slot.committed) return;
      slot.committed = true;
      ServerEvents.responseCommitted(slot.exchangeId, status);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The adapter returned from the request started as {@code exchangeId}: the handler ended on this
   * thread; the exchange ends too unless the request went asynchronous.
   */
  public static void serviced(Object coyoteRequest, long exchangeId, boolean async, Throwable error, int status,
      long bytesRead, long bytesWritten, boolean keepAlive) {
    try {
      ServerEvents.handlerEnd(exchangeId, error);
      if (!async) end(coyoteRequest, exchangeId, status, bytesRead, bytesWritten, keepAlive);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** An asynchronous dispatch returned; {@code stillAsync}: the request is not complete yet. */
  public static void asyncDispatched(Object coyoteRequest, boolean stillAsync, int status, long bytesRead,
      long bytesWritten, boolean keepAlive) {
    try {
      if (stillAsync) return;
      Slot slot = (Slot) SLOTS.get(coyoteRequest);
      if (slot == null || slot.exchangeId == 0) return;
      end(coyoteRequest, slot.exchangeId, status, bytesRead, bytesWritten, keepAlive);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The socket wrapper closes its connection. */
  public static void connClosed(Object wrapper) {
    try {
      Conn c = (Conn) CONNS.get(wrapper);
      if (c == null) return;
      CONNS.remove(wrapper);
      // Tomcat closes a connection when the response said "Connection: close", when the peer closed
      // it, or when it sat idle past keepAliveTimeout; only the first is known here for sure.
      ServerEvents.serverConnClosed(c.id, c.lastKeepAlive ? "closed (idle timeout, peer close or shutdown)"
          : "response said Connection: close");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The name of a started connector's settings in {@code Events.configured}: see {@link #connectorStarted}. */
  public static final String COMPONENT = "tomcatServer";

  /**
   * A connector started. Reported as {@value #COMPONENT} with, in nanoseconds (0 = none, which is
   * what Tomcat makes of 0 and negative values): [0] connectionTimeout, [1] keepAliveTimeout (Tomcat's
   * value: connectionTimeout when unset), [2] asyncTimeout; [3] the local port.
   */
  public static void connectorStarted(Object connector, int port, int connectionTimeoutMillis,
      int keepAliveTimeoutMillis, long asyncTimeoutMillis) {
    try {
      Events.configured(COMPONENT, connector, nanos(connectionTimeoutMillis), nanos(keepAliveTimeoutMillis),
          nanos(asyncTimeoutMillis), port);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static long nanos(long millis) {
    return millis <= 0 ? 0 : millis * 1_000_000L;
  }

  private static void end(Object coyoteRequest, long exchangeId, int status, long bytesRead, long bytesWritten,
      boolean keepAlive) {
    Slot slot = (Slot) SLOTS.get(coyoteRequest);
    if (slot != null && slot.exchangeId == exchangeId) slot.exchangeId = 0;
    long connId = slot == null ? 0 : slot.connectionId;
    ServerEvents.serverExchangeEnd(connId, exchangeId, status, bytesRead, bytesWritten, keepAlive);
    Conn c = serving.get();
    if (c != null && c.id == connId) {
      c.lastKeepAlive = keepAlive;
      if (keepAlive) ServerEvents.serverConnState(connId, "idle");
    }
  }
}
