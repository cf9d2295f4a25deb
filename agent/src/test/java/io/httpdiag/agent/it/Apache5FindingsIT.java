package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
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
 * Each finding on Apache HttpClient 5 classic, on 5.1.3 (the oldest supported) and 5.6.5 (the
 * newest), on every JDK installed: the leaky program produces it at its own line; the fixed program
 * (shared client, response timeout, every response consumed, the pool sized) produces none. The
 * scenarios of a variant run in one child per version and JDK ({@link ScenarioRuns}).
 */
class Apache5FindingsIT {
  static final String APACHE5_LEAKS = "io.httpdiag.agent.testapp.Apache5Leaks";
  static final String NEWEST = "5.6.5";
  static final String OLDEST = "5.1.3";
  private static final String[][] SCENARIOS = {
      {"bodyNotClosed", "BODY_NOT_CLOSED", "bodyNotClosed"},
      {"bodyCollected", "BODY_NOT_CLOSED", "dropOrReadResponse"},
      {"bodyClosedEarly", "BODY_CLOSED_EARLY", "bodyClosedEarly"},
      {"clientPerRequest", "CLIENT_PER_REQUEST", "client"},
      {"clientPerRequest", "POOL_CHURN", "clientPerRequest"},
      {"clientNotClosed", "CLIENT_NOT_CLOSED", "buildUseAndDrop"},
      {"noTimeouts", "MISSING_TIMEOUT", "noTimeouts"},
      {"poolExhausted", "POOL_EXHAUSTED", "lambda$poolExhausted$"}};

