package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The leak-check extension, tested from outside: sample test classes (io.httpdiag.junit.samples)
 * run through EngineTestKit in child JVMs, with the agent given by {@code -javaagent} and without it
 * (the extension self-attaches), on JDK 17 and 25. The agent jar is on the child's class path in
 * both modes (that is where the extension comes from); the unshaded ByteBuddy is not.
 */
class LeakCheckIT {
  static final String JDK17 = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java";
  static final String JDK25 = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
  static final String RUNNER = "io.httpdiag.agent.testapp.LeakCheckRunner";
  static final String SAMPLES_DIR = System.getProperty("httpdiag.test.sources", "src/test/java") + "/io/httpdiag/junit/samples/";

  @TestFactory
  List<DynamicTest> leakyTestsFailWithTheirDiagnosisAndCleanOnesPass() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String java : List.of(JDK17, JDK25)) {
      for (boolean javaagent : List.of(true, false)) {
        String name = (java.contains("17") ? "JDK 17" : "JDK 25") + (javaagent ? ", -javaagent" : ", self-attach");
        tests.add(DynamicTest.dynamicTest(name, () -> checkSamples(java, javaagent)));
      }
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> refusedAttachFailsWithOneLineSayingHowToPassTheAgent() {
    return List.of(
        DynamicTest.dynamicTest("JDK 25, -XX:-EnableDynamicAgentLoading",
            () -> checkRefusal(JDK25, "-XX:-EnableDynamicAgentLoading", "it was started with -XX:-EnableDynamicAgentLoading")),
        DynamicTest.dynamicTest("JDK 17, -XX:+DisableAttachMechanism",
            () -> checkRefusal(JDK17, "-XX:+DisableAttachMechanism", "it was started with -XX:+DisableAttachMechanism")));
  }

  private static void checkSamples(String java, boolean javaagent) throws Exception {
    ChildJvm child = child(java).args("LeakSamples", "CleanSamples", "BaselineSamples", "ApiSamples",
        "ParallelSamples;junit.jupiter.execution.parallel.enabled=true");
    Path jfrDir = ChildJvm.workDir().resolve("jfr-" + System.nanoTime());
    child.jvmArg("-Dhttpdiag-junit.jfrDir=" + jfrDir);
    if (javaagent) child.agent("");
    ChildJvm.Result r = child.run(java25(java) ? 180 : 180);
    Map<String, String[]> results = results(r);
    boolean jdk17 = !java25(java);

    String body = expectFailure(results, "LeakSamples.bodyNotClosed()", r);
    assertTrue(body.startsWith("java.lang.AssertionError: httpdiag: 1 leak in LeakSamples.bodyNotClosed() (still there after waiting"), body);
    assertContains(body, "1. [BODIES] response body not closed: GET http://127.0.0.1:");
    assertContains(body, "/big (status 200, 1.0 MiB declared, not read to the end; exchange #");
    assertTrue(body.matches("(?s).*exchange #\\d+, connection c\\d+ held\\).*"), body);
    assertContains(body, "sent at io.httpdiag.junit.samples.LeakSamples.bodyNotClosed(" + line("LeakSamples", "body") + ")");
    assertContains(body, "fix: close the body (try-with-resources on the response) or read it to the end");

    String inFlight = expectFailure(results, "LeakSamples.exchangeStillInFlight()", r);
    assertContains(inFlight, "httpdiag: 2 leaks");
    assertContains(inFlight, "[CONNECTIONS] exchange still in flight, no response yet after ");
    assertContains(inFlight, "sent at io.httpdiag.junit.samples.LeakSamples.lambda$exchangeStillInFlight$");
    assertContains(inFlight, "(" + line("LeakSamples", "in flight") + ")");
    assertContains(inFlight, "waiting thread \"stalled-caller\":");
    assertContains(inFlight, "[THREADS] thread still alive, started during the test: \"stalled-caller\"");

    String thread = expectFailure(results, "LeakSamples.threadLeftRunning()", r);
    assertContains(thread, "httpdiag: 1 leak in LeakSamples.threadLeftRunning()");
    assertContains(thread, "1. [THREADS] thread still alive, started during the test: \"left-behind\" (platform, WAITING)");
    assertContains(thread, "runs io.httpdiag.junit.samples.LeakSamples.lambda$threadLeftRunning$");
    assertContains(thread, "(" + line("LeakSamples", "thread") + ")");
    assertContains(thread, "fix: stop it before the test ends: interrupt and join it, or shutdown() its executor");

    String[] vt = results.get("LeakSamples.virtualThreadLeftRunning()");
    if (jdk17) {
      assertEquals("ABORTED", vt[0], "no virtual threads on 17: " + r);
    } else {
      String v = expectFailure(results, "LeakSamples.virtualThreadLeftRunning()", r);
      assertContains(v, "[THREADS] thread still alive, started during the test: virtual thread #");
      assertContains(v, "(virtual, WAITING)");
      assertContains(v, "(" + line("LeakSamples", "virtual thread") + ")");
    }

    String server = expectFailure(results, "LeakSamples.serverNotClosed()", r);
    assertContains(server, "httpdiag: 1 leak in LeakSamples.serverNotClosed()");
    assertContains(server, "[CLIENTS] a core-transport Server started during the test is still accepting: its thread \"httpdiag-accept-");
    assertContains(server, jdk17 ? "(platform, RUNNABLE, daemon)" : "(virtual, ");
    assertContains(server, "fix: close it (server.close()");

    String jdkClient = expectFailure(results, "LeakSamples.jdkClientNotClosed()", r);
    assertContains(jdkClient, "httpdiag: 1 leak in LeakSamples.jdkClientNotClosed()");
    assertContains(jdkClient, "[CLIENTS] a JDK HttpClient built during the test is still running: its thread \"HttpClient-");
    assertContains(jdkClient, "-SelectorManager\"");
    assertContains(jdkClient, "fix: close it (HttpClient.close()");
    assertContains(jdkClient, "built at io.httpdiag.junit.samples.LeakSamples.jdkClientNotClosed(" + line("LeakSamples", "jdk client") + ")");

    // One id scheme: the leak names the JDK exchange and connection as the agent's log does (#j7, jc3),
    // and every leak carries the line where it began.
    String jdkBody = expectFailure(results, "LeakSamples.jdkBodyNotClosed()", r);
    assertContains(jdkBody, "httpdiag: 2 leaks in LeakSamples.jdkBodyNotClosed()");
    assertContains(jdkBody, "[BODIES] response body not closed: GET http://127.0.0.1:");
    assertContains(jdkBody, "sent at io.httpdiag.junit.samples.LeakSamples.jdkBodyNotClosed(" + line("LeakSamples", "jdk body") + ")");
    assertContains(jdkBody, "built at io.httpdiag.junit.samples.LeakSamples.jdkBodyNotClosed(" + line("LeakSamples", "jdk body client") + ")");
    Matcher ids = Pattern.compile("exchange #(j\\d+), connection (jc\\d+) held").matcher(jdkBody);
    assertTrue(ids.find(), "JDK ids as the log prints them: " + jdkBody);
    String held = "connection " + ids.group(2) + " held";
    assertTrue(r.log().stream().anyMatch(l -> l.startsWith("httpdiag LEAK response body not closed") && l.contains(held)),
        "the agent's log names the same connection (" + held + "): " + r.log());

    String urlConnection = expectFailure(results, "LeakSamples.urlConnectionBodyNotClosed()", r);
    assertContains(urlConnection, "httpdiag: 1 leak in LeakSamples.urlConnectionBodyNotClosed()");
    assertContains(urlConnection, "[BODIES] response body not closed: GET http://127.0.0.1:");
    assertContains(urlConnection, "sent at io.httpdiag.junit.samples.LeakSamples.urlConnectionBodyNotClosed("
        + line("LeakSamples", "urlconnection body") + ")");

    String two = expectFailure(results, "LeakSamples.twoLeaksInOneReport()", r);
    assertContains(two, "httpdiag: 2 leaks in LeakSamples.twoLeaksInOneReport()");
    assertContains(two, "sent at io.httpdiag.junit.samples.LeakSamples.twoLeaksInOneReport(" + line("LeakSamples", "two 1") + ")");
    assertContains(two, "(" + line("LeakSamples", "two 2") + ")");

    String partial = expectFailure(results, "LeakSamples.readingPartOfTheBodyStillLeaks()", r);
    assertContains(partial, "sent at io.httpdiag.junit.samples.LeakSamples.readingPartOfTheBodyStillLeaks("
        + line("LeakSamples", "partial") + ")");

    String jfr = expectFailure(results, "LeakSamples.leakWithJfrEvidence()", r);
    Path dump = jfrDir.resolve("LeakSamples.leakWithJfrEvidence_.jfr");
    assertContains(jfr, "JFR evidence: " + dump + " (jfr print --events 'httpdiag.*' " + dump + ")");
    String jfrLine = "(" + line("LeakSamples", "jfr") + ")";
    List<RecordedEvent> findings = RecordingFile.readAllEvents(dump).stream()
        .filter(e -> e.getEventType().getName().equals("httpdiag.Finding")).collect(Collectors.toList());
    assertTrue(findings.stream().anyMatch(e -> "BODY_NOT_CLOSED".equals(e.getString("kind"))
        && e.getString("callSite").endsWith(jfrLine)), findings.toString());

    // Clean tests, the 100 asynchronous teardowns and the ignore options all pass.
    List<String> clean = results.keySet().stream().filter(k -> k.startsWith("CleanSamples.")).collect(Collectors.toList());
    assertEquals(106, clean.size(), "CleanSamples results: " + clean + "\n" + r);
    for (String k : clean) assertEquals("SUCCESSFUL", results.get(k)[0], k + ": " + results.get(k)[1]);

    assertEquals("SUCCESSFUL", results.get("BaselineSamples.baselineIgnoresWhatWasOpenBefore()")[0], r.toString());
    String noBaseline = expectFailure(results, "BaselineSamples.withoutBaselineEverythingOpenCounts()", r);
    assertContains(noBaseline, "sent at io.httpdiag.junit.samples.BaselineSamples.openABody(" + line("BaselineSamples", "before") + ")");

    assertEquals("SUCCESSFUL", results.get("ApiSamples.snapshotThenVerifyReportsALeak()")[0], results.get("ApiSamples.snapshotThenVerifyReportsALeak()")[1]);
    assertEquals("SUCCESSFUL", results.get("ApiSamples.assertNoneReportsAnyOpenBody()")[0], results.get("ApiSamples.assertNoneReportsAnyOpenBody()")[1]);

    String parallel = expectFailure(results, "ParallelSamples.one()", r);
    assertEquals("org.junit.jupiter.api.extension.ExtensionConfigurationException: httpdiag: @HttpLeakCheck cannot attribute"
        + " leaks to ParallelSamples.one() while tests run concurrently (junit.jupiter.execution.parallel.enabled=true);"
        + " annotate ParallelSamples with @Isolated and @Execution(ExecutionMode.SAME_THREAD), or run it without parallel execution",
        parallel);

    assertFalse(r.stderr.stream().anyMatch(l -> l.contains("agent failed") || l.contains("agent disabled")), r.toString());
    System.out.println("LeakCheckIT " + (javaagent ? "-javaagent" : "self-attach") + " on " + r.testapp("java.version=")
        + ": " + results.size() + " sample results as expected; bodyNotClosed reported:\n" + body.replace("\\n", "\n"));
  }

  private static void checkRefusal(String java, String flag, String why) throws Exception {
    ChildJvm.Result r = child(java).jvmArg(flag).args("CleanSamples#bodyReadAndClosed").run(120);
    String m = expectFailure(results(r), "CleanSamples.bodyReadAndClosed()", r);
    assertEquals("org.junit.jupiter.api.extension.ExtensionConfigurationException: httpdiag: cannot attach the agent to this JVM ("
        + why + "); pass it to the test JVM instead: -javaagent:" + ChildJvm.agentJar()
        + " (Maven: <argLine>-javaagent:" + ChildJvm.agentJar() + "</argLine> in the surefire/failsafe configuration)", m);
  }

  static boolean java25(String java) {
    return java.contains("25");
  }

  /** A child on {@code java} whose class path is the test class path with the packaged agent jar, minus ByteBuddy. */
  static ChildJvm child(String java) {
    ChildJvm c = new ChildJvm().java(java).mainClass(RUNNER);
    c.appendClassPath(ChildJvm.agentJar().toString());
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (e.contains("core-transport") || e.contains("byte-buddy") || e.endsWith("classes") || e.endsWith("httpdiag-agent.jar")) continue;
      c.appendClassPath(e);
    }
    return c;
  }

  /** Test name → {status, message}. */
  static Map<String, String[]> results(ChildJvm.Result r) {
    assertTrue(r.stdout.contains("testapp: done"), "runner did not finish: " + r);
    Map<String, String[]> out = new LinkedHashMap<>();
    for (String l : r.stdout) {
      if (!l.startsWith("testapp: result ")) continue;
      String rest = l.substring("testapp: result ".length());
      int paren = rest.indexOf("() [");
      String method = rest.substring(0, paren + 2);
      int close = rest.indexOf("] ", paren);
      String display = rest.substring(paren + 4, close);
      String[] statusMessage = rest.substring(close + 2).split(" ", 2);
      String key = display.startsWith("repetition") ? method + " [" + display + "]" : method;
      out.put(key, new String[] {statusMessage[0], statusMessage.length > 1 ? statusMessage[1] : ""});
    }
    return out;
  }

  static String expectFailure(Map<String, String[]> results, String test, ChildJvm.Result r) {
    String[] s = results.get(test);
    assertTrue(s != null, "no result for " + test + ": " + r);
    assertEquals("FAILED", s[0], test + " should fail: " + s[1]);
    return s[1];
  }

  static void assertContains(String message, String expected) {
    assertTrue(message.contains(expected), "expected «" + expected + "» in:\n" + message.replace("\\n", "\n"));
  }

  /** {@code LeakSamples.java:42}: the line marked {@code // LEAK: tag} in a sample's source. */
  static String line(String sample, String tag) throws IOException {
    Path src = Paths.get(SAMPLES_DIR + sample + ".java");
    List<String> lines = Files.readAllLines(src);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).endsWith("// LEAK: " + tag)) return sample + ".java:" + (i + 1);
    }
    throw new AssertionError("no // LEAK: " + tag + " in " + src);
  }
}
