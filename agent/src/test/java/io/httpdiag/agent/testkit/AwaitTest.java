package io.httpdiag.agent.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {
  @Test
  void returnsAsSoonAsTheConditionHoldsOnAnotherThread() throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    CountDownLatch polled = new CountDownLatch(3);
    Thread setter = new Thread(() -> {
      try {
        polled.await(); // the condition has been seen false a few times first
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      done.set(true);
    });
    setter.start();
    long start = System.nanoTime();
    Await.until(Duration.ofSeconds(30), () -> {
      polled.countDown();
      return done.get();
    }, () -> "done");
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0, "took to the deadline");
    setter.join(10_000);
  }

  @Test
  void failsAtTheDeadlineSayingWhatWasExpected() {
    long start = System.nanoTime();
    AssertionError e = assertThrows(AssertionError.class,
        () -> Await.until(Duration.ofMillis(200), () -> false, () -> "the answer 42"));
    assertEquals("not within PT0.2S: the answer 42", e.getMessage());
    assertTrue(System.nanoTime() - start >= Duration.ofMillis(200).toNanos(), "gave up before the deadline");
  }

  @Test
  void withinReportsTheTimeoutInsteadOfFailing() throws Exception {
    assertFalse(Await.within(Duration.ofMillis(50), () -> false));
    assertTrue(Await.within(Duration.ofMillis(50), () -> true));
  }

  @Test
  void aConditionThatThrowsEndsTheWaitWithItsException() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Await.until(Duration.ofSeconds(30), () -> {
          throw new IllegalStateException("boom");
        }, () -> "never"));
    assertEquals("boom", e.getMessage());
  }

  @Test
  void repeatForRunsTheStepUntilThePeriodHasPassed() throws Exception {
    AtomicInteger steps = new AtomicInteger();
    long start = System.nanoTime();
    Await.repeatFor(Duration.ofMillis(200), steps::incrementAndGet);
    assertTrue(System.nanoTime() - start >= Duration.ofMillis(200).toNanos(), "stopped early");
    assertTrue(steps.get() >= 3, "steps: " + steps);
  }
}
