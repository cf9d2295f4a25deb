package io.httpdiag.agent.testapp;

import io.httpdiag.agent.testkit.Await;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Virtual threads pinned during HTTP I/O, for {@code detect.pinned=on} (JDK 21+; compiles for 17, so
 * virtual threads are made reflectively). On JDK 24+ a monitor no longer pins (JEP 491); a class
 * initializer still does, so the leaky variant does its blocking HTTP call in a static initializer
 * first touched on a virtual thread, and the fixed one makes the same call outside any initializer.
 * Watermarks: classes whose initializer sleeps (a pinning without HTTP, which the detector sees but
 * does not report) tell that the agent's JFR stream is running and has caught up.
 */
final class Pinning {
  private static int marks;

  private Pinning() {}

  static boolean virtualThreadsExist() {
    return Runtime.version().feature() >= 21;
  }

  /**
   * Runs the scenario: {@code leakyTouch} does the HTTP call inside a class initializer,
   * {@code fixedCall} the same call directly; both on a virtual thread.
   */
  static void run(boolean fixed, Runnable leakyTouch, Callable<?> fixedCall) throws Exception {
    if (!virtualThreadsExist()) {
      System.out.println("testapp: no virtual threads on " + Runtime.version().feature());
      return;
    }
    awaitWatermark(); // the agent's stream is up
    long before = seen();
    inVirtualThread(() -> {
      if (fixed) {
        fixedCall.call();
      } else {
        leakyTouch.run();
      }
      return null;
    });
    long unpinned = System.nanoTime();
    if (fixed) {
      awaitWatermark(); // the stream has passed the fixed call: anything it reported is in
      System.out.println("testapp: pinned events seen " + (seen() - before - 1) + " beyond the watermarks");
      return;
    }
    Await.until(Duration.ofSeconds(20), () -> CoreLeaks.findings().stream().anyMatch(f -> f[0].equals("VIRTUAL_THREAD_PINNED")),
        () -> "a VIRTUAL_THREAD_PINNED finding");
    System.out.println("testapp: pinned latency " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - unpinned) + " ms");
  }

  /** Pins a virtual thread without HTTP (a sleeping initializer) until the detector has seen it. */
  static void awaitWatermark() throws Exception {
    long before = seen();
    Await.until(Duration.ofSeconds(20), () -> {
      if (marks < MARKS.length) {
        Callable<?> touch = MARKS[marks++];
        inVirtualThread(touch);
      }
      return Await.within(Duration.ofSeconds(3), () -> seen() > before); // a flush is ~1 s
    }, () -> "the agent's jdk.VirtualThreadPinned stream saw nothing");
  }

  private static long seen() throws Exception {
    return ((AtomicLong) Class.forName("io.httpdiag.agent.runtime.Counters").getField("pinnedEventsSeen").get(null)).get();
  }

  static void inVirtualThread(Callable<?> task) throws Exception {
    Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
    Exception[] failed = new Exception[1];
    Runnable r = () -> {
      try {
        task.call();
      } catch (Exception e) {
        failed[0] = e;
      }
    };
    Thread t = (Thread) Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class).invoke(builder, r);
    t.join(TimeUnit.SECONDS.toMillis(20));
    if (failed[0] != null) throw failed[0];
  }

  private static final Callable<?>[] MARKS = {
      () -> Mark0.V, () -> Mark1.V, () -> Mark2.V, () -> Mark3.V, () -> Mark4.V, () -> Mark5.V};

  static void pause() {
    try {
      Thread.sleep(60);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // Each initializer runs once: one watermark each.
  static final class Mark0 { static final int V; static { pause(); V = 0; } }
  static final class Mark1 { static final int V; static { pause(); V = 1; } }
  static final class Mark2 { static final int V; static { pause(); V = 2; } }
  static final class Mark3 { static final int V; static { pause(); V = 3; } }
  static final class Mark4 { static final int V; static { pause(); V = 4; } }
  static final class Mark5 { static final int V; static { pause(); V = 5; } }
}
