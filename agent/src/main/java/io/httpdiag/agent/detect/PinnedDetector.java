package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.CallSite;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingStream;

/**
 * Virtual threads pinned to their carrier while blocked in HTTP I/O (JDK 21+; opt-in with
 * {@code detect.pinned=on}): consumes the JDK's {@code jdk.VirtualThreadPinned} in-process with a
 * {@link RecordingStream} (on one daemon thread, "httpdiag-pinned"; only that event is enabled in it), keeps the events
 * whose stack waits for the network (socket I/O: core-transport, HttpURLConnection; or the JDK
 * HttpClient's blocking send), and reports
 * them (from the sweeper: the stream's own thread is excluded from recording) at the first
 * application frame, with the JDK's reason where it gives one (24+). The stream is
 * started from the sweeper thread's first pass, never from premain; on JDK 17-20 (no virtual
 * threads) nothing is started. Since JDK 24 (JEP 491) {@code synchronized} no longer pins: a class
 * initializer or a native frame on the stack still does.
 */
final class PinnedDetector implements Detectors.Detector {
  static final String EVENT = "jdk.VirtualThreadPinned";
  private static final int MAX_FRAMES = 40;
  /** Pinnings waiting for the sweeper: JFR does not record events committed on a stream's own thread. */
  static final int MAX_PENDING = 256;
  private final ConcurrentLinkedQueue<Runnable> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingSize = new AtomicInteger();
  private final long thresholdNanos;
  private volatile boolean started;

  PinnedDetector(long thresholdNanos) {
    this.thresholdNanos = thresholdNanos;
  }

  @Override
  public void afterSweep(long now) {
    for (Runnable r; (r = pending.poll()) != null; ) {
      pendingSize.decrementAndGet();
      r.run();
    }
    if (started) return;
    started = true;
    if (Runtime.version().feature() < 21) return; // no virtual threads: nothing can pin
    try {
      RecordingStream rs = new RecordingStream();
      // Only the pinned event: a running recording must not switch on ours (or anything else) for all.
      for (EventType t : FlightRecorder.getFlightRecorder().getEventTypes()) {
        if (!t.getName().equals(EVENT)) rs.disable(t.getName());
      }
      rs.enable(EVENT).withThreshold(Duration.ofNanos(thresholdNanos)).withStackTrace();
      rs.setMaxAge(Duration.ofMinutes(1)); // bounded disk: the repository keeps one minute at most
      rs.onEvent(EVENT, this::pinned);
      // startAsync's thread is not a daemon (it would keep the JVM alive): run the stream on our own.
      Thread t = new Thread(() -> {
        try {
          rs.start();
        } catch (Throwable e) {
          Counters.failure(e);
        }
      }, "httpdiag-pinned");
      t.setDaemon(true);
      t.start();
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** One jdk.VirtualThreadPinned event (on the stream's thread). Never throws. */
  void pinned(RecordedEvent e) {
    try {
      Counters.pinnedEventsSeen.incrementAndGet();
      RecordedStackTrace st = e.getStackTrace();
      if (st == null) return;
      List<String> classes = new ArrayList<>();
      List<String> frames = new ArrayList<>();
      for (RecordedFrame f : st.getFrames()) {
        if (f.getMethod() == null || f.getMethod().getType() == null) continue;
        classes.add(f.getMethod().getType().getName());
        frames.add(format(f));
      }
      String reason = e.hasField("pinnedReason") ? e.getString("pinnedReason") : null;
      String thread = null;
      if (e.hasField("eventThread")) {
        RecordedThread t = e.getThread("eventThread");
        if (t != null && t.getJavaName() != null && !t.getJavaName().isEmpty()) thread = t.getJavaName();
      }
      if (!classes.stream().anyMatch(PinnedDetector::httpIo)) return;
      if (pendingSize.incrementAndGet() > MAX_PENDING) {
        pendingSize.decrementAndGet();
        Findings.dropped.incrementAndGet();
        return;
      }
      String why = reason;
      String who = thread;
      long nanos = e.getDuration().toNanos();
      pending.add(() -> report(classes, frames, nanos, why, who)); // reported by the sweeper, where JFR records it
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Reports one pinning whose stack ({@code classes}, {@code frames}: innermost first) is HTTP I/O. */
  static void report(List<String> classes, List<String> frames, long pinnedNanos, String reason, String thread) {
    int user = -1;
    boolean http = false;
    for (int i = 0; i < classes.size(); i++) {
      String cls = classes.get(i);
      if (httpIo(cls)) http = true;
      if (user < 0 && !CallSite.isInternalFrame(cls + ".x")) user = i;
    }
    if (!http) return;
    String site = user < 0 ? "(no frame outside the JDK and httpdiag)" : frames.get(user);
    int end = user < 0 ? frames.size() : Math.min(frames.size(), user + 3);
    List<String> details = new ArrayList<>();
    details.add((thread == null ? "an unnamed virtual thread" : "virtual thread \"" + thread + "\"")
        + " held its carrier while it waited; other virtual threads could not run on it");
    if (reason != null && !reason.isEmpty()) details.add("pinned because: " + reason);
    Findings.report(new Finding(Finding.Kind.VIRTUAL_THREAD_PINNED, null,
        "virtual thread pinned to its carrier for " + Format.duration(pinnedNanos) + " while blocked in HTTP I/O",
        "pinned at", site, details.toArray(new String[0]),
        Fixes.PINNED,
        frames.subList(0, Math.min(end, MAX_FRAMES)).toArray(new String[0])));
  }

  /**
   * A frame that waits for the network: socket I/O (core-transport, HttpURLConnection and anything
   * else on sockets go through it) or the JDK HttpClient's blocking send (its I/O runs on the
   * selector thread; the caller waits in {@code HttpClientImpl.send}). Merely having core-transport
   * frames is not enough: a connection's virtual thread pinned while loading a class is not HTTP I/O.
   */
  static boolean httpIo(String cls) {
    return cls.startsWith("java.net.Socket") || cls.startsWith("sun.nio.ch.NioSocketImpl")
        || cls.startsWith("sun.nio.ch.SocketChannelImpl") || cls.startsWith("sun.nio.ch.SocketAdaptor")
        || cls.startsWith("sun.security.ssl.SSLSocketImpl") || cls.equals("jdk.internal.net.http.HttpClientImpl");
  }

  /** {@code cls.method(File.java:N)}; JFR frames carry no file name, so it is derived from the class name. */
  static String format(RecordedFrame f) {
    String cls = f.getMethod().getType().getName();
    String simple = cls.substring(cls.lastIndexOf('.') + 1);
    int dollar = simple.indexOf('$');
    if (dollar > 0) simple = simple.substring(0, dollar);
    int line = f.getLineNumber();
    return cls + "." + f.getMethod().getName() + "(" + simple + ".java" + (line > 0 ? ":" + line : "") + ")";
  }
}
