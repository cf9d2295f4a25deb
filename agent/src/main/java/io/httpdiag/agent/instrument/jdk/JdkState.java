package io.httpdiag.agent.instrument.jdk;

import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.WeakIdentityTable;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state the JDK HttpClient adapter keeps ({@link JdkClients}, {@link JdkExchanges},
 * {@link JdkConnections}, {@link JdkBodies}, {@link JdkHttp2} turn hook calls into the {@link Events}
 * vocabulary; java.base types only: the JDK HttpClient is defined by the platform loader and a boot
 * class cannot name its types, so the advice unpacks values).
 *
 * <p>State lives in one {@link WeakIdentityTable} keyed by the JDK's own objects: the
 * {@code MultiExchange} (one logical exchange, the owner), each attempt's {@code Exchange},
 * {@code ExchangeImpl} and {@code HttpRequestImpl}, the body subscriber, connections and their
 * tubes and SSL engines. Objects the table never saw (created before an attach) are ignored, and
 * connections of unknown history are reported as such. Every hook method never throws.
 *
 * <p>Threads: the JDK hands one exchange between the caller's thread, its executor and its
 * SelectorManager; every mutable field below is volatile (or updated by CAS where two threads may
 * report the same step), so what one hook writes the next one sees.
 */
final class JdkState {
  private JdkState() {}

  public static final int MAX_ENTRIES = 65_536;

  static final AtomicLong exchangeIds = new AtomicLong();
  static final AtomicLong connectionIds = new AtomicLong();
  static final AtomicLong clientIds = new AtomicLong();
  /** Not final only so that the fault-safety test can substitute one that throws (JdkFaultSeams in the tests). */
  static WeakIdentityTable table = new WeakIdentityTable(MAX_ENTRIES, JdkState::expunged);

  /**
   * False where the JDK has no body wrapper for HTTP/2 streams (17.0.15): their bodies end at stream
   * close. Decided once by {@link JdkHttpClientInstrumentation} before any hook is installed.
   */
  static volatile boolean h2BodyObserved = true;

  /** One logical exchange (a MultiExchange) and its current attempt. */
  static final class Xch {
    final long id;
    volatile Conn conn;
    volatile int attempt = 1;
    volatile boolean getConn, dns, gotConn;
    /** 0 or 1, set once per attempt by whichever thread reports it first (CAS). */
    volatile int connectDone, gotConnOnce, firstByte;
    volatile long requestBytes = -1;
    volatile int status;
    volatile boolean undrained, streamClosed;
    /** The HttpResponseInputStream's body (ofInputStream, ofLines): its collection decides, not ours. */
    volatile Body stream;

    Xch(long id) {
      this.id = id;
    }
  }

  /** One connection (the one the exchange uses: plain, or the SSL one wrapping a plain one). */
  static final class Conn {
    final long id;
    final long createdAt;
    final boolean unknownHistory;
    volatile boolean tls, tlsDone, closed, idle, h2;
    volatile long idleSince;
    volatile int requests;
    volatile Xch current;
    volatile String hostPort;

    Conn(long id, long createdAt, boolean unknownHistory) {
      this.id = id;
      this.createdAt = createdAt;
      this.unknownHistory = unknownHistory;
    }
  }

  /** A response body: the JDK's subscriber wrapper, or the HttpResponseInputStream behind it. */
  static final class Body {
    final Xch x;
    /** True for an HttpResponseInputStream (the caller must read or close it), false for a wrapper. */
    final boolean isStream;
    final AtomicLong bytes = new AtomicLong();
    volatile Body stream; // the wrapper's HttpResponseInputStream, if the handler made one
    volatile boolean received, ended;

    Body(Xch x, boolean isStream) {
      this.x = x;
      this.isStream = isStream;
    }
  }

  static final AtomicIntegerFieldUpdater<Xch> CONNECT_DONE =
      AtomicIntegerFieldUpdater.newUpdater(Xch.class, "connectDone");
  static final AtomicIntegerFieldUpdater<Xch> GOT_CONN =
      AtomicIntegerFieldUpdater.newUpdater(Xch.class, "gotConnOnce");
  static final AtomicIntegerFieldUpdater<Xch> FIRST_BYTE =
      AtomicIntegerFieldUpdater.newUpdater(Xch.class, "firstByte");

  /** One HttpClientImpl. */
  static final class JClient {
    final String name;
    volatile ClientWatch watch;
    volatile boolean shutdown;

    JClient(String name) {
      this.name = name;
    }
  }

  // ------------------------------------------------------------------ helpers

  static Xch xch(Object key) {
    Object o = table.get(key);
    return o instanceof Xch ? (Xch) o : null;
  }

  /**
   * The runtime's periodic housekeeping for this library (registered at wiring time): polls the table
   * for collected keys, so collections are seen without waiting for the next put, then the clients
   * dropped without close().
   */
  static void housekeeping() {
    try {
      table.expunge();
    } catch (Throwable t) {
      Counters.failure(t);
    }
    JdkClients.pollCollectedClients();
  }

  static void expunged(Object value) {
    if (value instanceof Xch) {
      Xch x = (Xch) value;
      Body s = x.stream;
      // The caller may still hold the stream (it does not keep the MultiExchange alive): its own
      // collection, or its EOF or close, ends the exchange.
      if (s != null && !s.ended) return;
      Events.exchangeAbandoned(x.id);
    } else if (value instanceof Body) {
      Body b = (Body) value;
      if (!b.isStream || b.ended) return;
      b.ended = true;
      Events.bodyCollected(b.x.id); // an HttpResponseInputStream collected before EOF or close
    }
  }

  static long millisToNanos(long millis) {
    return millis < 0 ? -1 : millis * 1_000_000L;
  }

  static String hostPort(InetSocketAddress a) {
    return a == null ? null : a.getHostString() + ":" + a.getPort();
  }
}