  /** The HttpClient 5 jars of {@code version}: the test class path's (5.6.5) or the copied 5.1.3 ones. */
  static String classPath(String version) throws Exception {
    if (version.equals(NEWEST)) {
      List<String> cp = new ArrayList<>();
      for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
        if (e.contains("/org/apache/httpcomponents/")) cp.add(e);
      }
      assertTrue(cp.stream().anyMatch(e -> e.contains("httpclient5-" + NEWEST)), "httpclient5 " + NEWEST + " not on " + cp);
      return String.join(File.pathSeparator, cp);
    }
    Path dir = Path.of(System.getProperty("httpdiag.test.apache5Oldest", "target/apache5-" + OLDEST));
    try (Stream<Path> jars = Files.list(dir)) {
      return jars.map(Path::toString).filter(j -> j.endsWith(".jar")).collect(Collectors.joining(File.pathSeparator));
    }
  }

  static List<String> versions() {
    return List.of(OLDEST, NEWEST);
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String java : JdkFindingsIT.javas()) {
      for (String version : versions()) {
        for (String[] s : SCENARIOS) out.add(Arguments.of(s[0], s[1], s[2], version, java));
      }
    }
    return out.stream();
  }

  /**
   * {@code scenario}'s block of the one child (per variant, version and JDK) that runs every scenario
   * ({@link ScenarioRuns}), checked as a run of its own was.
   */
  static ChildJvm.Result run(String scenario, String variant, String version, String java) throws Exception {
    String all = Stream.of(SCENARIOS).map(s -> s[0]).distinct().collect(Collectors.joining(","));
    ChildJvm.Result r = ScenarioRuns.scenario(scenario, List.of(variant, version, java),
        () -> ChildJvm.simulated().java(java).mainClass(APACHE5_LEAKS).appendClassPath(classPath(version))
            .agent("detect=on,log=off,stacks=all").args(all, variant).run(ScenarioRuns.DEADLINE_SECONDS));
    r.assertHealthy();
    assertEquals(version, r.testapp("httpclient5 "), "the child ran another HttpClient\n" + r);
    return r;
  }

  @ParameterizedTest(name = "{0} leaky on {3}, {4}")
  @MethodSource("cases")
  void leakyVariantIsFoundAtItsCallSite(String scenario, String kind, String method, String version, String java)
      throws Exception {
    ChildJvm.Result r = run(scenario, "leaky", version, java);
    List<String> found = CoreFindingsIT.findings(r);
    String site = "io.httpdiag.agent.testapp.Apache5Leaks." + method;
    if (kind.equals("BODY_CLOSED_EARLY") && !version.equals(OLDEST)) {
      // 5.5+ reads the rest of the entity on close and keeps the connection: no connection is lost.
      assertTrue(found.stream().noneMatch(f -> f.startsWith(kind)), "no early close on " + version + ": " + found + "\n" + r);
      return;
    }
    assertTrue(found.stream().anyMatch(f -> f.startsWith(kind + " " + site) && f.contains("(Apache5Leaks.java:")),
        kind + " at " + site + " expected in " + found + "\n" + r);
    if (kind.equals("POOL_EXHAUSTED")) {
      assertTrue(r.stdout.stream().anyMatch(l -> l.contains("limit 5 (PoolingHttpClientConnectionManagerBuilder.setMaxConnPerRoute")),
          "the limit and its setting\n" + r);
    }
  }

  @ParameterizedTest(name = "{0} fixed on {3}, {4}")
  @MethodSource("cases")
  void fixedVariantHasNoFinding(String scenario, String kind, String method, String version, String java)
      throws Exception {
    ChildJvm.Result r = run(scenario, "fixed", version, java);
    assertEquals(List.of(), CoreFindingsIT.findings(r), r::toString);
  }

  static Stream<Arguments> versionsAndJavas() {
    List<Arguments> out = new ArrayList<>();
    for (String java : JdkFindingsIT.javas()) {
      for (String version : versions()) out.add(Arguments.of(version, java));
    }
    return out.stream();
  }

  /**
   * The lifecycle log of a fresh connection, the same connection reused (with its idle time) and one
   * over TLS, and every hook found (no warning) on this version.
   */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("versionsAndJavas")
  void freshReusedAndTlsConnectionsAreLogged(String version, String java) throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().java(java).mainClass(APACHE5_LEAKS).appendClassPath(classPath(version))
        .agent("log=full").args("lifecycle", "leaky").run().assertHealthy();
    assertEquals(version, r.testapp("httpclient5 "), r::toString);
    List<String> log = Stream.concat(r.stderr.stream(), r.stdout.stream()).filter(l -> l.startsWith("httpdiag "))
        .collect(Collectors.toList());
    assertTrue(log.stream().noneMatch(l -> l.startsWith("httpdiag: warning")), "a hook is missing on " + version + "\n" + r);
    String[] expected = {
        "httpdiag apache5client1 clientCreated library=apache5 connectTimeout=180000ms responseTimeout=none socketTimeout=180000ms",
        "httpdiag #a5-1 +", "connectStart addr=127.0.0.1:",
        "httpdiag #a5-1 +", "gotConn reused=false wasIdle=false conn=a5c1",
        "httpdiag #a5-1 +", "gotResponseHeaders status=200 contentLength=13",
        "httpdiag #a5-1 +", "bodyEnd bytes=13 drained=true closedBy=eof -> putIdleConn ok",
        "httpdiag #a5-2 +", "gotConn reused=true wasIdle=true idle=",
        "httpdiag #a5-3 +", "tlsHandshakeDone protocol=TLSv1.3",
        "httpdiag #a5-3 +", "gotConn reused=false wasIdle=false conn=a5c2",
        "httpdiag #a5-3 GET https://127.0.0.1:", "status=200"};
    assertTrue(log.stream().anyMatch(l -> l.equals(expected[0])), expected[0] + "\n" + r);
    for (int i = 1; i < expected.length; i += 2) {
      String prefix = expected[i];
      String part = expected[i + 1];
      assertTrue(log.stream().anyMatch(l -> l.startsWith(prefix) && l.contains(part)), prefix + "..." + part + "\n" + r);
    }
    assertTrue(log.stream().anyMatch(l -> l.startsWith("httpdiag #a5-2 +") && l.contains("conn=a5c1")), r::toString);
  }
}
