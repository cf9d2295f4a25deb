package io.httpdiag.agent.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The findings registry and its in-process API. A finding is reported to the sink the first time
 * its kind, call site and subject are seen, and again when its count reaches 10, 100, 1000...,
 * so a loop never floods the log. At most {@value #MAX_FINDINGS} distinct findings are kept; more
 * are counted in {@link #dropped}. Thread-safe.
 */
public final class Findings {
  public static final int MAX_FINDINGS = 1024;
  public static final AtomicLong dropped = new AtomicLong();
  private static final Map<String, Finding> byKey = new LinkedHashMap<>(); // guarded by Findings.class
  private static final long[] perKind = new long[Finding.Kind.values().length]; // guarded by Findings.class
  private static volatile Sink sink = Sink.NONE;
  private static volatile java.util.function.LongConsumer sweeper;

  private Findings() {}

  static void install(Sink newSink) {
    sink = newSink;
  }

  /** Records {@code f} (or one more occurrence of an equal finding) and reports it when due. Never throws. */
  public static void report(Finding f) {
    try {
      Finding current;
      boolean due;
      long now = System.currentTimeMillis();
      synchronized (Findings.class) {
        perKind[f.kind.ordinal()]++;
        current = byKey.get(f.key);
        if (current == null) {
          if (byKey.size() >= MAX_FINDINGS) {
            dropped.incrementAndGet();
            return;
          }
          current = f;
          current.firstSeenMillis = now;
          byKey.put(f.key, f);
        } else {
          current.update(f);
        }
        synchronized (current) {
          current.count++;
          current.lastSeenMillis = now;
          due = isPowerOfTen(current.count);
        }
      }
      if (due) sink.finding(current);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Every distinct finding so far, oldest first. */
  public static synchronized List<Finding> all() {
    return new ArrayList<>(byKey.values());
  }

  /** Occurrences of {@code kind} so far (each exchange or creation counts). */
  public static synchronized long count(Finding.Kind kind) {
    return perKind[kind.ordinal()];
  }

  /** Every distinct finding, as the log shows it. */
  public static List<String> texts() {
    List<String> out = new ArrayList<>();
    for (Finding f : all()) out.add(f.text());
    return out;
  }

  /** Registers the detectors' age-based sweep (called once by the installer). */
  public static void setSweeper(java.util.function.LongConsumer sweep) {
    sweeper = sweep;
  }

  /**
   * A check point: runs the age-based detectors now, as if {@code aheadNanos} more had passed (so a
   * test can ask "is any body still open?" without waiting out the threshold). Returns at once when
   * no detector is installed.
   */
  public static void sweep(long aheadNanos) {
    java.util.function.LongConsumer s = sweeper;
    if (s != null) s.accept(System.nanoTime() + aheadNanos);
  }

  /** Forgets everything (tests that check one phase at a time). */
  public static synchronized void clear() {
    byKey.clear();
    java.util.Arrays.fill(perKind, 0);
  }

  private static boolean isPowerOfTen(long n) {
    while (n >= 10 && n % 10 == 0) n /= 10;
    return n == 1;
  }
}
