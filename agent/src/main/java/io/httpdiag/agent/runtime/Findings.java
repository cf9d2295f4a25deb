package io.httpdiag.agent.runtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The findings registry and its in-process API. A finding is reported to the sink the first time
 * its kind, call site and subject are seen, and again when its count reaches 10, 100, 1000...,
 * so a loop never floods the log. At most {@value #MAX_FINDINGS} distinct findings are kept; more
 * are counted in {@link #dropped}. Thread-safe; a repeat ({@link #repeat}) takes no global lock and
 * builds nothing, because detectors see some repeats on every exchange.
 */
public final class Findings {
  public static final int MAX_FINDINGS = 1024;
  public static final AtomicLong dropped = new AtomicLong();
  private static final ConcurrentHashMap<String, Finding> byKey = new ConcurrentHashMap<>();
  /**
   * The same findings per kind, by subject or call site: {@link #repeat} runs on the request path (a
   * client without timeouts repeats MISSING_TIMEOUT on every exchange) and looks up without building
   * the "kind|subject" key.
   */
  private static final ConcurrentHashMap<String, Finding>[] bySubject = bySubjectTables();
  private static final AtomicLongArray perKind = new AtomicLongArray(Finding.Kind.values().length);
  private static final AtomicLong sequence = new AtomicLong();
  static volatile Sink sink = Sink.NONE;
  /** The detectors' check point, handed over at wiring time; null when no detector is on. */
  private static volatile java.util.function.LongConsumer checkpoint;

  private Findings() {}

  @SuppressWarnings("unchecked")
  private static ConcurrentHashMap<String, Finding>[] bySubjectTables() {
    ConcurrentHashMap<String, Finding>[] tables = new ConcurrentHashMap[Finding.Kind.values().length];
    for (int i = 0; i < tables.length; i++) tables[i] = new ConcurrentHashMap<>();
    return tables;
  }

  static void install(Sink newSink, java.util.function.LongConsumer newCheckpoint) {
    sink = newSink;
    checkpoint = newCheckpoint;
  }

  /**
   * Counts one more occurrence of a finding already recorded under {@code kind} and
   * {@code subjectOrCallSite} (reporting it again at 10, 100, ...). Returns false, counting nothing,
   * when there is none yet: the caller then builds the finding and calls {@link #report}. Never throws.
   */
  public static boolean repeat(Finding.Kind kind, String subjectOrCallSite) {
    try {
      Finding current = bySubject[kind.ordinal()].get(String.valueOf(subjectOrCallSite));
      if (current == null) return false;
      perKind.incrementAndGet(kind.ordinal());
      if (occurred(current)) sink.finding(current);
      return true;
    } catch (Throwable t) {
      Counters.failure(t);
      return true;
    }
  }

  /** Records {@code f} (or one more occurrence of an equal finding) and reports it when due. Never throws. */
  public static void report(Finding f) {
    try {
      perKind.incrementAndGet(f.kind.ordinal());
      Finding current = byKey.get(f.key);
      if (current == null) {
        synchronized (Findings.class) { // only inserts lock: the cap must hold
          current = byKey.get(f.key);
          if (current == null) {
            if (byKey.size() >= MAX_FINDINGS) {
              dropped.incrementAndGet();
              return;
            }
            synchronized (f) {
              f.firstSeenMillis = System.currentTimeMillis();
              f.sequence = sequence.incrementAndGet();
            }
            byKey.put(f.key, f);
            bySubject[f.kind.ordinal()].put(f.subjectOrCallSite, f);
            current = f;
          }
        }
      }
      if (current != f) current.update(f);
      if (occurred(current)) sink.finding(current);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * One more occurrence; returns whether it is due to be reported (1st, 10th, 100th...). Lock-free:
   * it runs on request threads, and a monitor shared by every exchange of a busy client (on JDK
   * 21-23 one that blocks a virtual thread's carrier while it waits) shows in their latency tail.
   */
  private static boolean occurred(Finding f) {
    long n = Finding.COUNT.incrementAndGet(f);
    long now = System.currentTimeMillis();
    if (f.lastSeenMillis < now) f.lastSeenMillis = now; // a racing older time may win: off by a millisecond at most
    while (n >= 10 && n % 10 == 0) n /= 10;
    return n == 1;
  }

  /**
   * A check point: runs the age-based detectors now, as if {@code aheadNanos} more had passed (so a
   * test can ask "is any body still open?" without waiting out the threshold). Returns at once when
   * no detector is installed.
   */
  public static void sweep(long aheadNanos) {
    java.util.function.LongConsumer s = checkpoint;
    if (s != null) s.accept(System.nanoTime() + aheadNanos);
  }

  /** Every distinct finding so far, oldest first. */
  public static List<Finding> all() {
    List<Finding> out = new ArrayList<>(byKey.values());
    out.sort(Comparator.comparingLong(f -> f.sequence()));
    return out;
  }

  /** Occurrences of {@code kind} so far (each exchange or creation counts). */
  public static long count(Finding.Kind kind) {
    return perKind.get(kind.ordinal());
  }

  /** Every distinct finding, as the log shows it. */
  public static List<String> texts() {
    List<String> out = new ArrayList<>();
    for (Finding f : all()) out.add(f.text());
    return out;
  }

  /** Forgets everything (tests that check one phase at a time). */
  public static synchronized void clear() {
    byKey.clear();
    for (ConcurrentHashMap<String, Finding> t : bySubject) t.clear();
    for (int i = 0; i < perKind.length(); i++) perKind.set(i, 0);
  }
}
