package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The other half of {@link JdkFindingsIT}: the fixed programs (shared client, connect and request
 * timeouts, bodies closed) produce no finding, on every JDK installed. A class of its own so that the
 * parallel IT forks share the JDK findings' child JVMs between them. The fixed scenarios run in one
 * child per JDK ({@link ScenarioRuns}).
 */
class JdkFixedVariantsIT {
  @ParameterizedTest(name = "{0} fixed on {3}")
  @MethodSource("io.httpdiag.agent.it.JdkFindingsIT#cases")
  void fixedVariantHasNoFinding(String scenario, String kind, String method, String java) throws Exception {
    // 2 s, not the leaky runs' 500 ms: a correct handler writing 4 MiB once took 508 ms under load and
    // was rightly "stuck" by a threshold that low. Fixed exchanges have deadlines, so the watchdog
    // has nothing to say about them at any threshold.
    ChildJvm.Result r = JdkFindingsIT.grouped(scenario, "fixed", java, "detect=on,log=off,stacks=all,detect.stuck.after=2s");
    assertEquals(List.of(), CoreFindingsIT.findings(r), r.toString());
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("io.httpdiag.agent.it.JdkFindingsIT#javas")
  void clientClosedIsNotReported(String java) throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().java(java).mainClass(JdkFindingsIT.JDK_LEAKS)
        .agent("detect=on,log=off,stacks=all").args("clientNotClosed", "fixed").run().assertHealthy();
    assertEquals(List.of(), CoreFindingsIT.findings(r), r.toString());
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("io.httpdiag.agent.it.JdkFindingsIT#javas")
  void virtualThreadSendingOutsideAnInitializerIsNotReported(String java) throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().java(java).mainClass(JdkFindingsIT.JDK_LEAKS)
        .agent("detect=on,detect.pinned=on,log=off,stacks=all").args("pinnedIo", "fixed").run().assertHealthy();
    assertEquals(List.of(), CoreFindingsIT.findings(r), r.toString());
  }
}
