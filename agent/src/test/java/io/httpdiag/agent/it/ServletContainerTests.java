package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * What every servlet container IT checks, on every installed JDK and each container version it runs
 * (child JVMs running {@code testapp.ServletApp} with the agent): a thread and a virtual thread left
 * running by a request, and a hanging servlet, are found at the servlet's own line; clean servlets
 * (plain, async, an error page, a 404) give no finding; responses are the same with and without the agent.
 * The leaky scenarios of a JDK and container version run in one child ({@link ScenarioRuns}).
 */
abstract class ServletContainerTests {
  static final String LEAKY = "detect=on,stacks=all,detect.stuck.after=500ms,detect.threads.after=500ms";

  /** One container build to run: its name in test names, its jars (the container and the servlet API). */
  record Variant(String name, String jars) {}

  /** {@code ServletApp}'s first argument. */
  abstract String container();

  abstract List<Variant> variants();

  @TestFactory
  List<DynamicTest> leakyServletsAreFoundAtTheirLines() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (String java : ServletChild.javas()) {
      boolean virtual = ServletChild.atLeast21(java);
      for (Variant v : variants()) {
        String name = java + " " + v.name();
        String group = virtual ? "leak,leakVirtual,stuck" : "leak,stuck";
        tests.add(DynamicTest.dynamicTest("leak " + name, () -> assertFound(java, v, group, "leak", "THREAD_LEAK",
            "Servlets$Leak.doGet")));
        if (virtual) {
          tests.add(DynamicTest.dynamicTest("leakVirtual " + name, () -> assertFound(java, v, group, "leakVirtual",
              "THREAD_LEAK", "Servlets$LeakVirtual.doGet")));
        }
        tests.add(DynamicTest.dynamicTest("stuck " + name, () -> assertFound(java, v, group, "stuck", "STUCK_EXCHANGE",
            "Servlets$Stuck.doGet")));
      }
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> cleanServletsGiveNoFindingAndTheSameResponses() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (String java : ServletChild.javas()) {
      for (Variant v : variants()) {
        String name = java + " " + v.name();
        tests.add(DynamicTest.dynamicTest("clean " + name, () -> {
          ChildJvm.Result r = ServletChild.healthy(child(java, v, "detect=on,stacks=all,detect.stuck.after=2s",
              "clean").run(90));
          assertEquals(List.of(), ServletChild.findings(r), r.toString());
        }));
        tests.add(DynamicTest.dynamicTest("semantics " + name, () -> {
          ChildJvm.Result with = ServletChild.healthy(child(java, v, "detect=on", "semantics").run(90));
          ChildJvm.Result without = child(java, v, null, "semantics").run(90);
          assertEquals(0, without.exitCode, without.toString());
          assertEquals(responses(without), responses(with));
          assertEquals(4, responses(with).size(), with.toString());
        }));
      }
    }
    return tests;
  }

  /**
   * The clean run recorded: one {@code httpdiag.ServerExchange} per request with its status, method,
   * redacted target and handler time; the async request's handler returned before its work ended.
   */
  @TestFactory
  List<DynamicTest> serverExchangesReadBackFromJfr() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    Variant v = variants().get(0);
    for (String java : ServletChild.javas()) {
      tests.add(DynamicTest.dynamicTest("jfr " + java + " " + v.name(), () -> {
        Path jfr = ChildJvm.workDir().resolve(container() + "-" + ProcessHandle.current().pid() + "-"
            + Integer.toHexString(java.hashCode()) + ".jfr");
        Files.deleteIfExists(jfr);
        ChildJvm c = child(java, v, "detect=on", "clean");
        c.jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc());
        ChildJvm.Result r = ServletChild.healthy(c.run(90));
        List<RecordedEvent> exchanges = RecordingFile.readAllEvents(jfr).stream()
            .filter(e -> e.getEventType().getName().equals("httpdiag.ServerExchange")).collect(Collectors.toList());
        List<String> seen = exchanges.stream().map(e -> e.getString("method") + " " + e.getString("target") + " "
            + e.getInt("status")).sorted().collect(Collectors.toList());
        assertEquals(List.of("GET /async 200", "GET /boom 500", "GET /hello?<redacted> 200", "GET /hello?<redacted> 200",
            "GET /missing 404"), seen, r.toString());
        RecordedEvent async = exchanges.stream().filter(e -> e.getString("target").equals("/async")).findFirst()
            .orElseThrow();
        // The servlet returns at once; the exchange ends when the finisher thread completes it (~50 ms later).
        assertTrue(async.getDuration().toNanos() - async.getLong("handlerDuration") >= 40_000_000L, async.toString());
        assertTrue(exchanges.stream().allMatch(e -> e.getLong("bytesOut") > 0 && e.getLong("handlerDuration") > 0),
            exchanges.toString());
      }));
    }
    return tests;
  }

  /**
   * {@code scenario}'s block of the one child (per JDK and container version) that runs the leaky
   * {@code group} ({@link ScenarioRuns}), each scenario in a container of its own.
   */
  private void assertFound(String java, Variant v, String group, String scenario, String kind, String method)
      throws Exception {
    ChildJvm.Result r = ServletChild.healthy(ScenarioRuns.scenario(scenario, List.of(container(), java, v.name()),
        () -> child(java, v, LEAKY, group).run(ScenarioRuns.DEADLINE_SECONDS)));
    String site = "io.httpdiag.agent.testapp." + method + "(" + ServletChild.SOURCE + ":"
        + ServletChild.siteLine(scenario) + ")";
    assertTrue(ServletChild.findings(r).contains(kind + " " + site), kind + " at " + site + " expected in "
        + ServletChild.findings(r) + "\n" + r);
  }

  /** A child JVM whose class path is the test classes, core-transport and the variant's jars only (one container version). */
  ChildJvm child(String java, Variant v, String agentOptions, String scenario) {
    String cp = String.join(File.pathSeparator, System.getProperty("httpdiag.test.testClasses"),
        ServletChild.testJar("core-transport"), v.jars());
    ChildJvm c = new ChildJvm().java(java).mainClassless("-cp", cp, ServletChild.APP, container(), scenario);
    return agentOptions == null ? c : c.agent(agentOptions);
  }

  static List<String> responses(ChildJvm.Result r) {
    return r.stdout.stream().filter(l -> l.startsWith("testapp: response ")).collect(Collectors.toList());
  }
}
