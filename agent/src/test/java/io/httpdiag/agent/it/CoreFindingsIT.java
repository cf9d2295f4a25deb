package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each finding on core-transport: the leaky program produces it, with the program's own line as the
 * call site; the fixed program (which also sets every timeout) produces no finding at all.
 */
class CoreFindingsIT {
  private static final String CORE_LEAKS = "io.httpdiag.agent.testapp.CoreLeaks";

  /**
   * Every scenario of the leaky and fixed cases, in one child per variant ({@link ScenarioRuns}).
   * clientThreadLeak first: core-transport's timer thread must start inside its exchange (and not be
   * reported), not in an earlier scenario.
   */
  private static final String GROUP = "clientThreadLeak,bodyNotClosed,bodyClosedEarly,transportPerRequest,noTimeouts,stuck,"
      + "churn,threadLeak,stuckHandler,bodyCollected";

  /** {@code scenario}'s block of the group run of {@code variant}, checked as a run of its own was. */
  private static ChildJvm.Result grouped(String scenario, String variant, String agent) throws Exception {
    return ScenarioRuns.scenario(scenario, List.of(variant, agent), () -> ChildJvm.simulated().mainClass(CORE_LEAKS)
        .agent(agent).args(GROUP, variant).run(ScenarioRuns.DEADLINE_SECONDS)).assertHealthy();
  }

