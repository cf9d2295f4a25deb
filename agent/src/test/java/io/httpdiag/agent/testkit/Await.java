package io.httpdiag.agent.testkit;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline, polling with a short backoff (1 ms doubling to 20 ms): never
 * a bare sleep. Used by the ITs and by the test programs they run in child JVMs (so it is plain Java
 * 17 and needs nothing but java.base). core-transport's tests have the same helper in their own
 * test sources ({@code io.httpdiag.http.testing.Await}): the agent does not depend on them.
 */
public final class Await {
  private static final long MAX_PAUSE_MILLIS = 20;

  private Await() {}

  /** A condition that may throw (test programs read the agent's state reflectively). */
  @FunctionalInterface
  public interface Condition {
    boolean holds() throws Exception;
  }

  /** One step of {@link #repeatFor}. */
  @FunctionalInterface
  public interface Step {
    void run() throws Exception;
  }

  /** Returns as soon as {@code condition} holds; fails naming what was expected once {@code timeout} has passed. */
  public static void until(Duration timeout, Condition condition, Supplier<String> whatWasExpected) throws Exception {
    if (!within(timeout, condition)) {
      throw new AssertionError("not within " + timeout + ": " + whatWasExpected.get());
    }
  }

  /**
   * Whether {@code condition} held before {@code timeout} passed; for waits whose running out is itself
   * an outcome the caller reports (a drain that may legitimately stay non-empty, say).
   */
  public static boolean within(Duration timeout, Condition condition) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = 1;
    while (!condition.holds()) {
      if (System.nanoTime() - deadline >= 0) return false;
      Thread.sleep(pause); // a bounded poll step, not a wait for the event itself
      pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
    }
    return true;
  }

  /**
   * Runs {@code step} over and over, paced like the polls, until {@code period} has passed: for checks
   * that something does not happen (a fixed variant collects garbage and sweeps, and nothing may be
   * found), where there is no event to wait for.
   */
  public static void repeatFor(Duration period, Step step) throws Exception {
    within(period, () -> {
      step.run();
      return false;
    });
  }
}
