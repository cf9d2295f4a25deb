package io.httpdiag.agent.instrument.jetty;

import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.ServerEvents;
import io.httpdiag.agent.runtime.WeakIdentityTable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Jetty 12's connections and exchanges turned into {@link ServerEvents} (ids in
 * {@link HttpLibrary#JETTY}'s range: {@code #je7}, {@code jec3}). Called from {@link JettyAdvice} with
 * java.base types only; state is keyed by the identity of Jetty's objects, weakly. Never throws.
 *
 * <p>A connection is Jetty's {@code HttpConnection}; an exchange is one request on a connection's
 * {@code HttpChannelState} (its {@link Slot}). Headers read and handler start are reported when the
 * handlers are invoked, on the thread that runs them (Jetty may parse on one thread and handle on
 * another: the handler's thread is the one a stuck request is shown with). The exchange ends when
 * Jetty completes the stream: after the handler returned, or later when a handler (or an async
 * servlet) completes its callback on another thread.
 */
public final class JettyExchanges {
  /** The name of a started connector's settings in {@code Events.configured}: see {@link #connectorStarted}. */
  public static final String COMPONENT = "jettyServer";
  private static final AtomicLong connections = new AtomicLong();
  private static final AtomicLong exchanges = new AtomicLong();
  /** ConnectionMetaData (HttpConnection) → {@link Conn}. */
  private static final WeakIdentityTable CONNS = new WeakIdentityTable(1 << 16, null);
  /** HttpChannelState → {@link Slot}. */
  private static final WeakIdentityTable SLOTS = new WeakIdentityTable(1 << 16, null);

  private JettyExchanges() {}

  static final class Conn {
    final long id;
    final AtomicLong requests = new AtomicLong();
    volatile boolean lastKeepAlive = true;

    Conn(long id) {
      this.id = id;
    }
  }

  /** The exchange in progress on one channel. */
  static final class Slot {
    volatile long exchangeId;
    volatile long connectionId;
    volatile Conn conn;
    volatile boolean committed;
    /** The thread running the handlers, while they run: an end seen on it waits for the handler's return. */
    volatile Thread handling;
    // An end reported while the handler still ran on its thread (written and read on that thread).
    boolean endPending;
    int status;
    long bytesRead;
    long bytesWritten;
    boolean keepAlive;
  }

  public static void connAccepted(Object connection, String remote, String local) {
    try {
      conn(connection, remote, local);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The handlers are invoked for the channel's request. Returns the exchange id, 0 when not tracked. */
  public static long handlerStart(Object channel, Object connection, String method, String pathQuery,
      String protocol) {
    try {
      Conn c = conn(connection, null, null);
      Slot slot = (Slot) SLOTS.get(channel);
      if (slot == null) {
        slot = new Slot();
        if (!SLOTS.put(channel, slot, false)) return 0;
      }
      long id = HttpLibrary.JETTY.id(exchanges.incrementAndGet());
      long connId = c == null ? 0 : c.id;
      slot.connectionId = connId;
      slot.conn = c;
      slot.committed = false;
      slot.endPending = false;
      slot.handling = Thread.currentThread();
      slot.exchangeId = id;
      ServerEvents.serverRequestHeadersRead(connId, id, method, pathQuery, protocol,
          c == null ? 1 : (int) c.requests.incrementAndGet());
      ServerEvents.handlerStart(id);
      return id;
    } catch (Throwable t) {
      Counters.failure(t);
      return 0;
    }
  }

  /** The handlers returned (or threw); an end Jetty reported meanwhile on this thread is reported now. */
  public static void handlerEnd(Object channel, long exchangeId, Throwable error) {
    try {
      if (exchangeId == 0) return;
      ServerEvents.handlerEnd(exchangeId, error);
      Slot slot = (Slot) SLOTS.get(channel);
      if (slot == null || slot.exchangeId != exchangeId) return;
      slot.handling = null;
      if (slot.endPending) {
        slot.endPending = false;
        end(slot, exchangeId, slot.status, slot.bytesRead, slot.bytesWritten, slot.keepAlive);
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void committed(Object channel, int status) {
    try {
      Slot slot = (Slot) SLOTS.get(channel);
      if (slot == null || slot.exchangeId == 0 || slot.committed) return;
      slot.committed = true;
      ServerEvents.responseCommitted(slot.exchangeId, status);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Jetty completes the channel's stream: the exchange ends (once the handler returned). */
  public static void exchangeEnd(Object channel, int status, long bytesRead, long bytesWritten, boolean keepAlive) {
    try {
      Slot slot = (Slot) SLOTS.get(channel);
      if (slot == null) return;
      long id = slot.exchangeId;
      if (id == 0) return;
      if (slot.handling == Thread.currentThread()) {
        slot.status = status;
        slot.bytesRead = bytesRead;
        slot.bytesWritten = bytesWritten;
        slot.keepAlive = keepAlive;
        slot.endPending = true;
        return;
      }
      end(slot, id, status, bytesRead, bytesWritten, keepAlive);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void connClosed(Object connection, Throwable cause) {
    try {
      Conn c = (Conn) CONNS.get(connection);
      if (c == null) return;
      CONNS.remove(connection);
      ServerEvents.serverConnClosed(c.id, cause != null ? "failed: " + cause
          : c.lastKeepAlive ? "closed (idle timeout, peer close or shutdown)" : "response said Connection: close");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * A connector with an HTTP/1.1 factory started. Reported as {@value #COMPONENT} with, in
   * nanoseconds: [0] the connector's idleTimeout (0 = none: Jetty makes nothing of 0 and negative
   * values), [1] the HTTP configuration's idleTimeout while a request is handled (0 = the connector's),
   * [2] the local port.
   */
  public static void connectorStarted(Object connector, int port, long idleTimeoutMillis, long httpIdleTimeoutMillis) {
    try {
      Events.configured(COMPONENT, connector, nanos(idleTimeoutMillis), nanos(httpIdleTimeoutMillis), port);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static long nanos(long millis) {
    return millis <= 0 ? 0 : millis * 1_000_000L;
  }

  private static Conn conn(Object connection, String remote, String local) {
    if (connection == null) return null;
    Conn c = (Conn) CONNS.get(connection);
    if (c != null) return c;
    c = new Conn(HttpLibrary.JETTY.id(connections.incrementAndGet()));
    if (!CONNS.put(connection, c, false)) return null;
    ServerEvents.serverConnAccepted(c.id, remote, local);
    return c;
  }

  private static void end(Slot slot, long id, int status, long bytesRead, long bytesWritten, boolean keepAlive) {
    if (slot.exchangeId == id) slot.exchangeId = 0;
    long connId = slot.connectionId;
    ServerEvents.serverExchangeEnd(connId, id, status, bytesRead, bytesWritten, keepAlive);
    Conn c = slot.conn;
    if (c != null) c.lastKeepAlive = keepAlive;
    if (keepAlive) ServerEvents.serverConnState(connId, "idle");
  }
}
