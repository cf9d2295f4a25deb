package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
 * Apache HttpClient 4.5 on its oldest and newest supported versions (the pom copies each into a folder
 * of its own: {@code httpdiag.test.apache4}) and on every JDK installed: each mistake of
 * {@code testapp.Apache4Leaks} is found at the program's own line, its fixed variant gives no finding,
 * and the lifecycle log shows a new connection (with TLS where used) and its reuse. The leaky and the
 * fixed scenarios run in one child per version, JDK and variant ({@link ScenarioRuns}).
 */
class Apache4FindingsIT {
  static final String LEAKS = "io.httpdiag.agent.testapp.Apache4Leaks";
  private static final String SITE = "io.httpdiag.agent.testapp.Apache4Leaks.";
  private static final String[][] SCENARIOS = {
      {"bodyNotClosed", "BODY_NOT_CLOSED", "bodyNotClosed"},
      {"bodyCollected", "BODY_NOT_CLOSED", "dropOrRead"},
      {"bodyClosedEarly", "BODY_CLOSED_EARLY", "bodyClosedEarly"},
      {"clientPerRequest", "CLIENT_PER_REQUEST", "clientPerRequest"},
      {"clientPerRequest", "POOL_CHURN", "clientPerRequest"},
      {"clientNotClosed", "CLIENT_NOT_CLOSED", "buildUseAndDrop"},
      {"noTimeouts", "MISSING_TIMEOUT", "noTimeouts"},
      {"noTimeouts", "MISSING_TIMEOUT", "client"},
      {"poolExhausted", "POOL_EXHAUSTED", "fetchSlow"}};

  /** The folders holding each HC4 version's jars (httpclient, httpcore, commons-logging, commons-codec). */
  static List<Path> versions() {
    String dirs = System.getProperty("httpdiag.test.apache4", "");
    List<Path> out = new ArrayList<>();
    for (String d : dirs.split(",")) {
      if (!d.isBlank()) out.add(Path.of(d));
    }
    assertTrue(out.size() >= 2, "httpdiag.test.apache4 names no versions (run through mvn verify): " + dirs);
    for (Path p : out) assertTrue(Files.isDirectory(p), "not copied: " + p);
    return out;
  }

  static Stream<Arguments> leaky() {
    List<Arguments> out = new ArrayList<>();
    for (Path v : versions()) {
      for (String java : JdkFindingsIT.javas()) {
        for (String[] s : SCENARIOS) out.add(Arguments.of(s[0], s[1], s[2], v, java));
      }
    }
    return out.stream();
  }

  static Stream<Arguments> fixed() {
    List<Arguments> out = new ArrayList<>();
    for (Path v : versions()) {
      for (String java : JdkFindingsIT.javas()) {
        for (String[] s : SCENARIOS) {
          if (!s[2].equals("client")) out.add(Arguments.of(s[0], v, java));
        }
      }
    }
    return out.stream();
  }

