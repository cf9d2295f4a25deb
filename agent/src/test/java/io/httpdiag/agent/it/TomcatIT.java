package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Embedded Tomcat (the oldest supported, 10.1, and the newest, 11) on every installed JDK, in child
 * JVMs with the agent: a thread and a virtual thread left running by a request and a hanging servlet
 * are found at the servlet's own line; clean servlets (plain, async, an error page, a 404) give no
 * finding; responses are the same with and without the agent.
 */
class TomcatIT {
  static final String LEAKY = "detect=on,stacks=all,detect.stuck.after=500ms,detect.threads.after=500ms";

  @TestFactory
  List<DynamicTest> leakyServletsAreFoundAtTheirLines() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (String java : ServletChild.javas()) {
      boolean virtual = ServletChild.atLeast21(java);
      for (boolean newest : new boolean[] {false, true}) {
        String name = java + (newest ? " newest Tomcat" : " oldest Tomcat");
        tests.add(DynamicTest.dynamicTest("leak " + name, () -> assertFound(java, newest, "leak", "THREAD_LEAK",
            "Servlets$Leak.doGet")));
        if (virtual) {
          tests.add(DynamicTest.dynamicTest("leakVirtual " + name, () -> assertFound(java, newest, "leakVirtual",
              "THREAD_LEAK", "Servlets$LeakVirtual.doGet")));
        }
        tests.add(DynamicTest.dynamicTest("stuck " + name, () -> assertFound(java, newest, "stuck", "STUCK_EXCHANGE",
            "Servlets$Stuck.doGet")));
      }
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> cleanServletsGiveNoFindingAndTheSameResponses() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (String java : ServletChild.javas()) {
      for (boolean newest : new boolean[] {false, true}) {
        String name = java + (newest ? " newest Tomcat" : " oldest Tomcat");
        tests.add(DynamicTest.dynamicTest("clean " + name, () -> {
          ChildJvm.Result r = ServletChild.healthy(child(java, newest, "detect=on,stacks=all,detect.stuck.after=2s",
              "clean").run(90));
          assertEquals(List.of(), ServletChild.findings(r), r.toString());
        }));
        tests.add(DynamicTest.dynamicTest("semantics " + name, () -> {
          ChildJvm.Result with = ServletChild.healthy(child(java, newest, "detect=on", "semantics").run(90));
          ChildJvm.Result without = child(java, newest, null, "semantics").run(90);
          assertEquals(0, without.exitCode, without.toString());
          assertEquals(responses(without), responses(with));
          assertEquals(4, responses(with).size(), with.toString());
        }));
      }
    }
    return tests;
  }

  private static void assertFound(String java, boolean newest, String scenario, String kind, String method)
      throws Exception {
    ChildJvm.Result r = ServletChild.healthy(child(java, newest, LEAKY, scenario).run(90));
    String site = "io.httpdiag.agent.testapp." + method + "(" + ServletChild.SOURCE + ":"
        + ServletChild.siteLine(scenario) + ")";
    assertTrue(ServletChild.findings(r).contains(kind + " " + site), kind + " at " + site + " expected in "
        + ServletChild.findings(r) + "\n" + r);
  }

  static ChildJvm child(String java, boolean newest, String agentOptions, String scenario) {
    ChildJvm c = new ChildJvm().java(java).mainClass(ServletChild.APP)
        .appendClassPath(ServletChild.tomcatJars(newest)).args("tomcat", scenario);
    return agentOptions == null ? c : c.agent(agentOptions);
  }

  private static List<String> responses(ChildJvm.Result r) {
    return r.stdout.stream().filter(l -> l.startsWith("testapp: response ")).collect(java.util.stream.Collectors.toList());
  }
}
