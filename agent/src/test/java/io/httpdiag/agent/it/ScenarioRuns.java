package io.httpdiag.agent.it;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Child runs shared by the cases of one IT class: the first case of a group (same program, variant,
 * library version, JDK and agent options) starts one child JVM running every scenario of the group
 * (see {@code testapp.Scenarios}), and each case then checks its own scenario's block of that run,
 * with the same assertions as when it had a JVM of its own. A JVM start with the agent costs more
 * than most scenarios; this is what keeps the findings ITs inside the build's time budget.
 *
 * <p>Not thread-safe beyond its lock: JUnit runs a class's cases one after another.
 */
final class ScenarioRuns {
  /** Deadline of a group run: it only bounds a failure (a group with GC waits takes ~10-20 s). */
  static final int DEADLINE_SECONDS = 300;

  private static final Map<List<Object>, Object> runs = new HashMap<>();

  private ScenarioRuns() {}

  /**
   * {@code scenario}'s view of the group run named by {@code key}, started by {@code launch} (with
   * every scenario of the group, comma-separated) at the first call for that key. A launch that
   * failed fails every case of its group with the same error.
   */
  static ChildJvm.Result scenario(String scenario, List<Object> key, Callable<ChildJvm.Result> launch) throws Exception {
    Object run;
    synchronized (runs) {
      run = runs.get(key);
      if (run == null) {
        try {
          run = launch.call();
        } catch (Exception | AssertionError e) {
          run = e;
        }
        runs.put(key, run);
      }
    }
    if (run instanceof Exception) throw new AssertionError("the group run " + key + " failed", (Exception) run);
    if (run instanceof AssertionError) throw new AssertionError("the group run " + key + " failed", (AssertionError) run);
    return block((ChildJvm.Result) run, scenario);
  }

  /**
   * The lines of {@code scenario}'s block plus what the program printed after the last block (the
   * runtime's counters); stderr whole. Exit code 1 if this scenario failed, 0 if only others did.
   * Fails if the run has no complete block for the scenario (it died before or during it).
   */
  static ChildJvm.Result block(ChildJvm.Result all, String scenario) {
    List<String> out = new ArrayList<>();
    String begin = "testapp: scenario " + scenario;
    String end = "testapp: scenario end " + scenario;
    boolean inside = false;
    boolean complete = false;
    boolean failed = false;
    boolean anyFailed = false;
    int lastEnd = -1;
    for (int i = 0; i < all.stdout.size(); i++) {
      String l = all.stdout.get(i);
      if (l.startsWith("testapp: scenario end ")) lastEnd = i;
      if (l.startsWith("testapp: scenario failed ")) anyFailed = true;
      if (l.equals(begin)) {
        inside = true;
      } else if (inside && l.equals(end)) {
        inside = false;
        complete = true;
      } else if (inside) {
        if (l.startsWith("testapp: scenario failed " + scenario + ":")) failed = true;
        out.add(l);
      }
    }
    if (!complete) throw new AssertionError("no complete block for scenario " + scenario + " in the group run:\n" + all);
    out.addAll(all.stdout.subList(lastEnd + 1, all.stdout.size()));
    int exit = failed ? 1 : anyFailed && all.exitCode == 1 ? 0 : all.exitCode;
    return new ChildJvm.Result(exit, out, all.stderr);
  }
}
