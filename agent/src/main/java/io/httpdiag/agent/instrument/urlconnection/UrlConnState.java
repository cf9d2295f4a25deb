package io.httpdiag.agent.instrument.urlconnection;

import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.WeakIdentityTable;
import java.net.URL;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state of the HttpURLConnection adapter ({@link UrlConnections}, {@link UrlConnConnections}): one
 * {@link WeakIdentityTable} keyed by the JDK's objects, and what each thread is in the middle of.
 */
final class UrlConnState {
  private UrlConnState() {}

  static final int MAX_ENTRIES = 65_536;
  static final AtomicLong exchangeIds = new AtomicLong();
  static final AtomicLong connectionIds = new AtomicLong();
  static final WeakIdentityTable table = new WeakIdentityTable(MAX_ENTRIES, UrlConnState::expunged);
  static final ThreadLocal<Ctx> CTX = ThreadLocal.withInitial(Ctx::new);

  /** One exchange: an HttpURLConnection from its first connect to the end of its response body. */
  static final class Xch {
    final long id;
    volatile Conn conn;
    volatile String url;
    volatile boolean gotConn, wroteRequest, responded, bodyEnded;
    /** The connection was released before the user got the stream (an empty body): with this result. */
    volatile String releasedBeforeResponse;
    /** From the KeepAliveStream (fixed-length bodies); -1 unknown. */
    volatile long expected = -1, count = -1;

    Xch(long id) {
      this.id = id;
    }
  }

  /** One connection: a {@code sun.net.www.http.HttpClient}. */
  static final class Conn {
    final long id;
    final long createdAt;
    volatile long idleSince;
    volatile int requests;
    volatile Xch current;
    volatile boolean closed, fromCache;

    Conn(long id, long createdAt) {
      this.id = id;
      this.createdAt = createdAt;
    }
  }

  /** What the calling thread is in the middle of. */
  static final class Ctx {
    Xch current;
    Xch closing;
    Xch disconnecting;
    Conn putting;
    boolean evicted;
    int responseDepth;
  }


  static void bodyDone(Xch x, String closedBy, boolean drained) {
    if (x.bodyEnded) return;
    x.bodyEnded = true;
    Conn c = x.conn;
    long expected = x.expected;
    long count = "eof".equals(closedBy) && expected >= 0 ? expected : x.count;
    Events.bodyEnd(x.id, c == null ? 0 : c.id, count, expected, drained, closedBy);
  }

  static String closedBy(Ctx ctx, Xch x) {
    if (ctx.disconnecting == x) return "disconnect";
    if (ctx.closing == x) return "close";
    return "eof";
  }


  /** The connection of {@code http}; one made before the instrumentation (unknown history) is adopted. */
  static Conn conn(Object http) {
    Conn c = (Conn) table.get(http);
    if (c != null) return c;
    c = new Conn(HttpLibrary.URLCONNECTION.id(connectionIds.incrementAndGet()), System.nanoTime());
    c.fromCache = true;
    return table.put(http, c, false) ? c : null;
  }

  /**
   * A collected HttpURLConnection: its body stream went with it (the stream refers to it), so a body
   * handed out and never ended was collected unclosed; an exchange that never got a response is abandoned.
   */
  static void expunged(Object value) {
    if (!(value instanceof Xch)) return;
    Xch x = (Xch) value;
    if (x.bodyEnded) return;
    x.bodyEnded = true;
    if (x.responded) Events.bodyCollected(x.id);
    else Events.exchangeAbandoned(x.id);
  }

  static long millisToNanos(int ms) {
    return ms <= 0 ? 0 : ms * 1_000_000L;
  }

  static String hostPort(URL url) {
    int port = url.getPort() < 0 ? url.getDefaultPort() : url.getPort();
    return url.getHost() + ":" + port;
  }
}
