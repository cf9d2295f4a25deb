package io.httpdiag.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The findings registry's counting, as the detectors use it from many request threads at once. */
class FindingsTest {
  private final List<Long> reportedCounts = new CopyOnWriteArrayList<>();

  @BeforeEach
  void install() {
    Findings.clear();
    Findings.install(new Sink() {
      @Override public void start(ExchangeState x) {}
      @Override public void step(ExchangeState x, Step step, long nanos) {}
      @Override public void end(ExchangeState x) {}
      @Override public void connection(long connectionId, boolean server, String event, String... keyValues) {}
      @Override public void finding(Finding f) {
        reportedCounts.add(f.count());
      }
    }, null);
  }

  @AfterEach
  void uninstall() {
    Findings.install(Sink.NONE, null);
    Findings.clear();
  }

  private static Finding missingTimeout(String site) {
    return new Finding(Finding.Kind.MISSING_TIMEOUT, null, "exchange without a deadline", "sent at", site, null,
        "set a timeout", null);
  }

  @Test
  void repeatFindsTheFindingByCallSiteAndCountsIt() {
    assertFalse(Findings.repeat(Finding.Kind.MISSING_TIMEOUT, "com.acme.A.run(A.java:1)"));
    Findings.report(missingTimeout("com.acme.A.run(A.java:1)"));
    assertTrue(Findings.repeat(Finding.Kind.MISSING_TIMEOUT, "com.acme.A.run(A.java:1)"));
    assertFalse(Findings.repeat(Finding.Kind.MISSING_TIMEOUT, "com.acme.B.run(B.java:2)"));
    assertFalse(Findings.repeat(Finding.Kind.STUCK_EXCHANGE, "com.acme.A.run(A.java:1)"));
    assertEquals(2, Findings.all().get(0).count());
    assertEquals(2, Findings.count(Finding.Kind.MISSING_TIMEOUT));
  }

  @Test
  void repeatOfAFindingWithNoCallSiteFindsIt() {
    Findings.report(missingTimeout(null));
    assertTrue(Findings.repeat(Finding.Kind.MISSING_TIMEOUT, null));
    assertEquals(2, Findings.all().get(0).count());
  }

  @Test
  void repeatsFromManyThreadsAreAllCountedAndReportedAtPowersOfTen() throws Exception {
    Findings.report(missingTimeout("com.acme.A.run(A.java:1)"));
    int threads = 8;
    int each = 125_000; // 1 + 8 * 125,000 = 1,000,001 occurrences: enough for a lost update to show
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) Findings.repeat(Finding.Kind.MISSING_TIMEOUT, "com.acme.A.run(A.java:1)");
      });
      worker.start();
      started.add(worker);
    }
    go.countDown();
    for (Thread t : started) t.join();
    assertEquals(1 + threads * each, Findings.all().get(0).count());
    assertEquals(7, reportedCounts.size(), reportedCounts.toString()); // the 1st, 10th, ... 1,000,000th
  }
}
