package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each finding on the JDK's HttpURLConnection, on every JDK installed (17 and 25 here): the leaky
 * program produces it at its own line; the fixed program (both timeouts, every stream read and closed,
 * a keep-alive cache sized for the concurrency) produces none; a small rest closed early is drained by
 * the JDK and is no finding. The scenarios of a variant run in one child per JDK ({@link ScenarioRuns}).
 */
class UrlConnectionFindingsIT {
  static final String LEAKS = "io.httpdiag.agent.testapp.UrlConnectionLeaks";
  private static final String[][] SCENARIOS = {
      {"bodyNotClosed", "BODY_NOT_CLOSED", "bodyNotClosed"},
      {"bodyCollected", "BODY_NOT_CLOSED", "dropOrReadSmallBody"},
      {"bodyClosedEarly", "BODY_CLOSED_EARLY", "bodyClosedEarly"},
      {"noTimeouts", "MISSING_TIMEOUT", "noTimeouts"},
      {"churn", "POOL_CHURN", "lambda$churn$"},
      {"stuck", "STUCK_EXCHANGE", "lambda$stuck$"}};

  static Stream<Arguments> leaky() {
    List<Arguments> out = new ArrayList<>();
    for (String java : JdkFindingsIT.javas()) {
      for (String[] s : SCENARIOS) out.add(Arguments.of(s[0], s[1], s[2], java));
    }
    return out.stream();
  }

  static Stream<Arguments> fixed() {
    List<Arguments> out = new ArrayList<>();
    for (String java : JdkFindingsIT.javas()) {
      for (String[] s : SCENARIOS) out.add(Arguments.of(s[0], java));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} leaky on {3}")
  @MethodSource("leaky")
  void leakyVariantIsFoundAtItsCallSite(String scenario, String kind, String method, String java) throws Exception {
    ChildJvm.Result r = grouped(scenario, "leaky", java, "detect=on,log=findings,stacks=all,detect.stuck.after=500ms");
    List<String> found = CoreFindingsIT.findings(r);
    String site = "io.httpdiag.agent.testapp.UrlConnectionLeaks." + method;
    assertTrue(found.stream().anyMatch(f -> f.startsWith(kind + " " + site) && f.contains("(UrlConnectionLeaks.java:")),
        kind + " at " + site + " expected in " + found + "\n" + r);
    if (kind.equals("POOL_CHURN")) {
      assertTrue(r.stderr.stream().anyMatch(l -> l.contains("closed after use because the idle pool was full")), r::toString);
      assertTrue(r.stderr.stream().anyMatch(l -> l.contains("fix: raise -Dhttp.maxConnections")), r::toString);
    }
  }

  @ParameterizedTest(name = "{0} fixed on {1}")
  @MethodSource("fixed")
  void fixedVariantHasNoFinding(String scenario, String java) throws Exception {
    ChildJvm.Result r = scenario.equals("churn")
        // Alone: its -Dhttp.maxConnections=64 is read at the JDK's first use and would size the others' cache too.
        ? ChildJvm.simulated().java(java).mainClass(LEAKS).agent("detect=on,stacks=all").args(scenario, "fixed").run().assertHealthy()
        : grouped(scenario, "fixed", java, "detect=on,stacks=all");
    assertEquals(List.of(), CoreFindingsIT.findings(r), r.toString());
  }

  /**
   * {@code scenario}'s block of the one child (per variant, JDK and agent options) that runs the
   * scenarios ({@link ScenarioRuns}), checked as a run of its own was. The fixed churn runs alone.
   */
  private static ChildJvm.Result grouped(String scenario, String variant, String java, String agent) throws Exception {
    String all = Stream.of(SCENARIOS).map(s -> s[0]).filter(s -> variant.equals("leaky") || !s.equals("churn"))
        .collect(Collectors.joining(","));
    return ScenarioRuns.scenario(scenario, List.of(variant, java, agent), () -> ChildJvm.simulated().java(java)
        .mainClass(LEAKS).agent(agent).args(all, variant).run(ScenarioRuns.DEADLINE_SECONDS)).assertHealthy();
  }

  /** In JFR: the finding with its call site, and the exchanges and connections labelled client=urlconnection. */
  @ParameterizedTest(name = "on {0}")
  @MethodSource("io.httpdiag.agent.it.JdkFindingsIT#javas")
  void closedEarlyIsRecordedInJfrWithTheLibrarysLabel(String java) throws Exception {
    Path jfr = ChildJvm.workDir().resolve("urlconnection-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".jfr");
    ChildJvm.simulated().java(java).mainClass(LEAKS).agent("detect=on,log=off,stacks=all")
        .jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc())
        .args("bodyClosedEarly", "leaky").run().assertHealthy();
    RecordedEvent f = CoreFindingsIT.jfrFindingAt(jfr, "BODY_CLOSED_EARLY",
        "io.httpdiag.agent.testapp.UrlConnectionLeaks.bodyClosedEarly(UrlConnectionLeaks.java:");
    assertTrue(f.getString("title").contains("connection uc1 discarded"), f.toString());
    List<RecordedEvent> exchanges = RecordingFile.readAllEvents(jfr).stream()
        .filter(e -> e.getEventType().getName().equals("httpdiag.Exchange")).collect(Collectors.toList());
    assertEquals(1, exchanges.size(), exchanges.toString());
    assertEquals("urlconnection", exchanges.get(0).getString("client"));
    assertEquals(200, exchanges.get(0).getInt("status"));
    Files.deleteIfExists(jfr);
  }

  /** Closed after 1000 of 256 KiB, without timeouts: only MISSING_TIMEOUT, the JDK drained the rest. */
  @ParameterizedTest(name = "on {0}")
  @MethodSource("io.httpdiag.agent.it.JdkFindingsIT#javas")
  void smallRestClosedEarlyIsDrainedAndNoFinding(String java) throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().java(java).mainClass(LEAKS).agent("detect=on,log=full,stacks=all")
        .args("smallRestDrained", "leaky").run().assertHealthy();
    List<String> found = CoreFindingsIT.findings(r);
    assertTrue(found.stream().allMatch(f -> f.startsWith("MISSING_TIMEOUT ")), found + "\n" + r);
    // Drained in place or by the JDK's cleaner thread (asynchronously): the connection goes back to the cache.
    assertTrue(r.stderr.stream().anyMatch(l -> l.contains("bodyEnd bytes=1000 drained=true closedBy=close -> putIdleConn ok")),
        r::toString);
    assertTrue(r.stderr.stream().noneMatch(l -> l.contains("bodyClosedEarly")), r::toString);
  }
}