  static List<String> findings(ChildJvm.Result r) {
    return r.stdout.stream().filter(l -> l.startsWith("testapp: finding ")).map(l -> l.substring(17))
        .collect(Collectors.toList());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "bodyNotClosed, BODY_NOT_CLOSED, bodyNotClosed",
      "bodyClosedEarly, BODY_CLOSED_EARLY, bodyClosedEarly",
      "transportPerRequest, CLIENT_PER_REQUEST, transportPerRequest",
      "noTimeouts, MISSING_TIMEOUT, noTimeouts",
      "stuck, STUCK_EXCHANGE, lambda$stuck$",
      "churn, POOL_CHURN, lambda$churn$",
      "threadLeak, THREAD_LEAK, startWorker",
      "stuckHandler, STUCK_EXCHANGE, lambda$run$",
      "bodyCollected, BODY_NOT_CLOSED, dropOrReadResponse",
      "clientThreadLeak, THREAD_LEAK, startProgressReporter"})
  void leakyVariantIsFoundAtItsCallSite(String scenario, String kind, String method) throws Exception {
    ChildJvm.Result r = grouped(scenario, "leaky", "detect=on,stacks=all,detect.stuck.after=500ms");
    List<String> found = findings(r);
    String site = "io.httpdiag.agent.testapp.CoreLeaks." + method;
    assertTrue(found.stream().anyMatch(f -> f.startsWith(kind + " " + site) && f.contains("(CoreLeaks.java:")),
        kind + " at " + site + " expected in " + found + "\n" + r);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"bodyNotClosed", "bodyClosedEarly", "transportPerRequest", "noTimeouts", "stuck", "churn", "threadLeak", "stuckHandler",
      "bodyCollected", "clientThreadLeak"})
  void fixedVariantHasNoFinding(String scenario) throws Exception {
    // 2 s, not the leaky runs' 500 ms: a correct handler writing 4 MiB once took 508 ms under load and
    // was rightly "stuck" by a threshold that low. Fixed exchanges have deadlines, so the watchdog
    // has nothing to say about them at any threshold.
    ChildJvm.Result r = grouped(scenario, "fixed", "detect=on,stacks=all,detect.stuck.after=2s");
    assertEquals(List.of(), findings(r), r.toString());
  }

  /**
   * The GC backstop: a response dropped unread is reported as soon as it is collected (the program
   * collects garbage and waits for the sweeper), with detect.body.after left at 30 s, in the log and
   * in JFR, at the line that sent it.
   */
  @Test
  void bodyCollectedUnclosedIsReportedLongBeforeItsAgeInTheLogAndJfr() throws Exception {
    Path jfr = ChildJvm.workDir().resolve("gc-backstop-" + ProcessHandle.current().pid() + ".jfr");
    Files.deleteIfExists(jfr);
    ChildJvm.Result r = ChildJvm.simulated().mainClass(CORE_LEAKS).agent("detect=on,stacks=all")
        .jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc())
        .args("bodyCollected", "leaky").run().assertHealthy();
    long latencyMs = Long.parseLong(r.testapp("gc backstop latency").replace(" ms", ""));
    assertTrue(latencyMs < 10_000, "reported " + latencyMs + " ms after the drop: by age, not by GC?\n" + r);
    String site = "io.httpdiag.agent.testapp.CoreLeaks.dropOrReadResponse(CoreLeaks.java:";
    assertLogged(r, "httpdiag LEAK response body collected unclosed ", "  sent at " + site);
    // Client and server connections draw ids from one counter and the server's accept races the
    // client's connect, so the client's connection is c1 or c2.
    assertTrue(r.stderr.stream().anyMatch(l -> l.matches(
        ".*\\(status 200, 1\\.0 MiB declared, connection c\\d+ never returned to the pool\\).*")), r::toString);
    RecordedEvent e = jfrFinding(jfr, "BODY_NOT_CLOSED", "collected unclosed");
    assertTrue(e.getString("callSite").startsWith(site), e::toString);
    assertTrue(e.getString("fix").contains("close the body"), e::toString);
  }

  /** A thread started during a client exchange that outlives it: in the log and JFR, at the line that started it. */
  @Test
  void threadStartedDuringAClientExchangeIsReportedInTheLogAndJfr() throws Exception {
    assertThreadLeakInLogAndJfr(ChildJvm.defaultJava(), CORE_LEAKS, "\"progress-reporter\"",
        "io.httpdiag.agent.testapp.CoreLeaks.startProgressReporter(CoreLeaks.java:");
  }

  static void assertThreadLeakInLogAndJfr(String java, String main, String thread, String site) throws Exception {
    Path jfr = ChildJvm.workDir().resolve("client-thread-leak-" + ProcessHandle.current().pid() + ".jfr");
    Files.deleteIfExists(jfr);
    ChildJvm.Result r = ChildJvm.simulated().java(java).mainClass(main).agent("detect=on,stacks=all")
        .jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc())
        .args("clientThreadLeak", "leaky").run().assertHealthy();
    String title = "httpdiag LEAK thread " + thread + " started during the client exchange GET http://127.0.0.1:";
    assertLogged(r, title, "  started at " + site);
    assertTrue(r.stderr.stream().anyMatch(l -> l.startsWith(title) && l.matches(".*/big is still alive \\d+(ms|\\.\\ds) after the exchange ended \\((TIMED_)?WAITING\\)")),
        r::toString);
    RecordedEvent e = jfrFinding(jfr, "THREAD_LEAK", "started during the client exchange");
    assertTrue(e.getString("callSite").startsWith(site), e::toString);
    assertTrue(e.getString("title").contains(thread), e::toString);
  }

  /** detect.pinned=on (JDK 21+): blocking HTTP I/O in a static initializer on a virtual thread pins it. */
  @Test
  void virtualThreadPinnedDuringHttpIoIsReportedInTheLogAndJfr() throws Exception {
    assertPinnedInLogAndJfr(ChildJvm.defaultJava(), CORE_LEAKS, "io.httpdiag.agent.testapp.CoreLeaks.fetchSlow(CoreLeaks.java:");
  }

  @Test
  void virtualThreadDoingHttpIoOutsideAnInitializerIsNotReported() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().mainClass(CORE_LEAKS).agent("detect=on,detect.pinned=on,stacks=all")
        .args("pinnedIo", "fixed").run().assertHealthy();
    assertEquals(List.of(), findings(r), r.toString());
  }

  /** On JDK 21+ the pinning is in the log and in JFR at the program's line; on 17 nothing, quietly. */
  static void assertPinnedInLogAndJfr(String java, String main, String site) throws Exception {
    Path jfr = ChildJvm.workDir().resolve("pinned-" + ProcessHandle.current().pid() + ".jfr");
    Files.deleteIfExists(jfr);
    ChildJvm.Result r = ChildJvm.simulated().java(java).mainClass(main).agent("detect=on,detect.pinned=on,stacks=all")
        .jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc())
        .args("pinnedIo", "leaky").run().assertHealthy();
    if (Runtime.Version.parse(r.testapp("java.version=")).feature() < 21) {
      assertTrue(findings(r).stream().noneMatch(f -> f.startsWith("VIRTUAL_THREAD_PINNED")), r::toString);
      assertTrue(r.stderr.stream().noneMatch(l -> l.startsWith("httpdiag:")), "quiet on 17: " + r);
      return;
    }
    long latencyMs = Long.parseLong(r.testapp("pinned latency").replace(" ms", ""));
    assertTrue(latencyMs < 10_000, latencyMs + " ms\n" + r);
    assertLogged(r, "httpdiag PINNED virtual thread pinned to its carrier for ", "  pinned at " + site);
    assertTrue(r.stderr.stream().anyMatch(l -> l.matches("  pinned because: VM call to .*\\$RemoteConfig.<clinit> on stack")),
        r::toString);
    RecordedEvent e = jfrFindingAt(jfr, "VIRTUAL_THREAD_PINNED", site);
    assertTrue(e.getString("title").contains("while blocked in HTTP I/O"), e::toString);
    assertTrue(e.getString("callStack").contains("$RemoteConfig.<clinit>"), e::toString);
  }

  /** Fails unless the log has a line starting with {@code title} directly followed by {@code next}. */
  static void assertLogged(ChildJvm.Result r, String title, String next) {
    for (int i = 0; i + 1 < r.stderr.size(); i++) {
      if (r.stderr.get(i).startsWith(title) && r.stderr.get(i + 1).startsWith(next)) return;
    }
    throw new AssertionError("no log line '" + title + "...' followed by '" + next + "...' in\n" + r);
  }

  /** The first httpdiag.Finding event of {@code kind} whose call site starts with {@code site}. */
  static RecordedEvent jfrFindingAt(Path jfr, String kind, String site) throws Exception {
    List<RecordedEvent> events = RecordingFile.readAllEvents(jfr).stream()
        .filter(e -> e.getEventType().getName().equals("httpdiag.Finding")).collect(Collectors.toList());
    return events.stream().filter(e -> kind.equals(e.getString("kind")) && e.getString("callSite").startsWith(site))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " at " + site + " in " + events));
  }

  /** The first httpdiag.Finding event of {@code kind} whose title contains {@code titleContains}. */
  static RecordedEvent jfrFinding(Path jfr, String kind, String titleContains) throws Exception {
    List<RecordedEvent> events = RecordingFile.readAllEvents(jfr).stream()
        .filter(e -> e.getEventType().getName().equals("httpdiag.Finding")).collect(Collectors.toList());
    return events.stream().filter(e -> kind.equals(e.getString("kind")) && e.getString("title").contains(titleContains))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " '" + titleContains + "' in " + events));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"bodyNotClosed, BODY_NOT_CLOSED"})
  void findingIsRecordedInJfrWithItsCallSite(String scenario, String kind) throws Exception {
    Path jfr = ChildJvm.workDir().resolve("findings-" + ProcessHandle.current().pid() + ".jfr");
    Files.deleteIfExists(jfr);
    ChildJvm.simulated().mainClass(CORE_LEAKS).agent("detect=on,log=off,stacks=all")
        .jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc())
        .args(scenario, "leaky").run().assertHealthy();
    List<RecordedEvent> events = RecordingFile.readAllEvents(jfr).stream()
        .filter(e -> e.getEventType().getName().equals("httpdiag.Finding")).collect(Collectors.toList());
    RecordedEvent leak = events.stream().filter(e -> kind.equals(e.getString("kind"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " in " + events));
    assertTrue(leak.getString("callSite").startsWith("io.httpdiag.agent.testapp.CoreLeaks." + scenario + "("),
        leak::toString);
    assertTrue(leak.getString("title").contains("response body not closed"), leak::toString);
    assertTrue(leak.getString("fix").contains("close the body"), leak::toString);
  }
}
