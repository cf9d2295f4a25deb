package io.httpdiag.junit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Leak assertions for any test framework. {@link #snapshot()} before the code under test,
 * {@link Snapshot#verify()} after it; or {@link #assertNone()} for a check with no baseline.
 *
 * <pre>{@code
 * Snapshot before = HttpLeaks.snapshot();
 * runTheScenario();
 * before.verify();     // AssertionError listing every leak, where it began, and the fix
 * }</pre>
 *
 * The first call attaches the agent when the JVM was not started with it (or fails with one line
 * saying how to pass {@code -javaagent}). Not for concurrent tests: a snapshot sees the whole JVM.
 */
public final class HttpLeaks {
  /** System property naming the directory of per-test JFR dumps (default {@code target/httpdiag}). */
  public static final String JFR_DIR_PROPERTY = "httpdiag-junit.jfrDir";

  private HttpLeaks() {}

  /** Snapshots with the default options: every kind, baseline on, goleak's retry schedule. */
  public static Snapshot snapshot() {
    return snapshot(Options.defaults());
  }

  public static Snapshot snapshot(Options options) {
    return new Snapshot(options, null);
  }

  /**
   * Fails if any response body is open or any client exchange is in flight in this JVM, whenever it
   * began (after waiting for them to settle). Threads need a {@link #snapshot()}: the JVM has many.
   */
  public static void assertNone() {
    new Snapshot(Options.defaults().baseline(false).check(LeakKind.BODIES, LeakKind.CONNECTIONS), null).verify();
  }

  /** Immutable; each setter returns a copy. */
  public static final class Options {
    final Set<LeakKind> kinds;
    final List<Pattern> ignoreThreads;
    final List<String> ignoreTopFrames;
    final boolean baseline;
    /** Null: goleak's schedule. */
    final Duration grace;
    final boolean jfr;

    private Options(Set<LeakKind> kinds, List<Pattern> ignoreThreads, List<String> ignoreTopFrames, boolean baseline,
        Duration grace, boolean jfr) {
      this.kinds = Collections.unmodifiableSet(kinds.isEmpty() ? EnumSet.noneOf(LeakKind.class) : EnumSet.copyOf(kinds));
      this.ignoreThreads = Collections.unmodifiableList(new ArrayList<>(ignoreThreads));
      this.ignoreTopFrames = Collections.unmodifiableList(new ArrayList<>(ignoreTopFrames));
      this.baseline = baseline;
      this.grace = grace;
      this.jfr = jfr;
    }

    public static Options defaults() {
      return new Options(EnumSet.allOf(LeakKind.class), List.of(), List.of(), true, null, false);
    }

    /** The options an annotation asks for. */
    static Options of(HttpLeakCheck a) {
      Options o = defaults().check(a.check()).ignoreThreads(a.ignoreThreads()).ignoreTopFrames(a.ignoreTopFrames())
          .baseline(a.baseline()).jfr(a.jfr());
      return a.graceMillis() < 0 ? o : o.grace(Duration.ofMillis(a.graceMillis()));
    }

    /** Only these kinds are checked. */
    public Options check(LeakKind... only) {
      return new Options(only.length == 0 ? EnumSet.noneOf(LeakKind.class) : EnumSet.copyOf(Arrays.asList(only)),
          ignoreThreads, ignoreTopFrames, baseline, grace, jfr);
    }

    /** Threads whose whole name matches one of these regular expressions are not leaks. */
    public Options ignoreThreads(String... regexes) {
      List<Pattern> p = new ArrayList<>(ignoreThreads);
      for (String r : regexes) p.add(Pattern.compile(r));
      return new Options(kinds, p, ignoreTopFrames, baseline, grace, jfr);
    }

    /** Threads whose top frame ({@code class.method}) starts with one of these are not leaks. */
    public Options ignoreTopFrames(String... prefixes) {
      List<String> p = new ArrayList<>(ignoreTopFrames);
      p.addAll(Arrays.asList(prefixes));
      return new Options(kinds, ignoreThreads, p, baseline, grace, jfr);
    }

    /** False: exchanges in flight before the snapshot count too. */
    public Options baseline(boolean on) {
      return new Options(kinds, ignoreThreads, ignoreTopFrames, on, grace, jfr);
    }

    /** Waits up to {@code d} for teardown to settle (backoff still capped at 100 ms) instead of 20 retries. */
    public Options grace(Duration d) {
      if (d.isNegative()) throw new IllegalArgumentException("grace < 0: " + d);
      return new Options(kinds, ignoreThreads, ignoreTopFrames, baseline, d, jfr);
    }

    /** Record with JFR between snapshot and verify; dump the httpdiag events when something leaks. */
    public Options jfr(boolean on) {
      return new Options(kinds, ignoreThreads, ignoreTopFrames, baseline, grace, on);
    }
  }
}
