package io.httpdiag.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Interleaved measurement: round after round, every target once per round, so that a burst of load
 * from other processes hits all of them alike. A target whose key metric varies more than the
 * bound (coefficient of variation) gets one extra run (none with --quick); whatever is still
 * noisy is flagged.
 */
final class Rounds {
  interface Measure<R> {
    R run(String target) throws Exception;
  }

  /** One measured run of a target. */
  record Run(double rps, double p50Micros, double p99Micros, double cpuMicrosPerRequest, long allocPerRequest, String errors) {}

  /** Extra runs allowed for a noisy target (0 in --quick mode: flag only). */
  static int extraRuns = 1;

  /** System.nanoTime() after which noisy targets are flagged, not re-run (keeps `all` within its budget). */
  static long rerunDeadline = Long.MAX_VALUE;

  private Rounds() {}

  static Map<String, List<Run>> interleave(List<String> targets, int rounds, double cvBound, Measure<Run> m) throws Exception {
    return interleave(targets, rounds, cvBound, m, Run::rps);
  }

  /** As above for any kind of run, with {@code key} the figure whose CV decides a re-run (the overhead section: CPU per request). */
  static <R> Map<String, List<R>> interleave(List<String> targets, int rounds, double cvBound, Measure<R> m, ToDoubleFunction<R> key)
      throws Exception {
    Map<String, List<R>> runs = new LinkedHashMap<>();
    for (String t : targets) {
      runs.put(t, new ArrayList<>());
    }
    for (int r = 0; r < rounds; r++) {
      for (String t : targets) {
        runs.get(t).add(m.run(t));
      }
    }
    for (int extra = 0; extra < extraRuns && rounds >= 2; extra++) {
      List<String> noisy = new ArrayList<>();
      for (String t : targets) {
        Samples s = new Samples();
        runs.get(t).forEach(r -> s.add(key.applyAsDouble(r)));
        if (s.cv() > cvBound) {
          noisy.add(t);
        }
      }
      if (noisy.isEmpty()) {
        break;
      }
      if (System.nanoTime() - rerunDeadline > 0) {
        System.out.println("  noisy (CV over " + Table.pct(cvBound) + "): " + noisy + "; not re-run, the run's time budget is spent");
        break;
      }
      System.out.println("  noisy (CV over " + Table.pct(cvBound) + "), re-running: " + noisy + "   [" + Env.uptime() + "]");
      for (String t : noisy) {
        runs.get(t).add(m.run(t));
      }
    }
    return runs;
  }

  static Samples of(List<Run> runs, ToDoubleFunction<Run> f) {
    Samples s = new Samples();
    for (Run r : runs) {
      s.add(f.applyAsDouble(r));
    }
    return s;
  }

  static double median(List<Run> runs, ToDoubleFunction<Run> f) {
    return of(runs, f).median();
  }

  /** "" or a flag naming the CV when it is over the bound, plus any errors seen. */
  static String note(List<Run> runs, double cvBound) {
    double cv = of(runs, Run::rps).cv();
    StringBuilder b = new StringBuilder(Table.pct(cv));
    if (cv > cvBound) {
      b.append(" ⚠ noisy");
    }
    for (Run r : runs) {
      if (r.errors() != null && !r.errors().isEmpty()) {
        b.append(" ⚠ ").append(r.errors().trim());
        break;
      }
    }
    return b.toString();
  }
}
