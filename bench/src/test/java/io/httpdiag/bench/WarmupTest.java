package io.httpdiag.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The warm-up ends on agreement and a quiet JIT, not on a clock; it never runs past its cap. */
class WarmupTest {
  @Test
  void endsWhenTwoWindowsAgreeAndTheJitIsQuiet() {
    Warmup w = new Warmup(1_000, 10_000);
    assertFalse(w.done(500, 100, 0)); // first window: nothing to agree with
    assertFalse(w.done(500, 80, 0)); // 20% apart
    assertTrue(w.done(500, 81, 10)); // 1.25% apart, JIT 2% of the window
    assertTrue(w.steady());
    assertEquals(1_500, w.elapsedMillis());
    assertTrue(w.describe().contains("steady"), w.describe());
  }

  @Test
  void keepsGoingWhileTheJitIsStillCompilingEvenIfCpuAgrees() {
    Warmup w = new Warmup(0, 10_000);
    assertFalse(w.done(500, 100, 200));
    assertFalse(w.done(500, 100, 100)); // JIT 20% of the window: recompiling instrumented code
    assertTrue(w.done(500, 101, 5));
  }

  @Test
  void keepsGoingUntilTheMinimumEvenWhenSteady() {
    Warmup w = new Warmup(2_000, 10_000);
    assertFalse(w.done(500, 100, 0));
    assertFalse(w.done(500, 100, 0));
    assertFalse(w.done(500, 100, 0));
    assertTrue(w.done(500, 100, 0));
  }

  @Test
  void stopsAtTheCapAndSaysSo() {
    Warmup w = new Warmup(0, 1_500);
    assertFalse(w.done(500, 100, 0));
    assertFalse(w.done(500, 150, 0));
    assertTrue(w.done(500, 100, 0));
    assertFalse(w.steady());
    assertTrue(w.describe().contains("CAPPED"), w.describe());
  }

  @Test
  void unknownJitTimeLeavesOnlyTheCpuCondition() {
    Warmup w = new Warmup(0, 10_000);
    assertFalse(w.done(500, 100, -1));
    assertTrue(w.done(500, 100, -1));
  }
}
