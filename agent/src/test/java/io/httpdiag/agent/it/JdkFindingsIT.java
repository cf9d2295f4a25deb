package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each finding on the JDK HttpClient, on every JDK installed: the leaky program produces it at its
 * own line; the fixed program (shared client, connect and request timeouts) produces none
 * ({@link JdkFixedVariantsIT}). The scenarios of a variant run in one child per JDK ({@link ScenarioRuns}).
 */
class JdkFindingsIT {
  static final String JDK_LEAKS = "io.httpdiag.agent.testapp.JdkLeaks";
  private static final String[][] SCENARIOS = {
      {"bodyNotClosed", "BODY_NOT_CLOSED", "bodyNotClosed"},
      {"bodyClosedEarly", "BODY_CLOSED_EARLY", "bodyClosedEarly"},
      {"clientPerRequest", "CLIENT_PER_REQUEST", "client"},
      {"noTimeouts", "MISSING_TIMEOUT", "noTimeouts"},
      {"stuck", "STUCK_EXCHANGE", "lambda$stuck$"},
      {"bodyCollected", "BODY_NOT_CLOSED", "dropOrReadSmallStream"},
      {"bigBodyDropped", "BODY_NOT_CLOSED", "bigBodyDropped"},
      {"clientThreadLeak", "THREAD_LEAK", "startWatcher"}};

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String java : javas()) {
      for (String[] s : SCENARIOS) out.add(Arguments.of(s[0], s[1], s[2], java));
    }
    return out.stream();
  }

  /**
   * {@code scenario}'s block of the one child (per variant, JDK and agent options) that runs every
   * scenario of {@link #SCENARIOS} ({@link ScenarioRuns}), checked as a run of its own was.
   */
  static ChildJvm.Result grouped(String scenario, String variant, String java, String agent) throws Exception {
    String all = Stream.of(SCENARIOS).map(s -> s[0]).distinct().collect(Collectors.joining(","));
    return ScenarioRuns.scenario(scenario, List.of(variant, java, agent), () -> ChildJvm.simulated().java(java)
        .mainClass(JDK_LEAKS).agent(agent).args(all, variant).run(ScenarioRuns.DEADLINE_SECONDS)).assertHealthy();
  }

  /** The test JVM's java and every other JDK under /usr/lib/jvm (17 here). */
  static List<String> javas() {
    List<String> javas = new ArrayList<>(List.of(ChildJvm.defaultJava()));
    try (Stream<Path> dirs = Files.list(Path.of("/usr/lib/jvm"))) {
      dirs.map(d -> d.resolve("bin/java")).filter(Files::isExecutable).map(Path::toString)
          .filter(j -> !sameJdk(j, ChildJvm.defaultJava()) && javas.stream().noneMatch(k -> sameJdk(j, k)))
          .forEach(javas::add);
    } catch (Exception e) {
      // only the test JVM's own java
    }
    return javas;
  }

  private static boolean sameJdk(String a, String b) {
    try {
      return Path.of(a).toRealPath().equals(Path.of(b).toRealPath());
    } catch (Exception e) {
      return a.equals(b);
    }
  }

  @ParameterizedTest(name = "{0} leaky on {3}")
  @MethodSource("cases")
  void leakyVariantIsFoundAtItsCallSite(String scenario, String kind, String method, String java) throws Exception {
    ChildJvm.Result r = grouped(scenario, "leaky", java, "detect=on,log=off,stacks=all,detect.stuck.after=500ms");
    List<String> found = CoreFindingsIT.findings(r);
    String site = "io.httpdiag.agent.testapp.JdkLeaks." + method;
    assertTrue(found.stream().anyMatch(f -> f.startsWith(kind + " " + site) && f.contains("(JdkLeaks.java:")),
        kind + " at " + site + " expected in " + found + "\n" + r);
  }

  /**
   * The GC backstop on the JDK client: an ofInputStream response whose small body was fully received,
   * dropped unread, is reported once collected (log and JFR); detect.body.after stays at 30 s.
   */
  @ParameterizedTest(name = "on {0}")
  @MethodSource("javas")
  void smallStreamBodyCollectedUnclosedIsReportedInTheLogAndJfr(String java) throws Exception {
    Path jfr = ChildJvm.workDir().resolve("gc-backstop-jdk-" + ProcessHandle.current().pid() + ".jfr");
    Files.deleteIfExists(jfr);
    ChildJvm.Result r = ChildJvm.simulated().java(java).mainClass(JDK_LEAKS).agent("detect=on,stacks=all")
        .jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc())
        .args("bodyCollected", "leaky").run().assertHealthy();
    long latencyMs = Long.parseLong(r.testapp("gc backstop latency").replace(" ms", ""));
    assertTrue(latencyMs < 10_000, "reported " + latencyMs + " ms after the drop: by age, not by GC?\n" + r);
    String site = "io.httpdiag.agent.testapp.JdkLeaks.dropOrReadSmallStream(JdkLeaks.java:";
    CoreFindingsIT.assertLogged(r, "httpdiag LEAK response body collected unclosed ", "  sent at " + site);
    assertTrue(CoreFindingsIT.jfrFinding(jfr, "BODY_NOT_CLOSED", "13 B declared").getString("callSite").startsWith(site));
  }

  /** A thread started while a JDK exchange's body is read, outliving it: log and JFR (the JDK's own threads: never). */
  @ParameterizedTest(name = "on {0}")
  @MethodSource("javas")
  void threadStartedDuringAJdkExchangeIsReportedInTheLogAndJfr(String java) throws Exception {
    CoreFindingsIT.assertThreadLeakInLogAndJfr(java, JDK_LEAKS, "\"download-watcher\"",
        "io.httpdiag.agent.testapp.JdkLeaks.startWatcher(JdkLeaks.java:");
  }

  /** detect.pinned=on: the JDK HttpClient's send() in a static initializer on a virtual thread (21+); 17: nothing. */
  @ParameterizedTest(name = "on {0}")
  @MethodSource("javas")
  void virtualThreadPinnedInSendIsReportedWhereVirtualThreadsExist(String java) throws Exception {
    CoreFindingsIT.assertPinnedInLogAndJfr(java, JDK_LEAKS, "io.httpdiag.agent.testapp.JdkLeaks.fetchSlow(JdkLeaks.java:");
  }

  /** What GC cannot see (DESIGN.md 5): a large body never read stays reachable; only its age reports it. */
  @ParameterizedTest(name = "on {0}")
  @MethodSource("javas")
  void largeStreamBodyDroppedUnreadIsFoundByAgeNotByGc(String java) throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().java(java).mainClass(JDK_LEAKS).agent("detect=on,log=off,stacks=all")
        .args("bigBodyDropped", "leaky").run().assertHealthy();
    assertTrue(r.stdout.stream().noneMatch(l -> l.startsWith("testapp: unexpectedly collected")), r::toString);
    assertTrue(r.stdout.stream().anyMatch(l -> l.startsWith("httpdiag LEAK response body not closed after ")), r::toString);
  }

  /**
   * JDK 21+: a client dropped without close() is reported once collected, with the line that built it,
   * in the log and in JFR. On 17 (no close()) nothing is reported. Closed (try-with-resources): nothing.
   */
  @ParameterizedTest(name = "on {0}")
  @MethodSource("javas")
  void clientDroppedWithoutCloseIsReportedWhereCloseExists(String java) throws Exception {
    Path jfr = ChildJvm.workDir().resolve("client-not-closed-" + ProcessHandle.current().pid() + ".jfr");
    Files.deleteIfExists(jfr);
    ChildJvm.Result r = ChildJvm.simulated().java(java).mainClass(JDK_LEAKS).agent("detect=on,stacks=all")
        .jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc())
        .args("clientNotClosed", "leaky").run().assertHealthy();
    List<String> found = CoreFindingsIT.findings(r);
    String site = "io.httpdiag.agent.testapp.JdkLeaks.buildUseAndDrop(JdkLeaks.java:";
    if (Runtime.Version.parse(r.testapp("java.version=")).feature() < 21) {
      assertTrue(found.stream().noneMatch(f -> f.startsWith("CLIENT_NOT_CLOSED")), "no close() on 17: " + r);
      return;
    }
    long latencyMs = Long.parseLong(r.testapp("unreachable client latency").replace(" ms", ""));
    assertTrue(latencyMs < 10_000, latencyMs + " ms\n" + r);
    assertTrue(found.stream().anyMatch(f -> f.startsWith("CLIENT_NOT_CLOSED " + site)), found + "\n" + r);
    CoreFindingsIT.assertLogged(r, "httpdiag LEAK HttpClient jdkclient1 became unreachable without close()",
        "  built at " + site);
    assertTrue(CoreFindingsIT.jfrFinding(jfr, "CLIENT_NOT_CLOSED", "without close()").getString("callSite")
        .startsWith(site));
  }
}
