package io.httpdiag.agent.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The servlet containers' timeout rules, fed as the Tomcat and Jetty adapters report a started connector. */
class ServerTimeoutRulesTest {
  private static final long SECOND = 1_000_000_000L;
  private final TimeoutDetector detector = new TimeoutDetector(30 * SECOND);

  @BeforeEach
  void clear() {
    Findings.clear();
  }

  @Test
  void tomcatDefaultsAndFiniteTimeoutsAreNotReported() {
    detector.configured("tomcatServer", "a.Main.main(Main.java:1)", 60 * SECOND, 60 * SECOND, 30 * SECOND, 8080);
    detector.configured("tomcatServer", "a.Main.main(Main.java:2)", 3600 * SECOND, 1, 1, 8081);
    assertEquals(List.of(), titles());
  }

  @Test
  void tomcatWithoutConnectionTimeoutIsASlowlorisRiskAndNamesEveryUnboundedSetting() {
    detector.configured("tomcatServer", "a.Main.main(Main.java:3)", 0, 0, 0, 8080);
    List<String> titles = titles();
    assertEquals(1, titles.size(), titles.toString());
    assertTrue(titles.get(0).startsWith("Tomcat connector on port 8080 without connectionTimeout"), titles.get(0));
    assertTrue(titles.get(0).contains("asyncTimeout"), titles.get(0));
    // keepAliveTimeout follows connectionTimeout when unset: not named again.
    assertTrue(!titles.get(0).contains("keepAliveTimeout"), titles.get(0));
    assertEquals("a.Main.main(Main.java:3)", Findings.all().get(0).callSite());
  }

  @Test
  void tomcatKeepAliveOrAsyncTimeoutSetToNoneIsReportedAlone() {
    detector.configured("tomcatServer", "a.Main.main(Main.java:4)", 20 * SECOND, 0, 30 * SECOND, 8080);
    detector.configured("tomcatServer", "a.Main.main(Main.java:5)", 20 * SECOND, 20 * SECOND, 0, 8081);
    assertEquals(List.of("Tomcat connector on port 8080 without keepAliveTimeout (idle keep-alive connections are never closed)",
        "Tomcat connector on port 8081 without asyncTimeout (an async request never completed holds its connection)"),
        titles());
  }

  @Test
  void jettyIsReportedOnlyWhenTheConnectorsIdleTimeoutIsNone() {
    detector.configured("jettyServer", "a.Main.main(Main.java:6)", 30 * SECOND, 0, 8080);
    detector.configured("jettyServer", "a.Main.main(Main.java:7)", 30 * SECOND, 3600 * SECOND, 8081);
    assertEquals(List.of(), titles());
    detector.configured("jettyServer", "a.Main.main(Main.java:8)", 0, 0, 8082);
    assertEquals(1, titles().size());
    assertTrue(titles().get(0).startsWith("Jetty connector on port 8082 without idleTimeout"), titles().get(0));
  }

  @Test
  void aStuckServletGetsTheServletFixNotCoreTransports() {
    assertEquals(ServletFixes.STUCK_HANDLER, ServletFixes.stuckHandler(io.httpdiag.agent.runtime.HttpLibrary.TOMCAT.id(7)));
    assertEquals(ServletFixes.STUCK_HANDLER, ServletFixes.stuckHandler(io.httpdiag.agent.runtime.HttpLibrary.JETTY.id(7)));
    assertEquals(Fixes.STUCK_HANDLER, ServletFixes.stuckHandler(7));
  }

  /** A container thread with only container and JDK frames (still loading classes, mapping) is not the servlet's doing. */
  @Test
  void aServletThreadNotYetInTheApplicationIsLookedAtAgainNotReported() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Thread worker = new Thread(() -> {
      try {
        release.await(); // only JDK frames above Thread.run: no application frame
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "http-nio-exec-1");
    worker.start();
    try {
      long deadline = System.nanoTime() + 10 * SECOND;
      while (worker.getState() != Thread.State.WAITING && System.nanoTime() < deadline) Thread.onSpinWait();
      for (io.httpdiag.agent.runtime.HttpLibrary l : List.of(io.httpdiag.agent.runtime.HttpLibrary.TOMCAT,
          io.httpdiag.agent.runtime.HttpLibrary.JETTY)) {
        io.httpdiag.agent.runtime.ExchangeState x = new io.httpdiag.agent.runtime.ExchangeState(l.id(1), true,
            System.nanoTime());
        x.method = "GET";
        x.url = "/stuck";
        x.thread = worker;
        x.handlerStartAt = System.nanoTime() - 31 * SECOND;
        detector.inFlight(x, System.nanoTime());
        assertEquals(List.of(), titles(), l.name());
        assertTrue(!x.stuckReported, "looked at again at the next pass");
      }
    } finally {
      release.countDown();
      worker.join(10_000);
    }
  }

  private static List<String> titles() {
    return Findings.all().stream().map(Finding::title).collect(Collectors.toList());
  }
}
