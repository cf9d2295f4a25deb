package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The verdict on a JDK HttpClient a test never closes is the same every time, whenever the garbage
 * collector runs (issue 20, item 2): JdkClientSamples runs in {@value #DEFAULT_JVMS} child JVMs
 * (property {@code httpdiag.test.jdkClientJvms}) twice each (the first run attaches the agent, the
 * second finds it), on JDK 17 and 25, with {@code -javaagent} and self-attached, and every verdict
 * is checked. Before the fix, the leak with a GC before the check passed every time.
 */
class JdkClientLeakIT {
  static final int DEFAULT_JVMS = 3;
  static final String SAMPLES = "JdkClientSamples";

  @TestFactory
  List<DynamicTest> aDroppedClientFailsEveryTimeAndAClosedOnePasses() {
    int jvms = Integer.getInteger("httpdiag.test.jdkClientJvms", DEFAULT_JVMS);
    List<DynamicTest> tests = new ArrayList<>();
    for (String java : List.of(LeakCheckIT.JDK17, LeakCheckIT.JDK25)) {
      for (boolean javaagent : List.of(true, false)) {
        String name = (LeakCheckIT.java25(java) ? "JDK 25" : "JDK 17") + (javaagent ? ", -javaagent" : ", self-attach");
        tests.add(DynamicTest.dynamicTest(name, () -> {
          for (int i = 0; i < jvms; i++) check(java, javaagent);
        }));
      }
    }
    return tests;
  }

  private static void check(String java, boolean javaagent) throws Exception {
    ChildJvm child = LeakCheckIT.child(java).args(SAMPLES, SAMPLES);
    if (javaagent) child.agent("");
    ChildJvm.Result r = child.run(120);
    Map<String, List<String[]>> verdicts = verdicts(r);
    boolean jdk25 = LeakCheckIT.java25(java);
    for (String leak : List.of("clientBuiltAndDropped()", "clientBuiltAndDroppedThenCollected()")) {
      List<String[]> runs = verdicts.getOrDefault(leak, List.of());
      assertEquals(2, runs.size(), leak + " ran twice: " + r);
      for (String[] v : runs) {
        assertEquals("FAILED", v[0], SAMPLES + "." + leak + " must report the client it never closed: " + v[1] + "\n" + r);
        LeakCheckIT.assertContains(v[1], "httpdiag: 1 leak in " + SAMPLES + "." + leak);
        LeakCheckIT.assertContains(v[1], "[CLIENTS] a JDK HttpClient built during the test is still running: its thread \"HttpClient-");
      }
    }
    for (String[] v : verdicts.get("sharedClientBuiltBeforeTheTestIsNotALeak()")) assertEquals("SUCCESSFUL", v[0], v[1]);
    for (String[] v : verdicts.get("clientClosedIsNotALeak()")) assertEquals(jdk25 ? "SUCCESSFUL" : "ABORTED", v[0], v[1]);
  }

  /** Test method → every {status, message} it finished with, in order. */
  static Map<String, List<String[]>> verdicts(ChildJvm.Result r) {
    assertTrue(r.stdout.contains("testapp: done"), "runner did not finish: " + r);
    Map<String, List<String[]>> out = new LinkedHashMap<>();
    String prefix = "testapp: result " + SAMPLES + ".";
    for (String l : r.stdout) {
      if (!l.startsWith(prefix)) continue;
      String rest = l.substring(prefix.length());
      int paren = rest.indexOf("() [");
      String method = rest.substring(0, paren + 2);
      String[] statusMessage = rest.substring(rest.indexOf("] ", paren) + 2).split(" ", 2);
      out.computeIfAbsent(method, k -> new ArrayList<>())
          .add(new String[] {statusMessage[0], statusMessage.length > 1 ? statusMessage[1] : ""});
    }
    return out;
  }
}