  static Stream<Arguments> versionsAndJavas() {
    List<Arguments> out = new ArrayList<>();
    for (Path v : versions()) {
      for (String java : JdkFindingsIT.javas()) out.add(Arguments.of(v, java));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} leaky, HC4 {3} on {4}")
  @MethodSource("leaky")
  void leakyVariantIsFoundAtItsCallSite(String scenario, String kind, String method, Path version, String java)
      throws Exception {
    ChildJvm.Result r = grouped(version, java, scenario, "leaky");
    List<String> found = CoreFindingsIT.findings(r);
    assertTrue(found.stream().anyMatch(f -> f.startsWith(kind + " " + SITE + method + "(Apache4Leaks.java:")),
        kind + " at " + SITE + method + " expected in " + found + "\n" + r);
  }

  @ParameterizedTest(name = "{0} fixed, HC4 {1} on {2}")
  @MethodSource("fixed")
  void fixedVariantGivesNoFinding(String scenario, Path version, String java) throws Exception {
    ChildJvm.Result r = grouped(version, java, scenario, "fixed");
    assertEquals(List.of(), CoreFindingsIT.findings(r), r::toString);
  }

  /** The pool-exhausted finding names the limit, the setting that raises it, and what was waiting. */
  @ParameterizedTest(name = "HC4 {0} on {1}")
  @MethodSource("versionsAndJavas")
  void poolExhaustedNamesTheLimitAndItsSetting(Path version, String java) throws Exception {
    ChildJvm.Result r = run(version, java, "detect=on,stacks=all", "poolExhausted", "leaky");
    CoreFindingsIT.assertLogged(r, "httpdiag EXHAUSTED request waited ", "  sent at " + SITE + "fetchSlow(Apache4Leaks.java:");
    assertTrue(r.stderr.stream().anyMatch(l -> l.startsWith("  limit 2 (maxConnPerRoute: HttpClientBuilder.setMaxConnPerRoute(n)")),
        r::toString);
  }

  /** A new connection (DNS, connect, TLS where used), then its reuse, each body read to EOF and pooled. */
  @ParameterizedTest(name = "HC4 {0} on {1}")
  @MethodSource("versionsAndJavas")
  void lifecycleLogShowsANewConnectionThenItsReuse(Path version, String java) throws Exception {
    for (String scheme : List.of("plain", "tls")) {
      ChildJvm.Result r = run(version, java, "detect=off,log=full", "traffic", "fixed", scheme);
      List<String> first = steps(r, "#a4-1 ");
      List<String> second = steps(r, "#a4-2 ");
      List<String> expectedFirst = new ArrayList<>(List.of("getConn", "dnsStart", "dnsDone", "connectStart", "connectDone"));
      if (scheme.equals("tls")) expectedFirst.addAll(List.of("tlsHandshakeStart", "tlsHandshakeDone"));
      expectedFirst.addAll(List.of("gotConn reused=false", "wroteRequest", "gotResponseHeaders", "bodyEnd closedBy=eof",
          "end putIdleConn ok"));
      assertEquals(expectedFirst, first, r::toString);
      assertEquals(List.of("getConn", "gotConn reused=true", "wroteRequest", "gotResponseHeaders", "bodyEnd closedBy=eof",
          "end putIdleConn ok"), second, r::toString);
      String scheme0 = scheme.equals("tls") ? "https://" : "http://";
      assertTrue(r.stderr.stream().anyMatch(l -> l.startsWith("httpdiag #a4-1 GET " + scheme0 + "127.0.0.1:")), r::toString);
      assertTrue(r.stderr.stream().anyMatch(l -> l.matches("httpdiag a4c1 connClosed reason=transportClosed")), r::toString);
    }
  }

  /** JFR: each HC4 exchange and its TLS connection are recorded with client=apache4. */
  @ParameterizedTest(name = "HC4 {0}")
  @MethodSource("versions")
  void jfrEventsNameTheLibrary(Path version) throws Exception {
    Path jfr = ChildJvm.workDir().resolve("apache4-" + version.getFileName() + "-" + ProcessHandle.current().pid() + ".jfr");
    Files.deleteIfExists(jfr);
    ChildJvm child = ChildJvm.simulated().mainClass(LEAKS).agent("detect=off,log=off")
        .jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc()).args("traffic", "fixed", "tls");
    for (Path jar : jars(version)) child.appendClassPath(jar.toString());
    child.run().assertHealthy();
    List<jdk.jfr.consumer.RecordedEvent> events = jdk.jfr.consumer.RecordingFile.readAllEvents(jfr);
    List<jdk.jfr.consumer.RecordedEvent> exchanges = events.stream()
        .filter(e -> e.getEventType().getName().equals("httpdiag.Exchange") && "apache4".equals(e.getString("client")))
        .collect(Collectors.toList());
    assertEquals(2, exchanges.size(), events::toString);
    assertEquals(List.of(false, true), exchanges.stream().map(e -> e.getBoolean("reused")).collect(Collectors.toList()));
    assertTrue(exchanges.stream().allMatch(e -> e.getInt("status") == 200 && e.getLong("responseBytes") == 13), exchanges::toString);
    assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("httpdiag.Connection")
        && "apache4".equals(e.getString("client")) && e.getString("tlsProtocol") != null), events::toString);
  }

  /** The steps of one exchange in the log, shortened to what does not vary. */
  private static List<String> steps(ChildJvm.Result r, String exchange) {
    return r.stderr.stream().filter(l -> l.startsWith("httpdiag " + exchange)).map(l -> l.substring(("httpdiag " + exchange).length()))
        .map(Apache4FindingsIT::step).collect(Collectors.toList());
  }

  private static String step(String l) {
    if (l.startsWith("GET ") && l.contains(" getConn ")) return "getConn";
    if (l.startsWith("GET ")) return "end" + l.substring(l.indexOf(" -> ")).replace(" ->", "");
    String s = l.replaceFirst("^\\+\\d+\\.\\d\\dms ", "");
    String name = s.split(" ")[0];
    if (name.equals("gotConn")) return name + " " + s.split(" ")[1];
    if (name.equals("bodyEnd")) return name + " " + s.replaceFirst(".*(closedBy=\\w+).*", "$1");
    return name;
  }

  /**
   * {@code scenario}'s block of the one child (per version, JDK and variant) that runs every scenario:
   * see {@link ScenarioRuns}. Each block is checked as a run of its own was (healthy, hooks found).
   */
  private static ChildJvm.Result grouped(Path version, String java, String scenario, String variant) throws Exception {
    String all = Stream.of(SCENARIOS).map(s -> s[0]).distinct().collect(Collectors.joining(","));
    ChildJvm.Result r = ScenarioRuns.scenario(scenario, List.of(version, java, variant),
        () -> launch(version, java, "detect=on,log=off,stacks=all", ScenarioRuns.DEADLINE_SECONDS, all, variant));
    r.assertHealthy();
    assertTrue(r.stderr.stream().noneMatch(l -> l.contains("Apache HttpClient 4 hooks not found")), r::toString);
    return r;
  }

  static ChildJvm.Result run(Path version, String java, String agent, String... args) throws Exception {
    ChildJvm.Result r = launch(version, java, agent, ChildJvm.DEFAULT_DEADLINE_SECONDS, args).assertHealthy();
    assertTrue(r.stderr.stream().noneMatch(l -> l.contains("Apache HttpClient 4 hooks not found")), r::toString);
    return r;
  }

  private static ChildJvm.Result launch(Path version, String java, String agent, int deadlineSeconds, String... args)
      throws Exception {
    ChildJvm child = ChildJvm.simulated().java(java).mainClass(LEAKS).agent(agent).args(args);
    for (Path jar : jars(version)) child.appendClassPath(jar.toString());
    return child.run(deadlineSeconds);
  }

  private static List<Path> jars(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
    }
  }

}
