package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Option handling, class identity and start-up hygiene, seen from a child JVM. */
class OptionsIT {
  @Test
  void badValueLeavesTheAppRunningWithExactlyOneErrorLine() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("log=verbose").args("fresh", "failed").run();
    assertEquals(0, r.exitCode, r.toString());
    assertEquals("", r.testapp("done"));
    assertEquals(List.of("httpdiag: bad option log=verbose: expected off|findings|summary|full; agent disabled"), r.stderr);
    assertEquals("false", r.testapp("installed="), "the runtime was not even put on the boot class path");
  }

  @Test
  void unknownKeyNamesTheValidKeys() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("log=full,colour=on").args("fresh").run();
    assertEquals(0, r.exitCode, r.toString());
    assertEquals(List.of("httpdiag: unknown option colour=on: expected one of log, log.file, log.format, jfr, jmx,"
        + " instrument.core, instrument.jdk, instrument.okhttp, instrument.tomcat, instrument.jetty, redact, redact.query, max.exchanges, stacks, callsite.skip, detect, detect.body,"
        + " detect.timeouts, detect.churn, detect.clients, detect.threads, detect.threads.after, detect.body.after, detect.stuck.after, detect.pinned, detect.pinned.after; agent disabled"),
        r.stderr);
  }

  @Test
  void callSitePrefixesSeparatedByTheOptionSeparatorSayWhichSeparatorToUse() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("callsite.skip=com.acme.http.,org.foo.").args("fresh").run();
    assertEquals(0, r.exitCode, r.toString());
    assertEquals(List.of("httpdiag: bad option org.foo.: separate the prefixes of callsite.skip with ';' (',' separates"
        + " agent options); agent disabled"), r.stderr);
  }

  @Test
  void badSystemPropertyIsReportedAsSuch() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("").jvmArg("-Dhttpdiag.jfr=maybe").args("fresh").run();
    assertEquals(List.of("httpdiag: bad option -Dhttpdiag.jfr=maybe: expected on|off; agent disabled"), r.stderr);
  }

  @Test
  void systemPropertiesConfigureAndAgentArgumentsWin() throws Exception {
    ChildJvm.Result fromProperty = ChildJvm.simulated().agent("").jvmArg("-Dhttpdiag.log=summary").args("fresh").run()
        .assertHealthy();
    assertEquals(1, fromProperty.log().size(), fromProperty.toString());
    ChildJvm.Result argumentWins = ChildJvm.simulated().agent("log=off").jvmArg("-Dhttpdiag.log=full").args("fresh").run()
        .assertHealthy();
    assertEquals(List.of(), argumentWins.log());
  }

  @Test
  void instrumentationCanBeSwitchedOff() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("log=full,instrument.core=off").args("fresh").run();
    assertEquals(0, r.exitCode, r.toString());
    assertEquals(List.of(), r.log());
    assertTrue(r.testapp("counters").contains("traceTransformed=false"), r.toString());
  }

  @Test
  void runtimeSeenFromTheAppIsTheBootLoadedCopyEvenWithTheJarOnTheClassPath() throws Exception {
    // The agent jar on the application class path as well: the app must still resolve the boot copy.
    ChildJvm.Result r = ChildJvm.simulated().agent("log=summary").appendClassPath(ChildJvm.agentJar().toString())
        .args("fresh").run();
    r.assertHealthy();
    assertEquals("boot", r.testapp("runtimeLoader="), r.toString());
    assertEquals(1, r.log().size(), "events reached the one runtime that reports: " + r);
  }

  @Test
  void cleanStartPrintsNothingButTheJvmsOwnCdsWarning() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("").args("fresh", "reused").run().assertHealthy();
    assertEquals(List.of(), r.stderrWithoutJvmWarnings(), r.toString());
  }
}
