package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How a case reads its scenario's block of a group run ({@link ScenarioRuns}): what it sees, when it fails. */
class ScenarioRunsTest {
  private static final List<String> RUN = List.of(
      "testapp: scenario a",
      "testapp: finding BODY_NOT_CLOSED X.a(X.java:1)",
      "testapp: scenario end a",
      "testapp: scenario b",
      "testapp: scenario failed b: java.lang.IllegalStateException: boom",
      "testapp: scenario end b",
      "testapp: scenario c",
      "testapp: scenario end c",
      "testapp: counters transformations=1 transformationErrors=0 traceTransformed=true failures=0 ",
      "testapp: java.version=25");

  @Test
  void aBlockHoldsItsOwnLinesAndTheCountersOnly() {
    ChildJvm.Result a = ScenarioRuns.block(new ChildJvm.Result(1, RUN, List.of("stderr")), "a");
    assertEquals(List.of("testapp: finding BODY_NOT_CLOSED X.a(X.java:1)", RUN.get(8), RUN.get(9)), a.stdout);
    assertEquals(List.of("BODY_NOT_CLOSED X.a(X.java:1)"), CoreFindingsIT.findings(a));
    assertEquals(0, a.exitCode, "another scenario's failure is not this one's");
    assertEquals(List.of("stderr"), a.stderr);
    assertEquals(List.of(), CoreFindingsIT.findings(ScenarioRuns.block(new ChildJvm.Result(1, RUN, List.of()), "c")),
        "a finding of a is not c's");
  }

  @Test
  void aFailedScenarioFailsItsCase() {
    ChildJvm.Result b = ScenarioRuns.block(new ChildJvm.Result(1, RUN, List.of()), "b");
    assertEquals(1, b.exitCode);
    assertThrows(AssertionError.class, b::assertHealthy);
  }

  @Test
  void aScenarioWithoutACompleteBlockFails() {
    assertThrows(AssertionError.class, () -> ScenarioRuns.block(new ChildJvm.Result(0, RUN, List.of()), "d"));
    List<String> died = RUN.subList(0, 4); // b began, never ended
    assertThrows(AssertionError.class, () -> ScenarioRuns.block(new ChildJvm.Result(137, died, List.of()), "b"));
    assertEquals(137, ScenarioRuns.block(new ChildJvm.Result(137, died, List.of()), "a").exitCode,
        "a run that died fails every case, finished blocks too");
  }

  @Test
  void aGroupRunsOnceAndAFailedLaunchFailsEveryCase() throws Exception {
    AtomicInteger launches = new AtomicInteger();
    List<Object> key = List.of("ScenarioRunsTest", System.nanoTime());
    for (String s : List.of("a", "b", "c")) {
      ScenarioRuns.scenario(s, key, () -> {
        launches.incrementAndGet();
        return new ChildJvm.Result(1, RUN, List.of());
      });
    }
    assertEquals(1, launches.get());
    List<Object> broken = List.of("ScenarioRunsTest", "broken", System.nanoTime());
    for (String s : List.of("a", "b")) {
      assertThrows(AssertionError.class, () -> ScenarioRuns.scenario(s, broken, () -> {
        launches.incrementAndGet();
        throw new java.io.IOException("deadline");
      }));
    }
    assertEquals(2, launches.get());
  }
}
