package io.httpdiag.demo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The scenario runner: each scenario's bad then fixed variant, a check point after each (so no
 * detector threshold has to pass), then the summary table and the JFR file. Exit code 0 when every
 * row is as expected (or cannot be checked, and says why), 1 when a row contradicts its
 * expectation, 2 for bad usage.
 */
final class Scenarios {
  static final String JFR_FILE = "httpdiag-demo.jfr";
  static final String ATTACH = "java -javaagent:agent/target/httpdiag-agent.jar -jar demo/target/httpdiag-demo.jar";

  private static final java.util.logging.Logger TRANSPORT_LOG = java.util.logging.Logger.getLogger("io.httpdiag.http");

  private Scenarios() {}

  static List<Scenario> all() {
    List<Scenario> all = new ArrayList<>();
    all.add(new BodyNotClosed());
    all.add(new BodyClosedEarly());
    all.add(new Http2BodyNotClosed());
    all.add(new ClientPerRequest());
    all.add(new PoolChurn());
    all.add(new NoTimeouts());
    all.add(new Slowloris());
    all.add(new TlsReuse());
    all.addAll(JdkScenarios.all());
    all.addAll(UrlConnectionScenarios.all());
    all.addAll(OkHttpScenarios.all());
    all.addAll(Apache5Scenarios.all());
    all.addAll(Apache4Scenarios.all());
    all.add(new HandlerThreadLeak());
    return all;
  }

  static void list(PrintStream out) {
    for (Scenario s : all()) {
      String skip = s.skipReason();
      out.printf("%-24s %-15s %s%s%n", s.name, s.transport, s.mistake, skip == null ? "" : " [" + skip + "]");
    }
  }

  static int runAll(PrintStream out) throws Exception {
    return runScenarios(all(), out);
  }

  static int run(List<String> names, PrintStream out) throws Exception {
    Map<String, Scenario> byName = new LinkedHashMap<>();
    for (Scenario s : all()) byName.put(s.name, s);
    List<Scenario> chosen = new ArrayList<>();
    for (String n : names) {
      Scenario s = byName.get(n);
      if (s == null) {
        System.err.println("httpdiag-demo: unknown scenario '" + n + "'; see --list");
        return 2;
      }
      chosen.add(s);
    }
    if (chosen.isEmpty()) {
      System.err.println("httpdiag-demo: run needs scenario names; see --list");
      return 2;
    }
    return runScenarios(chosen, out);
  }

  private static int runScenarios(List<Scenario> scenarios, PrintStream out) throws Exception {
    long start = System.nanoTime();
    // The embedded servers log what the bad variants do to them (broken pipes when a body is closed
    // early...): expected here, and the lifecycle lines already show it.
    TRANSPORT_LOG.setLevel(java.util.logging.Level.OFF);
    boolean agent = AgentBridge.attached();
    out.println("httpdiag demo: " + scenarios.size() + " scenarios, each mistake beside its fix, against embedded"
        + " servers on 127.0.0.1 (Java " + Runtime.version().feature() + ")");
    DemoRecording recording = null;
    if (agent) {
      out.println("httpdiag agent: attached. Its findings print on stderr (\"httpdiag LEAK ...\" with call site and"
          + " fix); after each variant the demo runs a check point (Findings.sweep) so nobody waits for"
          + " detect.body.after or detect.stuck.after.");
      recording = DemoRecording.start();
      out.println("JFR: recording httpdiag.* events (" + recording.settings() + ")");
    } else {
      out.println("httpdiag agent: NOT attached, so nothing will be found. Attach it:\n  " + ATTACH);
    }
    List<Row> rows = new ArrayList<>();
    int i = 0;
    for (Scenario s : scenarios) {
      i++;
      out.println();
      out.println("[" + i + "/" + scenarios.size() + "] " + s.name + ": " + s.mistake + " (" + s.transport + ")");
      String skip = s.skipReason();
      if (skip != null) {
        out.println("  skipped: " + skip);
        for (Scenario.Variant v : Scenario.Variant.values()) rows.add(Row.skipped(s, v, skip));
        continue;
      }
      for (Scenario.Variant v : Scenario.Variant.values()) rows.add(runVariant(s, v, agent, out));
    }
    out.println();
    printTable(rows, out);
    if (recording != null) {
      Path file = Path.of(JFR_FILE).toAbsolutePath();
      recording.dump(file);
      recording.close();
      out.println();
      out.println("JFR recording: " + file);
      out.println("  jfr print --events 'httpdiag.*' " + JFR_FILE);
      out.println("  java -jar agent/target/httpdiag-agent.jar report " + JFR_FILE + " --html httpdiag-demo.html");
      out.println("  or open it in JDK Mission Control (jmc): File > Open File, then Event Browser > HTTP Diagnostics");
    }
    long mismatches = rows.stream().filter(r -> r.result.equals(Row.MISMATCH)).count();
    out.printf("%ndone in %.1f s%s%n", (System.nanoTime() - start) / 1e9,
        mismatches == 0 ? "" : "; " + mismatches + " row(s) did not match their expectation");
    return mismatches == 0 ? 0 : 1;
  }

