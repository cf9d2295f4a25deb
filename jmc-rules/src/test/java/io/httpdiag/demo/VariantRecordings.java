package io.httpdiag.demo;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Test program (child JVM, with the agent): runs named demo scenarios as the demo's runner does (a
 * fresh {@link Run} per variant, then the check point), but records each variant into a JFR file of
 * its own, {@code <dir>/<scenario>-<bad|fixed>.jfr}, so that an analysis rule can be judged on the
 * mistake alone and on its fix alone. In the package of the demo to reach its package-private
 * scenarios; the demo jar is on the class path. Every fixed variant runs before any bad one, so
 * nothing a mistake leaves behind (a leaked body collected later) lands in a fixed recording.
 *
 * <pre>java -javaagent:httpdiag-agent.jar -cp httpdiag-demo.jar:test-classes io.httpdiag.demo.VariantRecordings DIR NAME[:await-stuck-handler]...</pre>
 *
 * <p>{@code :await-stuck-handler}: in the bad variant, the check point waits (10 s at most) until
 * the agent reports a server handler still running (STUCK_EXCHANGE "handler still running"). The
 * stuck-handler detector judges a handler by its real age ({@code detect.stuck.after}, 30 s by
 * default; run the agent with e.g. {@code detect.stuck.after=1s}), which the demo's immediate check
 * point never reaches.
 *
 * Prints one line per variant: {@code recorded NAME VARIANT kinds=[...]}. Exit code 0, or 1 when
 * a name is unknown or the agent is not attached.
 */
public final class VariantRecordings {
  static final String AWAIT_STUCK_HANDLER = ":await-stuck-handler";

  private VariantRecordings() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    if (!AgentBridge.attached()) {
      System.err.println("VariantRecordings: the httpdiag agent is not attached");
      System.exit(1);
    }
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    List<Scenario> chosen = new ArrayList<>();
    java.util.Set<String> awaitStuck = new java.util.HashSet<>();
    for (int i = 1; i < args.length; i++) {
      String name = args[i].replace(AWAIT_STUCK_HANDLER, "");
      if (!name.equals(args[i])) awaitStuck.add(name);
      Scenario found = null;
      for (Scenario s : Scenarios.all()) if (s.name.equals(name)) found = s;
      if (found == null) {
        System.err.println("VariantRecordings: unknown scenario " + args[i]);
        System.exit(1);
      }
      chosen.add(found);
    }
    for (Scenario.Variant v : new Scenario.Variant[] {Scenario.Variant.FIXED, Scenario.Variant.BAD}) {
      for (Scenario s : chosen) {
        boolean await = v == Scenario.Variant.BAD && awaitStuck.contains(s.name);
        record(s, v, dir.resolve(s.name + "-" + v.label() + ".jfr"), await, out);
      }
    }
    System.exit(0);
  }

  private static void record(Scenario s, Scenario.Variant v, Path file, boolean awaitStuckHandler, PrintStream out)
      throws Exception {
    out.println(s.name + " " + v.label() + ": " + s.describe(v));
    try (DemoRecording recording = DemoRecording.start()) {
      AgentBridge.clear();
      List<AgentBridge.Seen> seen;
      try (Run run = new Run(out)) {
        try {
          s.run(v, run);
        } catch (Exception e) {
          run.say("failed: " + e);
        }
        run.lifecycle.finish();
        seen = AgentBridge.checkpoint();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (awaitStuckHandler && !stuckHandler(seen) && System.nanoTime() < deadline) {
          Thread.sleep(50); // polling a condition with a deadline: the detector judges the handler's real age
          seen = AgentBridge.checkpoint();
        }
      }
      AgentBridge.clear();
      recording.dump(file);
      TreeSet<String> kinds = new TreeSet<>();
      for (AgentBridge.Seen f : seen) kinds.add(f.kind());
      out.println("recorded " + s.name + " " + v.label() + " kinds=" + kinds);
    }
  }

  private static boolean stuckHandler(List<AgentBridge.Seen> seen) {
    for (AgentBridge.Seen f : seen) {
      if (f.kind().equals("STUCK_EXCHANGE") && f.title().startsWith("handler")) return true;
    }
    return false;
  }
}
