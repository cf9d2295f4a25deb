package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HttpURLConnection behaves the same with the agent as without, on every JDK installed: a fixed script
 * (200, 404 and its error stream, a redirect, chunked, fixed-length and buffered POSTs, a read timeout,
 * disconnect(), HTTPS) prints identical lines; and the agent's log shows its lifecycle.
 */
class UrlConnectionSemanticsIT {
  private static final String SCRIPT = "io.httpdiag.agent.testapp.UrlConnectionSemantics";

  @ParameterizedTest(name = "on {0}")
  @MethodSource("io.httpdiag.agent.it.JdkFindingsIT#javas")
  void theApplicationSeesTheSameWithAndWithoutTheAgent(String java) throws Exception {
    ChildJvm.Result without = ChildJvm.simulated().java(java).mainClass(SCRIPT).run();
    assertEquals(0, without.exitCode, without::toString);
    ChildJvm.Result with = ChildJvm.simulated().java(java).mainClass(SCRIPT).agent("detect=on,log=full,stacks=all")
        .run().assertHealthy();
    List<String> expected = steps(without);
    assertTrue(expected.size() >= 16, without::toString);
    assertTrue(expected.contains("testapp: step /slow threw java.net.SocketTimeoutException: Read timed out"),
        without::toString);
    assertEquals(expected, steps(with), with.toString());

    List<String> log = with.log();
    assertTrue(log.stream().anyMatch(l -> l.matches("httpdiag #u1 .* gotConn reused=false wasIdle=false conn=uc1")), with::toString);
    assertTrue(log.stream().anyMatch(l -> l.matches("httpdiag #u2 .* gotConn reused=true wasIdle=true idle=.* conn=uc1")), with::toString);
    assertTrue(log.stream().anyMatch(l -> l.matches("httpdiag #u\\d+ .* tlsHandshakeDone .*")), with::toString);
    assertTrue(log.stream().anyMatch(l -> l.matches("httpdiag #u\\d+ GET https://127\\.0\\.0\\.1:\\d+/b status=200 .*reused=true.*")),
        with::toString);
    assertTrue(log.stream().anyMatch(l -> l.matches("httpdiag #u\\d+ .* timeout kind=read.*|httpdiag #u\\d+ .*Read timed out.*")),
        with::toString);
    assertTrue(log.stream().anyMatch(l -> l.matches("httpdiag uc\\d+ connClosed reason=disconnect")), with::toString);
  }

  /** Attached after the JDK's classes are loaded and a connection is cached: retransformed, same behaviour. */
  @ParameterizedTest(name = "on {0}")
  @MethodSource("io.httpdiag.agent.it.JdkFindingsIT#javas")
  void attachedLaterTheApplicationSeesTheSameAndTheAgentSeesTheRest(String java) throws Exception {
    ChildJvm.Result without;
    try (ChildJvm.Started app = ChildJvm.simulated().java(java).mainClass(SCRIPT).args("--wait").start()) {
      app.awaitStdout(l -> l.equals("testapp: waiting"), Duration.ofSeconds(90));
      app.sendLine("go");
      without = app.await(Duration.ofSeconds(ChildJvm.DEFAULT_DEADLINE_SECONDS));
    }
    assertEquals(0, without.exitCode, without::toString);
    try (ChildJvm.Started app = ChildJvm.simulated().java(java).mainClass(SCRIPT).args("--wait").start()) {
      app.awaitStdout(l -> l.equals("testapp: waiting"), Duration.ofSeconds(90));
      ChildJvm.Result cli = AttachIT.cli("attach", Long.toString(app.pid()), "log=full");
      assertEquals(0, cli.exitCode, cli.toString());
      app.sendLine("go");
      ChildJvm.Result with = app.await(Duration.ofSeconds(ChildJvm.DEFAULT_DEADLINE_SECONDS)).assertHealthy();
      assertEquals(steps(without), steps(with), with.toString());
      List<String> log = with.log();
      assertTrue(log.stream().anyMatch(l -> l.matches("httpdiag #u1 GET http://127\\.0\\.0\\.1:\\d+/hello status=200 .*")), with::toString);
      assertTrue(log.stream().anyMatch(l -> l.matches("httpdiag #u\\d+ .* tlsHandshakeDone .*")), with::toString);
    }
  }

  private static List<String> steps(ChildJvm.Result r) {
    return r.stdout.stream().filter(l -> l.startsWith("testapp: step ")).collect(Collectors.toList());
  }
}
