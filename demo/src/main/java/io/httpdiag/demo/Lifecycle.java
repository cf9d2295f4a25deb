package io.httpdiag.demo;

import io.httpdiag.http.ClientTrace;
import io.httpdiag.http.ServerTrace;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Abridged lifecycle lines for one variant, from core-transport's public trace listeners (so they
 * print with or without the agent): one line per client exchange, the first {@link #limit} in full,
 * the rest counted. Thread-safe: trace methods run on the callers' threads.
 */
final class Lifecycle implements ClientTrace, ServerTrace {
  private final PrintStream out;
  private final int limit;
  private final Map<Long, Line> open = new ConcurrentHashMap<>();
  private final AtomicInteger printed = new AtomicInteger();
  private final AtomicInteger exchanges = new AtomicInteger();
  private final AtomicInteger dials = new AtomicInteger();
  private final AtomicInteger reused = new AtomicInteger();

  Lifecycle(PrintStream out, int limit) {
    this.out = out;
    this.limit = limit;
  }

  /** Prints the exchanges still open (their bodies never ended), then the counts of the rest. */
  void finish() {
    for (Line l : open.values()) {
      l.sb.append(l.sb.indexOf(" status=") >= 0 ? "  (still open: body never closed)"
          : "  (still waiting for the response)");
      emit(l);
    }
    open.clear();
    int hidden = printed.get() - limit;
    if (hidden > 0) out.println("    ... " + hidden + " more exchanges not shown");
    if (exchanges.get() > 1) {
      out.println("    " + exchanges.get() + " exchanges: " + dials.get() + " new connections, " + reused.get()
          + " on a reused one");
    }
  }

  @Override
  public void exchangeStart(long id, String method, String url, long deadlineNanos) {
    exchanges.incrementAndGet();
    Line l = new Line(System.nanoTime());
    String path = url.replaceFirst("^https?://[^/]+", "");
    l.sb.append("    #").append(id).append(' ').append(method).append(' ').append(path)
        .append(deadlineNanos == 0 ? " (no deadline)" : "");
    open.put(id, l);
  }

  @Override
  public void connectDone(long id, long connectionId, String address, Throwable error) {
    dials.incrementAndGet();
    step(id, "connect", error == null ? "" : " failed: " + error.getMessage());
  }

  @Override
  public void tlsHandshakeDone(long id, long connectionId, String protocol, String cipherSuite, String alpn,
      Throwable error) {
    step(id, "tls", error == null ? " " + protocol : " failed: " + error.getMessage());
  }

  @Override
  public void gotConn(long id, long connectionId, boolean wasReused, boolean wasIdle, long idleNanos, long connAgeNanos,
      int requestsOnConn) {
    if (wasReused) reused.incrementAndGet();
    step(id, "gotConn", " c" + connectionId + (wasReused ? " reused" : " new"));
  }

  @Override
  public void streamOpened(long id, long connectionId, int streamId, int activeStreams) {
    step(id, "stream", " " + streamId + " on c" + connectionId + ", " + activeStreams + " open");
  }

  @Override
  public void gotFirstResponseByte(long id) {
    step(id, "firstByte", "");
  }

  @Override
  public void gotResponseHeaders(long id, int status, long contentLength) {
    Line l = open.get(id);
    if (l != null) l.sb.append(" status=").append(status);
  }

  @Override
  public void bodyEnd(long id, long connectionId, long bytesRead, long contentLength, boolean drained, String closedBy) {
    step(id, "bodyEnd", " " + bytes(bytesRead) + (drained ? " drained" : " of " + bytes(contentLength) + ", closed early"));
  }

  @Override
  public void putIdleConn(long id, long connectionId, String result) {
    Line l = open.remove(id);
    if (l == null) return;
    l.sb.append(" -> putIdleConn ").append(result);
    emit(l);
  }

  @Override
  public void timeout(long id, String kind) {
    step(id, "timeout", " " + kind);
  }

  @Override
  public void exchangeFailed(long id, Throwable error) {
    Line l = open.remove(id);
    if (l == null) return;
    l.sb.append(" | +").append(ms(System.nanoTime() - l.start)).append(" failed: ").append(error.getMessage());
    emit(l);
  }

  // Server side: only connection closes, which is what the slowloris scenario is about.
  @Override
  public void connClosed(long connectionId, String reason) {
    out.println("    server: connection s" + connectionId + " closed (" + reason + ")");
  }

  private void step(long id, String name, String detail) {
    Line l = open.get(id);
    if (l != null) l.sb.append(" | +").append(ms(System.nanoTime() - l.start)).append(' ').append(name).append(detail);
  }

  private void emit(Line l) {
    if (printed.incrementAndGet() <= limit) out.println(l.sb);
  }

  static String ms(long nanos) {
    return String.format("%.1fms", nanos / 1e6);
  }

  static String bytes(long n) {
    if (n < 0) return "?";
    if (n >= 1 << 20) return String.format("%.1f MiB", n / (double) (1 << 20));
    if (n >= 1024) return String.format("%.1f KiB", n / 1024.0);
    return n + " B";
  }

  private static final class Line {
    final long start;
    final StringBuilder sb = new StringBuilder(); // guarded by the exchange's own sequencing

    Line(long start) {
      this.start = start;
    }
  }
}
