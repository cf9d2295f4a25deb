package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each finding on core-transport: the leaky program produces it, with the program's own line as the
 * call site; the fixed program (which also sets every timeout) produces no finding at all.
 */
class CoreFindingsIT {
  private static final String CORE_LEAKS = "io.httpdiag.agent.testapp.CoreLeaks";

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
      "stuckHandler, STUCK_EXCHANGE, lambda$main$"})
  void leakyVariantIsFoundAtItsCallSite(String scenario, String kind, String method) throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().mainClass(CORE_LEAKS).agent("detect=on,stacks=all,detect.stuck.after=500ms")
        .args(scenario, "leaky").run().assertHealthy();
    List<String> found = findings(r);
    String site = "io.httpdiag.agent.testapp.CoreLeaks." + method;
    assertTrue(found.stream().anyMatch(f -> f.startsWith(kind + " " + site) && f.contains("(CoreLeaks.java:")),
        kind + " at " + site + " expected in " + found + "\n" + r);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"bodyNotClosed", "bodyClosedEarly", "transportPerRequest", "noTimeouts", "stuck", "churn", "threadLeak", "stuckHandler"})
  void fixedVariantHasNoFinding(String scenario) throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().mainClass(CORE_LEAKS).agent("detect=on,stacks=all,detect.stuck.after=500ms")
        .args(scenario, "fixed").run().assertHealthy();
    assertEquals(List.of(), findings(r), r.toString());
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
