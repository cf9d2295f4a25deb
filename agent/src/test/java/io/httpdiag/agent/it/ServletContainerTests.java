package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * What every servlet container IT checks, on every installed JDK and each container version it runs
 * (child JVMs running {@code testapp.ServletApp} with the agent): a thread and a virtual thread left
 * running by a request, and a hanging servlet, are found at the servlet's own line; clean servlets
 * (plain, async, an error page, a 404) give no finding; responses are the same with and without the agent.
 */
abstract class ServletContainerTests {
  static final String LEAKY = "detect=on,stacks=all,detect.stuck.after=500ms,detect.threads.after=500ms";

  /** One container build to run: its name in test names, its jars (beyond the child's class path). */
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
        tests.add(DynamicTest.dynamicTest("leak " + name, () -> assertFound(java, v, "leak", "THREAD_LEAK",
            "Servlets$Leak.doGet")));
        if (virtual) {
          tests.add(DynamicTest.dynamicTest("leakVirtual " + name, () -> assertFound(java, v, "leakVirtual",
              "THREAD_LEAK", "Servlets$LeakVirtual.doGet")));
        }
        tests.add(DynamicTest.dynamicTest("stuck " + name, () -> assertFound(java, v, "stuck", "STUCK_EXCHANGE",
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

  private void assertFound(String java, Variant v, String scenario, String kind, String method) throws Exception {
    ChildJvm.Result r = ServletChild.healthy(child(java, v, LEAKY, scenario).run(90));
    String site = "io.httpdiag.agent.testapp." + method + "(" + ServletChild.SOURCE + ":"
        + ServletChild.siteLine(scenario) + ")";
    assertTrue(ServletChild.findings(r).contains(kind + " " + site), kind + " at " + site + " expected in "
        + ServletChild.findings(r) + "\n" + r);
  }

  ChildJvm child(String java, Variant v, String agentOptions, String scenario) {
    ChildJvm c = new ChildJvm().java(java).mainClass(ServletChild.APP).args(container(), scenario);
    if (!v.jars().isEmpty()) c.appendClassPath(v.jars());
    return agentOptions == null ? c : c.agent(agentOptions);
  }

  static List<String> responses(ChildJvm.Result r) {
    return r.stdout.stream().filter(l -> l.startsWith("testapp: response ")).collect(Collectors.toList());
  }
}
