package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code java -jar httpdiag-agent.jar attach <pid>} against a waiting child, and the CLI's other commands. */
class AttachIT {
  @Test
  void attachToARunningJvmRetransformsTraceAndLogs() throws Exception {
    try (ChildJvm.Started app = ChildJvm.simulated().args("--wait", "fresh", "reused").start()) {
      app.awaitStdout(l -> l.equals("testapp: waiting"), Duration.ofSeconds(90));
      // Trace is loaded and initialized before the child waits: the attach must retransform it.
      ChildJvm.Result cli = cli("attach", Long.toString(app.pid()), "log=full");
      assertEquals(0, cli.exitCode, cli.toString());
      assertEquals(List.of("httpdiag: attached to " + app.pid() + " with log=full; its output goes to that JVM's stderr or log.file"),
          cli.stdout);
      app.sendLine("go");
      ChildJvm.Result r = app.await(Duration.ofSeconds(ChildJvm.DEFAULT_DEADLINE_SECONDS)).assertHealthy();
      List<String> log = ChildJvm.normalize(r.log());
      assertEquals("httpdiag #1 GET http://127.0.0.1:8080/api?<redacted> getConn 127.0.0.1:8080", log.get(0), r.toString());
      assertTrue(log.contains("httpdiag #2 +T gotConn reused=true wasIdle=true idle=1.30ms conn=c1"), r.toString());
      assertEquals(20, log.size(), r.toString());
    }
  }

  @Test
  void refusedDynamicLoadingGivesOneActionableLine() throws Exception {
    try (ChildJvm.Started app = ChildJvm.simulated().jvmArg("-XX:-EnableDynamicAgentLoading").args("--wait", "fresh").start()) {
      app.awaitStdout(l -> l.equals("testapp: waiting"), Duration.ofSeconds(90));
      ChildJvm.Result cli = cli("attach", Long.toString(app.pid()), "log=full");
      assertEquals(1, cli.exitCode, cli.toString());
      assertEquals(1, cli.stderr.size(), cli.toString());
      assertEquals("httpdiag: cannot attach to " + app.pid() + ": the JVM was started with -XX:-EnableDynamicAgentLoading;"
          + " restart it with -javaagent:" + ChildJvm.agentJar() + "=log=full (or without that flag)", cli.stderr.get(0));
      app.sendLine("go");
      ChildJvm.Result r = app.await(Duration.ofSeconds(ChildJvm.DEFAULT_DEADLINE_SECONDS));
      assertEquals(0, r.exitCode, "the target keeps running normally: " + r);
    }
  }

  @Test
  void attachRejectsBadOptionsBeforeTouchingTheTarget() throws Exception {
    ChildJvm.Result cli = cli("attach", "1", "log=loud");
    assertEquals(2, cli.exitCode, cli.toString());
    assertEquals(List.of("httpdiag: bad option log=loud: expected off|findings|summary|full"), cli.stderr);
  }

  @Test
  void listShowsThisJvm() throws Exception {
    ChildJvm.Result cli = cli("list");
    assertEquals(0, cli.exitCode, cli.toString());
    String self = Long.toString(ProcessHandle.current().pid());
    assertTrue(cli.stdout.stream().anyMatch(l -> l.startsWith(self + " ")), "this JVM (" + self + ") in " + cli);
  }

  @Test
  void helpAndVersion() throws Exception {
    ChildJvm.Result help = cli("--help");
    assertEquals(0, help.exitCode);
    assertTrue(help.stdout.get(0).startsWith("usage: java -jar httpdiag-agent.jar"), help.toString());
    ChildJvm.Result version = cli("--version");
    assertEquals(List.of("httpdiag-agent " + System.getProperty("httpdiag.test.version")), version.stdout);
    ChildJvm.Result unknown = cli("frobnicate");
    assertEquals(2, unknown.exitCode);
    assertEquals(List.of("httpdiag: unknown command frobnicate; try --help"), unknown.stderr);
  }

  static ChildJvm.Result cli(String... args) throws Exception {
    return ChildJvm.simulated().jvmArg("-jar", ChildJvm.agentJar().toString()).mainClassless(args).run();
  }
}
