package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A second {@code attach} to a JVM that already runs the agent changes what can change at run time
 * ({@code log}), says so, and refuses the rest with one line and a non-zero exit.
 */
class ReconfigureIT {
  @Test
  void secondAttachTurnsTheLogOnAndRefusesWhatCannotChange() throws Exception {
    ChildJvm.Started app = ChildJvm.simulated().agent("log=off").args("--wait", "fresh").start();
    try {
      app.awaitStdout(l -> l.equals("testapp: waiting"), Duration.ofSeconds(90));
      String pid = Long.toString(app.pid());

      ChildJvm.Result summary = AttachIT.cli("attach", pid, "log=summary");
      assertEquals(0, summary.exitCode, summary.toString());
      assertEquals(List.of("httpdiag: " + pid + " already runs the agent: changed log=summary"), summary.stdout);
      assertEquals(List.of(), summary.stderr);

      ChildJvm.Result fixed = AttachIT.cli("attach", pid, "jfr=off");
      assertEquals(1, fixed.exitCode, fixed.toString());
      assertEquals(List.of(), fixed.stdout);
      assertEquals(List.of("httpdiag: " + pid + " already runs the agent: cannot change jfr=off at run time"
          + " (only log can; restart the JVM for the others)"), fixed.stderr);

      ChildJvm.Result mixed = AttachIT.cli("attach", pid, "log=full,instrument.jdk=off");
      assertEquals(1, mixed.exitCode, mixed.toString());
      assertEquals(List.of("httpdiag: " + pid + " already runs the agent: changed log=full; cannot change"
          + " instrument.jdk=off at run time (only log can; restart the JVM for the others)"), mixed.stderr);

      app.sendLine("go");
      ChildJvm.Result r = app.await(Duration.ofSeconds(ChildJvm.DEFAULT_DEADLINE_SECONDS)).assertHealthy();
      List<String> log = ChildJvm.normalize(r.log());
      // log=full took effect: every step, then the exchange's summary line.
      assertEquals("httpdiag #1 GET http://127.0.0.1:8080/api?<redacted> getConn 127.0.0.1:8080", log.get(0), r.toString());
      assertTrue(log.get(log.size() - 1).startsWith("httpdiag #1 GET http://127.0.0.1:8080/api?<redacted> status=200"),
          r.toString());
      assertEquals(List.of(), r.stderrWithoutJvmWarnings().stream().filter(l -> !l.startsWith("httpdiag #"))
          .filter(l -> StartupIT.DYNAMIC_AGENT_NOTICE.stream().noneMatch(l::startsWith)).toList(),
          "the target prints nothing about the attaches; the CLI does: " + r);
    } finally {
      app.process.destroyForcibly();
    }
  }
}
