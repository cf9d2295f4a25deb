package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OkHttp, oldest and newest supported (4.12 from the test class path, 5.x copied by the build into
 * {@code httpdiag.test.okhttp5}), on every JDK installed: each mistake of {@code testapp.OkHttpLeaks}
 * is found at the program's own line, the fixed program gives no finding, and the lifecycle log shows
 * fresh and reused connections, plain and TLS.
 */
class OkHttpFindingsIT {
  static final String LEAKS = "io.httpdiag.agent.testapp.OkHttpLeaks";
  static final String ALL = "bodyNotClosed,bodyCollected,bodyClosedEarly,clientPerRequest,noTimeouts,dispatcherExhausted";
  /** Kind, the method of OkHttpLeaks it names, and what the named source line must contain. */
  private static final String[][] EXPECTED = {
      {"BODY_NOT_CLOSED", "bodyNotClosed", ".execute()"},
      {"BODY_NOT_CLOSED", "dropOrReadResponse", ".execute()"},
      {"BODY_CLOSED_EARLY", "bodyClosedEarly", ".execute()"},
      {"CLIENT_PER_REQUEST", "client", "b.build()"},
      {"POOL_CHURN", "clientPerRequest", ".execute()"},
      {"MISSING_TIMEOUT", "noTimeouts", ".execute()"},
      {"POOL_EXHAUSTED", "dispatcherExhausted", ".enqueue("}};

  static Stream<Arguments> versionsAndJavas() {
    List<Arguments> out = new ArrayList<>();
    for (String version : List.of("4.12", "5")) {
      for (String java : JdkFindingsIT.javas()) out.add(Arguments.of(version, java));
    }
    return out.stream();
  }

  /** The OkHttp jars of {@code version}: okhttp, okio and the Kotlin standard library. */
  static List<String> okhttp(String version) throws Exception {
    if (version.equals("4.12")) {
      List<String> jars = new ArrayList<>();
      for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
        if (e.contains("/com/squareup/") || e.contains("/org/jetbrains/")) jars.add(e);
      }
      assertTrue(jars.stream().anyMatch(j -> j.contains("okhttp-4.12.0")), "OkHttp 4.12 not on the test class path");
      return jars;
    }
    Path dir = Path.of(System.getProperty("httpdiag.test.okhttp5", "unset"));
    try (Stream<Path> files = Files.list(dir)) {
      List<String> jars = files.map(Path::toString).filter(f -> f.endsWith(".jar")).sorted().collect(Collectors.toList());
      assertTrue(jars.stream().anyMatch(j -> j.contains("okhttp-jvm-5.")), "OkHttp 5 not copied into " + dir);
      return jars;
    }
  }

  static ChildJvm child(String version, String java) throws Exception {
    ChildJvm c = ChildJvm.simulated().java(java).mainClass(LEAKS);
    for (String jar : okhttp(version)) c.appendClassPath(jar);
    return c;
  }

  @ParameterizedTest(name = "OkHttp {0} on {1}")
  @MethodSource("versionsAndJavas")
  void everyMistakeIsFoundAtTheProgramsOwnLine(String version, String java) throws Exception {
    ChildJvm.Result r = child(version, java).agent("detect=on,log=off,stacks=all").args(ALL, "leaky").run(120)
        .assertHealthy();
    List<String> found = CoreFindingsIT.findings(r);
    List<String> source = Files.readAllLines(Path.of(System.getProperty("httpdiag.test.sources"),
        "io/httpdiag/agent/testapp/OkHttpLeaks.java"));
    for (String[] e : EXPECTED) {
      String prefix = e[0] + " " + LEAKS + "." + e[1] + "(OkHttpLeaks.java:";
      String finding = found.stream().filter(f -> f.startsWith(prefix)).findFirst()
          .orElseThrow(() -> new AssertionError(prefix + " expected in " + found + "\n" + r));
      Matcher m = Pattern.compile(":(\\d+)\\)").matcher(finding);
      assertTrue(m.find(), finding);
      String line = source.get(Integer.parseInt(m.group(1)) - 1);
      assertTrue(line.contains(e[2]), finding + " names a line without " + e[2] + ": " + line);
    }
    assertEquals(EXPECTED.length, found.size(), "one finding per mistake, nothing else: " + found + "\n" + r);
    assertTrue(r.stderr.stream().noneMatch(l -> l.contains("OkHttp hooks not found")), r::toString);
  }

  @ParameterizedTest(name = "OkHttp {0} on {1}")
  @MethodSource("versionsAndJavas")
  void theFixedProgramGivesNoFinding(String version, String java) throws Exception {
    ChildJvm.Result r = child(version, java).agent("detect=on,log=off,stacks=all").args(ALL + ",lifecycle", "fixed")
        .run(120).assertHealthy();
    assertEquals(List.of(), CoreFindingsIT.findings(r), r::toString);
    assertEquals("10", r.testapp("async ok"), r::toString);
  }

  @ParameterizedTest(name = "OkHttp {0} on {1}")
  @MethodSource("versionsAndJavas")
  void theLogShowsFreshAndReusedConnectionsPlainAndTls(String version, String java) throws Exception {
    ChildJvm.Result r = child(version, java).agent("log=full").args("lifecycle", "fixed").run().assertHealthy();
    assertEquals(List.of("getConn", "connectStart", "connectDone", "gotConn reused=false wasIdle=false", "wroteHeaders",
        "wroteRequest bytes=-1", "gotResponseHeaders status=200", "bodyEnd bytes=13 drained=true closedBy=eof -> putIdleConn ok"),
        steps(r, "ok1"), r::toString);
    assertEquals(List.of("getConn", "gotConn reused=true wasIdle=true", "wroteHeaders", "wroteRequest bytes=-1",
        "gotResponseHeaders status=200", "bodyEnd bytes=13 drained=true closedBy=eof -> putIdleConn ok"),
        steps(r, "ok2"), r::toString);
    assertEquals(List.of("getConn", "connectStart", "connectDone", "tlsHandshakeStart", "tlsHandshakeDone protocol=TLSv1.3",
        "gotConn reused=false wasIdle=false", "wroteHeaders", "wroteRequest bytes=-1", "gotResponseHeaders status=200",
        "bodyEnd bytes=6 drained=true closedBy=eof -> putIdleConn ok"), steps(r, "ok3"), r::toString);
    assertEquals("gotConn reused=true wasIdle=true", steps(r, "ok4").get(1), r::toString);
  }

  /**
   * The steps of exchange {@code #id} in the log, each cut to its name and the fields a test can
   * pin (times, ports, ids and idle durations vary).
   */
  static List<String> steps(ChildJvm.Result r, String id) {
    List<String> steps = new ArrayList<>();
    String prefix = "httpdiag #" + id + " ";
    for (String l : r.log()) {
      if (!l.startsWith(prefix)) continue;
      String rest = l.substring(prefix.length());
      if (rest.startsWith("+")) rest = rest.substring(rest.indexOf(' ') + 1);
      else if (rest.contains(" getConn ")) rest = "getConn";
      else continue; // the summary line
      rest = rest.replaceAll(" (addr|conn|idle|contentLength|cipher|alpn)=\\S+", "");
      steps.add(rest);
    }
    return steps;
  }
}
