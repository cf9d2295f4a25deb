package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The agent never changes what the application sees, and stays out of its way, seen from child JVMs
 * running {@code testapp.CoreSemantics} (core-transport's client and server, and the JDK HttpClient,
 * with their responses, exceptions, timeouts and cancellation printed as outcomes):
 * <ol>
 *   <li>a failure inside the agent (injected by {@code testapp.FaultInjected} through the test-only
 *       seams {@code runtime.FaultSeams} and {@code instrument.jdk.JdkFaultSeams}, put on the child's
 *       boot path) does not reach the application, whose outcomes stay identical; it is counted and
 *       reported in one line;
 *   <li>a JDK whose internals lack a hook (the same seams hide the hook's class) loses that
 *       hook's events only, with exactly one warning line;
 *   <li>the agent's own threads are daemons named {@code httpdiag-...};
 *   <li>with every option off, the transformed classes behave exactly as the original ones;
 *   <li>premain initializes no {@code java.util.logging}.
 * </ol>
 * Already covered elsewhere: the JDK HttpClient's cancel, timeout, failing body handler and redirect
 * with the agent fully on against no agent, on every JDK ({@code JdkHttpClientIT}); a bad option
 * leaves the application running with one line ({@code OptionsIT}); the missing-hook naming rules
 * ({@code JdkHttpClientInstrumentationTest}).
 */
class FaultSafetyIT {
  static final String APP = "io.httpdiag.agent.testapp.CoreSemantics";
  static final String FAULT_APP = "io.httpdiag.agent.testapp.FaultInjected";
  static final String[] SCENARIOS = {"core.get", "core.large", "core.postChunked", "core.notFound", "core.handlerError",
      "core.clientTimeout", "core.responseHeaderTimeout", "core.cancel", "core.refused", "core.closedEarly",
      "core.slowClientCut", "jdk.sync", "jdk.redirect", "jdk.stream", "jdk.streamClosedEarly", "jdk.handlerError",
      "jdk.cancel", "jdk.timeout", "threads"};
  static final String ALL_OFF = "log=off,jfr=off,detect=off,stacks=off";
  static final String ALL_ON = "log=full,jfr=on,detect=on,detect.body.after=500ms,stacks=all";
  static final String INTERNAL_ERROR = "httpdiag: warning: internal error, ignored";
  private static final Map<String, ChildJvm.Result> withoutAgent = new ConcurrentHashMap<>();
  private static ChildJvm.Result allOn;

  // ------------------------------------------------------------------ (i) failures inside the agent

  @TestFactory
  List<DynamicTest> aFailureInsideTheAgentNeverReachesTheApplicationAndIsReportedOnce() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String site : List.of("sink", "events", "table", "sweeper")) {
      tests.add(DynamicTest.dynamicTest(site, () -> {
        ChildJvm.Result r = faultInjected(ChildJvm.defaultJava(), site).agent(ALL_ON).run();
        assertEquals(0, r.exitCode, r::toString);
        assertEquals(outcomes(baseline(ChildJvm.defaultJava())), outcomes(r), "the application saw the agent fail");
        long failures = counter(r, "failures");
        assertTrue(failures > 0, "the injected failure was not counted: " + r.testapp("counters"));
        List<String> reported = r.stderr.stream().filter(l -> l.startsWith("httpdiag: warning")).collect(Collectors.toList());
        assertEquals(1, reported.size(), "reported once: " + reported);
        assertTrue(reported.get(0).startsWith(INTERNAL_ERROR + " (the application is not affected; further ones are only"
            + " counted): java.lang.IllegalStateException: httpdiag.test.failIn=" + site + " (injected) at "), reported::toString);
        assertEquals("0", field(r, "transformationErrors"), r::toString);
        System.out.println("failIn=" + site + ": outcomes identical, " + failures + " failures counted, reported as: "
            + reported.get(0));
      }));
    }
    return tests;
  }

  // ------------------------------------------------------------------ (ii) a JDK without a hook

  @Test
  void aJdkWithoutOneHookLosesOnlyThatHooksEventsWithOneWarningLine() throws Exception {
    // The request-timer hook: nothing else reports "timeout kind=request" (the first-byte hook, say, has a fallback).
    ChildJvm.Result r = faultInjected(ChildJvm.defaultJava(), "jdkWithout:ResponseTimerEvent").agent("log=full").run();
    assertEquals(0, r.exitCode, r::toString);
    assertEquals(outcomes(baseline(ChildJvm.defaultJava())), outcomes(r));
    List<String> warnings = r.stderr.stream().filter(l -> l.startsWith("httpdiag: warning")).collect(Collectors.toList());
    assertEquals(List.of("httpdiag: warning: JDK HttpClient hooks not found on Java " + r.testapp("java.version=")
        + ", their events are not reported: ResponseTimerEvent.handle/0"), warnings);
    List<String> jdk = JdkHttpClientIT.jdkLog(r);
    String all = String.join("\n", jdk);
    assertFalse(jdk.stream().anyMatch(l -> l.contains(" timeout kind=request")), "the missing hook reported nothing:\n" + all);
    assertTrue(jdk.stream().anyMatch(l -> l.endsWith(" exchangeFailed error=java.net.http.HttpTimeoutException: request timed out")),
        "the other hooks still see the timed-out exchange fail:\n" + all);
    assertTrue(jdk.stream().anyMatch(l -> l.startsWith("httpdiag #j1 GET http://127.0.0.1:P/hello status=200 ")),
        "and the others end normally:\n" + all);
    String counters = r.testapp("counters");
    assertTrue(counters.contains(" failures=0 ") && counters.contains(" transformationErrors=0 ")
        && counters.endsWith(" jdkHooksMissing=1"), counters);
    // Without the simulation the same run reports the timeout (so the assertion above can fail).
    ChildJvm.Result full = allOn();
    assertTrue(JdkHttpClientIT.jdkLog(full).stream().anyMatch(l -> l.contains(" timeout kind=request")), full::toString);
  }

  // ------------------------------------------------------------------ (iii) the agent's threads

  @Test
  void theAgentsOwnThreadsAreDaemonsNamedHttpdiag() throws Exception {
    ChildJvm.Result r = allOn();
    Map<String, Boolean> with = threads(r);
    Map<String, Boolean> without = threads(baseline(ChildJvm.defaultJava()));
    Map<String, Boolean> agents = with.entrySet().stream().filter(e -> !without.containsKey(e.getKey()))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    System.out.println("threads the agent added: " + agents);
    assertTrue(agents.keySet().containsAll(Set.of("httpdiag-log", "httpdiag-detector")), "the log writer and the"
        + " sweeper run: " + agents);
    agents.forEach((name, daemon) -> {
      assertTrue(name.startsWith("httpdiag-"), "an agent thread not named httpdiag-...: " + name);
      assertTrue(daemon, "an agent thread that would keep the JVM alive: " + name);
    });
  }

  // ------------------------------------------------------------------ (iv) every option off

  @TestFactory
  List<DynamicTest> withEveryOptionOffTheTransformedClassesBehaveAsTheOriginals() throws Exception {
    return JdkHttpClientIT.perJdk(java -> {
      ChildJvm.Result off = app(java).agent(ALL_OFF).run();
      assertEquals(0, off.exitCode, off::toString);
      String counters = off.testapp("counters");
      assertTrue(counters.contains("traceTransformed=true") && !counters.contains(" jdkClassesTransformed=0 ")
          && counters.contains(" failures=0 "), "the transformed classes ran: " + counters);
      List<String> expected = outcomes(baseline(java));
      assertEquals(expected, outcomes(off));
      assertEquals(List.of(), off.stderrWithoutJvmWarnings().stream().filter(l -> l.startsWith("httpdiag"))
          .collect(Collectors.toList()), "nothing from the agent");
      // The baseline itself is what core-transport promises (so "identical" is not identical nonsense).
      for (String line : List.of("testapp: core.get 200 hello", "testapp: core.large 200 chunked 204800 same=true",
          "testapp: core.postChunked 200 len=100000", "testapp: core.notFound 404 404 page not found",
          "testapp: core.handlerError 500 500 Internal Server Error",
          "testapp: core.cancel io.httpdiag.http.RequestCanceledException: request canceled while waiting for response headers: GET http://127.0.0.1:P/slow?id=cancel",
          "testapp: core.closedEarly read=100 then 200 hello", "testapp: core.slowClientCut read=-1 (closed by the server)")) {
        assertTrue(expected.contains(line), "baseline lacks " + line + ":\n" + String.join("\n", expected));
      }
      assertTrue(expected.stream().anyMatch(l -> l.startsWith("testapp: core.clientTimeout io.httpdiag.http.HttpTimeoutException kind=timeout")), expected::toString);
      assertTrue(expected.stream().anyMatch(l -> l.startsWith("testapp: core.responseHeaderTimeout io.httpdiag.http.HttpTimeoutException kind=responseHeaderTimeout")), expected::toString);
      assertTrue(expected.stream().anyMatch(l -> l.startsWith("testapp: core.refused java.io.IOException: dial 127.0.0.1:P")), expected::toString);
    });
  }

  // ------------------------------------------------------------------ (v) no java.util.logging

  @TestFactory
  List<DynamicTest> premainInitializesNoJavaUtilLogging() throws Exception {
    return JdkHttpClientIT.perJdk(java -> {
      Set<String> withoutAgent = loggingClasses(java, null);
      Set<String> beforeMain = new HashSet<>();
      Set<String> withAgent = loggingClasses(java, beforeMain);
      assertEquals(Set.of(), beforeMain, "java.util.logging loaded before main, i.e. by premain");
      assertEquals(withoutAgent, withAgent, "logging classes the agent made the JVM load");
      System.out.println("java.util.logging on " + java + ": loaded by the app's run " + withoutAgent
          + ", with the agent " + withAgent + ", before main with the agent " + beforeMain);
    });
  }

  /**
   * The JDK logging classes a SimulatedTraffic run loads ({@code -Xlog:class+load}); with
   * {@code beforeMain} non-null, with the agent fully on, and those loaded before the main class go there too.
   */
  private static Set<String> loggingClasses(String java, Set<String> beforeMain) throws Exception {
    Path log = ChildJvm.workDir().resolve("classload-" + ProcessHandle.current().pid() + "-" + java.hashCode()
        + (beforeMain == null ? "-none" : "-agent") + ".log");
    Files.deleteIfExists(log);
    ChildJvm child = ChildJvm.simulated().java(java).jvmArg("-Xlog:class+load=info:file=" + log).args("fresh", "server");
    if (beforeMain != null) child.agent(ALL_ON);
    ChildJvm.Result r = child.run();
    assertEquals(0, r.exitCode, r::toString);
    Pattern loaded = Pattern.compile(".*\\]\\s*(\\S+) source: .*");
    Set<String> logging = new HashSet<>();
    boolean mainSeen = false;
    for (String line : ChildJvm.lines(log)) {
      Matcher m = loaded.matcher(line);
      if (!m.matches()) continue;
      String name = m.group(1);
      if (name.equals(ChildJvm.SIMULATED)) mainSeen = true;
      if (name.startsWith("java.util.logging.") || name.startsWith("sun.util.logging.")) {
        logging.add(name);
        if (!mainSeen && beforeMain != null) beforeMain.add(name);
      }
    }
    assertTrue(mainSeen, "main class never loaded? " + log);
    return logging;
  }

  // ------------------------------------------------------------------ helpers

  static ChildJvm app(String java) {
    return ChildJvm.simulated().java(java).mainClass(APP).args(SCENARIOS);
  }

  /**
   * {@link #app} with the fault {@code site} injected before its first HTTP use: the test-only seams
   * go on the child's boot path, beside the agent's runtime, whose package-private fields they replace.
   */
  static ChildJvm faultInjected(String java, String site) throws Exception {
    return ChildJvm.simulated().java(java).mainClass(FAULT_APP).args(SCENARIOS)
        .jvmArg("-Xbootclasspath/a:" + faultSeams()).jvmArg("-Dfault=" + site);
  }

  /** A directory holding only the seam classes (the whole test-classes directory on the boot path would shadow the app). */
  private static synchronized Path faultSeams() throws Exception {
    Path classes = Path.of(System.getProperty("httpdiag.test.testClasses"));
    Path dir = ChildJvm.workDir().resolve("fault-seams-" + ProcessHandle.current().pid());
    for (String pkg : List.of("io/httpdiag/agent/runtime", "io/httpdiag/agent/instrument/jdk")) {
      Files.createDirectories(dir.resolve(pkg));
      try (java.util.stream.Stream<Path> files = Files.list(classes.resolve(pkg))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          String n = f.getFileName().toString();
          if (n.startsWith("FaultSeams") || n.startsWith("JdkFaultSeams")) {
            Files.copy(f, dir.resolve(pkg).resolve(n), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    }
    return dir;
  }

  /** The run without an agent, once per JDK. */
  static synchronized ChildJvm.Result baseline(String java) throws Exception {
    ChildJvm.Result r = withoutAgent.get(java);
    if (r == null) {
      r = app(java).run();
      assertEquals(0, r.exitCode, r::toString);
      assertEquals("", r.testapp("no agent"));
      withoutAgent.put(java, r);
    }
    return r;
  }

  /** The run with every option on, once. */
  static synchronized ChildJvm.Result allOn() throws Exception {
    if (allOn == null) {
      ChildJvm.Result r = app(ChildJvm.defaultJava()).agent(ALL_ON).run();
      assertEquals(0, r.exitCode, r::toString);
      assertEquals(outcomes(baseline(ChildJvm.defaultJava())), outcomes(r));
      allOn = r;
    }
    return allOn;
  }

  static List<String> outcomes(ChildJvm.Result r) {
    return JdkHttpClientIT.outcomes(r).stream().filter(l -> !l.startsWith("testapp: thread ")).collect(Collectors.toList());
  }

  static Map<String, Boolean> threads(ChildJvm.Result r) {
    Pattern p = Pattern.compile("testapp: thread (.*) daemon=(true|false)");
    return r.stdout.stream().map(p::matcher).filter(Matcher::matches)
        .collect(Collectors.toMap(m -> m.group(1).replaceAll("-\\d+$", "-N"), m -> Boolean.parseBoolean(m.group(2)),
            (a, b) -> a && b));
  }

  static String field(ChildJvm.Result r, String name) {
    Matcher m = Pattern.compile("\\b" + name + "=(\\S+)").matcher(r.testapp("counters"));
    assertTrue(m.find(), name + " in " + r.testapp("counters"));
    return m.group(1);
  }

  static long counter(ChildJvm.Result r, String name) {
    return Long.parseLong(field(r, name));
  }
}