  private static Row runVariant(Scenario s, Scenario.Variant v, boolean agent, PrintStream out) throws Exception {
    out.println("  " + v.label() + ": " + s.describe(v));
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
    }
    AgentBridge.clear(); // what cleanup caused (a leaked body closed at last) is not this variant's
    Thread.sleep(100); // the agent writes its lines from its own thread: let them out before the verdict
    Row row = Row.of(s, v, agent, seen);
    java.util.Set<String> shown = new java.util.HashSet<>();
    for (AgentBridge.Seen f : seen) {
      if (shown.add(f.kind() + " " + f.callSite())) out.println("  -> found " + f.kind() + " at " + f.callSite());
    }
    out.println("  => " + (v == Scenario.Variant.BAD ? "expected " + Row.join(s.expected) : "expected no finding")
        + "; " + row.result);
    return row;
  }

  private static void printTable(List<Row> rows, PrintStream out) {
    String fmt = "%-22s %-7s %-15s %-32s %-32s %s%n";
    out.println("summary");
    out.printf(fmt, "scenario", "variant", "transport", "expected", "seen", "result");
    for (Row r : rows) {
      out.printf(fmt, r.scenario, r.variant, r.transport, r.expected, r.seen, r.result);
    }
  }

  /** One line of the summary table. */
  static final class Row {
    static final String OK = "ok";
    static final String MISMATCH = "MISMATCH";
    final String scenario, variant, transport, expected, seen, result;

    Row(String scenario, String variant, String transport, String expected, String seen, String result) {
      this.scenario = scenario;
      this.variant = variant;
      this.transport = transport;
      this.expected = expected;
      this.seen = seen;
      this.result = result;
    }

    static Row skipped(Scenario s, Scenario.Variant v, String why) {
      return new Row(s.name, v.label(), s.transport, v == Scenario.Variant.BAD ? join(s.expected) : "-", "-",
          "skipped: " + why);
    }

    static Row of(Scenario s, Scenario.Variant v, boolean agent, List<AgentBridge.Seen> seen) {
      List<String> expected = v == Scenario.Variant.BAD ? s.expected : List.of();
      TreeSet<String> kinds = new TreeSet<>();
      for (AgentBridge.Seen f : seen) kinds.add(f.kind());
      String result;
      if (!agent) {
        result = "agent not attached";
      } else if (kinds.equals(new TreeSet<>(expected))) {
        result = OK;
      } else if (v == Scenario.Variant.BAD && s.notDetectedReason(!kinds.isEmpty()) != null) {
        result = s.notDetectedReason(false);
      } else {
        result = MISMATCH;
      }
      return new Row(s.name, v.label(), s.transport, join(expected), agent ? join(kinds) : "?", result);
    }

    static String join(Iterable<String> kinds) {
      String j = String.join(",", kinds);
      return j.isEmpty() ? "-" : j;
    }
  }
}
