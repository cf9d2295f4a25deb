package io.httpdiag.agent.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.Step;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Detectors fed with synthetic exchanges: no agent, no bytecode. */
class DetectorsTest {
  private static final long SECOND = 1_000_000_000L;

  @BeforeEach
  void clear() {
    Findings.clear();
  }

  private static ExchangeState exchange(long id, String site) {
    ExchangeState x = new ExchangeState(id, false, 1_000);
    x.method = "GET";
    x.url = "http://svc:8080/items";
    x.hostPort = "svc:8080";
    x.callSite = site;
    x.connectionId = 12;
    return x;
  }

  private static List<String> kinds() {
    return Findings.all().stream().map(f -> f.kind.name()).collect(Collectors.toList());
  }

  @Test
  void bodyOpenPastTheThresholdIsReportedOnceThenClosedAfterAll() {
    BodyDetector d = new BodyDetector(30 * SECOND);
    ExchangeState x = exchange(1, "com.acme.Inventory.refresh(Inventory.java:88)");
    x.status = 200;
    x.contentLength = 4 << 20;
    x.responseHeadersAt = 2_000;
    d.inFlight(x, 2_000 + 29 * SECOND);
    assertEquals(List.of(), kinds(), "not yet 30 s");
    d.inFlight(x, 2_000 + 31 * SECOND);
    d.inFlight(x, 2_000 + 61 * SECOND);
    assertEquals(List.of("BODY_NOT_CLOSED"), kinds());
    Finding f = Findings.all().get(0);
    assertEquals(1, f.count(), "reported once");
    assertTrue(f.title().contains("4.0 MiB declared, connection c12 held"), f.text());
    assertEquals("com.acme.Inventory.refresh(Inventory.java:88)", f.callSite());
    x.bodyEnded = true;
    x.bodyEndAt = 2_000 + 62 * SECOND;
    x.responseBytes = 4 << 20;
    d.end(x);
    assertEquals(List.of("BODY_NOT_CLOSED", "BODY_CLOSED_LATE"), kinds());
  }

  @Test
  void bodyCollectedWhileOpenIsReportedAtOnceUnlessItsAgeWasReportedAlready() {
    BodyDetector d = new BodyDetector(30 * SECOND);
    ExchangeState x = exchange(1, "a.A.drop(A.java:5)");
    x.status = 200;
    x.contentLength = 1 << 20;
    x.responseHeadersAt = 2_000;
    x.bodyCollectedAt = 2_000 + SECOND / 2;
    x.closedBy = "collected";
    d.end(x);
    assertEquals(List.of("BODY_NOT_CLOSED"), kinds());
    Finding f = Findings.all().get(0);
    assertTrue(f.title().startsWith("response body collected unclosed 500ms after its headers: GET http://svc:8080/items"),
        f.text());
    assertTrue(f.title().contains("connection c12 never returned to the pool"), f.text());
    assertEquals("a.A.drop(A.java:5)", f.callSite());

    Findings.clear();
    ExchangeState old = exchange(2, "a.A.keep(A.java:6)");
    old.responseHeadersAt = 2_000;
    d.inFlight(old, 2_000 + 31 * SECOND);
    old.bodyCollectedAt = 2_000 + 40 * SECOND;
    d.end(old);
    assertEquals(List.of("BODY_NOT_CLOSED"), kinds(), "reported once, by age; no BODY_CLOSED_LATE for a collection");
  }

  @Test
  void jdkClientUnreachableWithoutCloseIsReportedWhereItWasBuiltAndAggregates() {
    ClientCreationDetector d = new ClientCreationDetector();
    d.client("jdkclient1", "clientStopped");
    d.client("jdkclient1", "clientShutdown");
    assertEquals(List.of(), kinds());
    d.client("jdkclient2", "clientUnreachable", "closed", "false", "builtAt", "a.A.call(A.java:9)");
    d.client("jdkclient3", "clientUnreachable", "closed", "false", "builtAt", "a.A.call(A.java:9)");
    assertEquals(List.of("CLIENT_NOT_CLOSED"), kinds());
    Finding f = Findings.all().get(0);
    assertEquals(2, f.count());
    assertEquals("a.A.call(A.java:9)", f.callSite());
    assertTrue(f.title().startsWith("HttpClient jdkclient3 became unreachable without close()"), f.text());
    assertTrue(f.fix().contains("close()"), f.text());
  }

  @Test
  void threadsStartedByTheTransportsAreNotTheApplications() {
    // the JDK HttpClient's executor starting a worker during send()
    assertTrue(notTheApplications("io.httpdiag.agent.runtime.ThreadTracker", "java.lang.Thread",
        "java.util.concurrent.ThreadPoolExecutor", "jdk.internal.net.http.HttpClientImpl$DelegatingExecutor",
        "jdk.internal.net.http.MultiExchange", "com.acme.Inventory"));
    // core-transport's timer, its SelectorManager-like threads
    assertTrue(notTheApplications("java.lang.Thread", "io.httpdiag.http.internal.Threads", "io.httpdiag.http.PersistConn",
        "com.acme.Inventory"));
    assertTrue(notTheApplications("java.lang.Thread", "java.lang.ref.Cleaner"), "no application frame at all");
    // the application's own: directly, through its executor, by reflection or a builder
    assertFalse(notTheApplications("java.lang.Thread", "com.acme.Inventory", "jdk.internal.net.http.HttpClientImpl"));
    assertFalse(notTheApplications("java.lang.VirtualThread", "java.lang.ThreadBuilders$VirtualThreadBuilder",
        "jdk.internal.reflect.DirectMethodHandleAccessor", "java.lang.reflect.Method", "com.acme.Worker"));
    assertFalse(notTheApplications("java.lang.Thread", "java.util.concurrent.ThreadPoolExecutor", "com.acme.Pool"));
    // JDK 17's CompletableFuture timer, started lazily by a library's orTimeout during a request: the JDK's
    assertTrue(notTheApplications("java.lang.Thread", "java.util.concurrent.ThreadPoolExecutor",
        "java.util.concurrent.ScheduledThreadPoolExecutor", "java.util.concurrent.CompletableFuture$Delayer",
        "java.util.concurrent.CompletableFuture", "org.springframework.http.client.JdkClientHttpRequest",
        "com.acme.Orders"));
  }

  @Test
  void pinningIsReportedOnlyWhenTheStackWaitsForTheNetwork() {
    List<String> classLoading = List.of("java.lang.VirtualThread", "jdk.internal.loader.BuiltinClassLoader",
        "java.lang.ClassLoader", "io.httpdiag.http.ServerConn", "java.lang.Thread");
    PinnedDetector.report(classLoading, classLoading, 25_000_000L, "Freeze or preempt failed (2)", "httpdiag-conn-2");
    assertEquals(List.of(), kinds(), "a connection thread loading a class is not HTTP I/O");
    List<String> io = List.of("java.lang.VirtualThread", "sun.nio.ch.NioSocketImpl", "java.net.Socket$SocketInputStream",
        "io.httpdiag.http.Client", "com.acme.Config", "com.acme.Config$Holder");
    List<String> frames = List.of("java.lang.VirtualThread.park(VirtualThread.java:1)", "b", "c", "d",
        "com.acme.Config.fetch(Config.java:12)", "com.acme.Config$Holder.<clinit>(Config.java:5)");
    PinnedDetector.report(io, frames, 226_000_000L, "VM call to com.acme.Config$Holder.<clinit> on stack", null);
    assertEquals(List.of("VIRTUAL_THREAD_PINNED"), kinds());
    Finding f = Findings.all().get(0);
    assertEquals("com.acme.Config.fetch(Config.java:12)", f.callSite());
    assertEquals("virtual thread pinned to its carrier for 226ms while blocked in HTTP I/O", f.title());
    assertTrue(f.text().contains("pinned because: VM call to com.acme.Config$Holder.<clinit> on stack"), f.text());
    List<String> jdkSend = List.of("java.util.concurrent.CompletableFuture", "jdk.internal.net.http.HttpClientImpl",
        "jdk.internal.net.http.HttpClientFacade", "com.acme.Other");
    PinnedDetector.report(jdkSend, List.of("a", "b", "c", "com.acme.Other.get(Other.java:3)"), 30_000_000L, null, null);
    assertEquals(2, Findings.all().size());
  }

  private static boolean notTheApplications(String... frames) {
    return io.httpdiag.agent.runtime.ThreadTrackerAccess.notTheApplications(List.of(frames));
  }

  @Test
  void bodyClosedEarlyIsReportedOnlyWhenTheConnectionWasLost() {
    BodyDetector d = new BodyDetector(30 * SECOND);
    ExchangeState kept = exchange(1, "a.A.a(A.java:1)");
    kept.bodyEnded = true;
    kept.closedBy = "close";
    kept.drained = false;
    kept.putIdleResult = "ok"; // remainder was buffered: nothing lost
    d.end(kept);
    assertEquals(List.of(), kinds());
    ExchangeState lost = exchange(2, "a.A.b(A.java:2)");
    lost.bodyEnded = true;
    lost.closedBy = "close";
    lost.contentLength = 1 << 20;
    lost.responseBytes = 1000;
    lost.putIdleResult = "undrained";
    d.end(lost);
    assertEquals(List.of("BODY_CLOSED_EARLY"), kinds());
    assertTrue(Findings.all().get(0).title().contains("1000 B read, 1023.0 KiB unread"), Findings.texts().toString());
  }

  @Test
  void repeatsAggregateByCallSiteAndAreReportedAtPowersOfTen() {
    TimeoutDetector d = new TimeoutDetector(30 * SECOND);
    for (int i = 0; i < 250; i++) {
      ExchangeState x = exchange(i, "a.Loop.run(Loop.java:7)");
      d.step(x, Step.EXCHANGE_START, 1);
    }
    List<Finding> all = Findings.all();
    assertEquals(1, all.size());
    assertEquals(250, all.get(0).count());
    assertEquals(250, Findings.count(Finding.Kind.MISSING_TIMEOUT));
  }

  @Test
  void exchangeWithADeadlineIsNotAFinding() {
    TimeoutDetector d = new TimeoutDetector(30 * SECOND);
    ExchangeState x = exchange(1, "a.A.a(A.java:1)");
    x.deadlineNanos = 5 * SECOND;
    d.step(x, Step.EXCHANGE_START, 1);
    d.inFlight(x, 100 * SECOND);
    assertEquals(List.of(), kinds());
  }

  @Test
  void aCheckPointDoesNotTurnAHandlerYoungerThanTheThresholdIntoAStuckFinding() throws Exception {
    TimeoutDetector d = new TimeoutDetector(30 * SECOND);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Thread handler = new Thread(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        // released
      }
    }, "httpdiag-conn-8");
    handler.start();
    long deadline = System.nanoTime() + 10 * SECOND;
    while (handler.getState() != Thread.State.WAITING && System.nanoTime() < deadline) Thread.onSpinWait();
    try {
      ExchangeState x = new ExchangeState(8, true, System.nanoTime());
      x.method = "GET";
      x.url = "/big";
      x.connectionId = 7;
      x.thread = handler;
      x.handlerStartAt = System.nanoTime() - 2_000_000L; // writing a body for 2 ms: ordinary work
      long checkPoint = System.nanoTime() + java.util.concurrent.TimeUnit.DAYS.toNanos(1); // what Findings.sweep passes
      d.inFlight(x, checkPoint);
      assertEquals(List.of(), kinds(), "a check point judges a handler by its real age");

      x.handlerStartAt = System.nanoTime() - 31 * SECOND; // really past detect.stuck.after
      d.inFlight(x, System.nanoTime());
      assertEquals(List.of("STUCK_EXCHANGE"), kinds());
      Finding f = Findings.all().get(0);
      assertTrue(f.title().startsWith("handler still running after 31.0s: GET /big on connection c7"), f.text());
      assertFalse(f.callSite().contains("(unknown)"), f.text());
      assertTrue(f.stack().length > 0, "a STUCK line always shows where the thread is: " + f.text());
    } finally {
      release.countDown();
      handler.join(10_000);
    }
  }

  @Test
  void aHandlerSiteIsTheHandlersFrameOrElseTheTopFrameNeverUnknown() {
    assertEquals("com.acme.Api.big(Api.java:9)", TimeoutDetector.handlerSite(new String[] {
        "java.base/java.net.SocketOutputStream.write(SocketOutputStream.java:1)",
        "io.httpdiag.http.internal.ServerConn.write(ServerConn.java:2)", "app//com.acme.Api.big(Api.java:9)"}));
    assertEquals("io.httpdiag.http.internal.ServerConn.write(ServerConn.java:2)", TimeoutDetector.handlerSite(
        new String[] {"app//io.httpdiag.http.internal.ServerConn.write(ServerConn.java:2)"}));
  }

  @Test
  void serverWithoutHeaderTimeoutIsASlowlorisRisk() {
    TimeoutDetector d = new TimeoutDetector(30 * SECOND);
    d.configured("server", "a.Main.main(Main.java:3)", 0, 0, 0, 0, 1 << 20);
    d.configured("server", "a.Main.main(Main.java:4)", 5 * SECOND, 0, 0, 0, 1 << 20);
    assertEquals(List.of("MISSING_TIMEOUT"), kinds());
    assertEquals("a.Main.main(Main.java:3)", Findings.all().get(0).callSite());
  }

  @Test
  void transportsBuiltAgainAndAgainAtOneSiteAreClientPerRequest() {
    ClientCreationDetector d = new ClientCreationDetector();
    for (int i = 0; i < ClientCreationDetector.THRESHOLD - 1; i++) d.configured("transport", "a.A.call(A.java:9)", 1);
    d.configured("transport", "b.B.init(B.java:1)", 1);
    assertEquals(List.of(), kinds());
    d.configured("transport", "a.A.call(A.java:9)", 1);
    assertEquals(List.of("CLIENT_PER_REQUEST"), kinds());
  }

  @Test
  void dialsBeyondTwiceTheConcurrencyAreChurnButAWarmUpBurstIsNot() {
    ChurnDetector d = new ChurnDetector();
    long t = 1;
    // Warm-up: 50 concurrent exchanges, each dials once.
    ExchangeState[] burst = new ExchangeState[50];
    for (int i = 0; i < 50; i++) {
      burst[i] = exchange(i, "a.A.a(A.java:1)");
      burst[i].getConnAt = t;
      d.step(burst[i], Step.GET_CONN, t);
    }
    for (ExchangeState x : burst) d.step(x, Step.CONNECT_DONE, ++t);
    for (ExchangeState x : burst) d.end(x);
    assertEquals(List.of(), kinds());
    // Churn: one at a time, a new connection for each.
    for (int i = 100; i < 200; i++) {
      ExchangeState x = exchange(i, "a.A.a(A.java:1)");
      x.getConnAt = ++t;
      d.step(x, Step.GET_CONN, t);
      d.step(x, Step.CONNECT_DONE, ++t);
      d.end(x);
    }
    assertEquals(List.of("POOL_CHURN"), kinds());
  }

  /**
   * Through the dispatch: each step reaches the detectors that act on it (a detector left out of
   * a step's table would lose its findings silently).
   */
  @Test
  void everyStepReachesTheDetectorsThatActOnIt() {
    Detectors d = new Detectors(io.httpdiag.agent.runtime.Config.defaults(), io.httpdiag.agent.runtime.Sink.NONE);
    long t = 1;
    ExchangeState[] xs = new ExchangeState[30];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = exchange(i, "a.Worker.call(Worker.java:7)");
      d.step(xs[i], Step.EXCHANGE_START, ++t); // no deadline: MISSING_TIMEOUT
      xs[i].getConnAt = ++t;
      d.step(xs[i], Step.GET_CONN, t);
    }
    xs[0].poolWaitNanos = 5 * SECOND;
    d.step(xs[0], Step.POOL_WAIT, ++t); // POOL_EXHAUSTED
    for (int i = 1; i < xs.length; i++) {
      xs[i].putIdleResult = "poolFull";
      d.step(xs[i], Step.PUT_IDLE_CONN, ++t); // POOL_CHURN
    }
    assertEquals(List.of("MISSING_TIMEOUT", "POOL_EXHAUSTED", "POOL_CHURN"), kinds());
  }

  @Test
  void poolChurnAlwaysNamesASentAtLineAndWhereThePoolWasConfigured() {
    ChurnDetector d = new ChurnDetector();
    d.configured("transport", "a.Config.pool(Config.java:12)", 0, 0, 0, 0, 100, 2, 0, 0);
    d.configured("transport", "a.Config.bigPool(Config.java:20)", 0, 0, 0, 0, 100, 64, 0, 0);
    long t = 1;
    ExchangeState[] xs = new ExchangeState[30];
    for (int i = 0; i < xs.length; i++) {
      // sampled call sites run out under load: only the first exchange has one
      xs[i] = exchange(i, i == 0 ? "a.Worker.call(Worker.java:7)" : io.httpdiag.agent.runtime.CallSite.UNKNOWN);
      xs[i].getConnAt = ++t;
      d.step(xs[i], Step.GET_CONN, t);
    }
    for (int i = 1; i < xs.length; i++) {
      xs[i].putIdleResult = "poolFull";
      d.step(xs[i], Step.PUT_IDLE_CONN, ++t);
    }
    List<Finding> all = Findings.all();
    assertEquals(List.of("POOL_CHURN"), kinds());
    Finding f = all.get(0);
    assertEquals(29, f.count());
    assertEquals("a.Worker.call(Worker.java:7)", f.callSite(), "never (call site not sampled): " + f.text());
    assertTrue(f.text().contains("\n  first sent at a.Worker.call(Worker.java:7)"), f.text());
    assertTrue(f.text().contains("\n  idle pool configured at a.Config.pool(Config.java:12) (maxIdleConnsPerHost=2)"),
        f.text());
    assertFalse(f.text().contains("bigPool"), "a pool larger than the concurrency is not the one: " + f.text());
  }

  @Test
  void redialsAfterAFullIdlePoolAreThePoolFullFindingsOnlyAndDoNotSpillIntoALaterWellSizedPool() {
    ChurnDetector d = new ChurnDetector();
    long t = 1;
    // 100 callers, an idle pool of 2: nearly every connection is closed after use and redialed.
    for (int round = 0; round < 10; round++) {
      ExchangeState[] burst = new ExchangeState[100];
      for (int i = 0; i < burst.length; i++) {
        burst[i] = exchange(round * 100 + i, "a.A.a(A.java:1)");
        burst[i].getConnAt = ++t;
        d.step(burst[i], Step.GET_CONN, t);
        d.step(burst[i], Step.CONNECT_DONE, ++t);
      }
      for (int i = 0; i < burst.length; i++) {
        if (i >= 2) {
          burst[i].putIdleResult = "poolFull";
          d.step(burst[i], Step.PUT_IDLE_CONN, ++t);
        }
        d.end(burst[i]);
      }
    }
    // The same host right after, with a pool sized for the 100 callers: 100 dials of warm-up.
    for (int i = 0; i < 100; i++) {
      ExchangeState x = exchange(5000 + i, "a.A.fixed(A.java:2)");
      x.getConnAt = ++t;
      d.step(x, Step.GET_CONN, t);
      d.step(x, Step.CONNECT_DONE, ++t);
    }
    List<String> titles = Findings.all().stream().map(Finding::title).collect(Collectors.toList());
    assertEquals(1, titles.size(), titles.toString());
    assertTrue(titles.get(0).contains("closed after use because the idle pool was full"), titles.toString());
  }

  @Test
  void redialsAfterTheServerClosedTheConnectionAreNotChurn() {
    ChurnDetector d = new ChurnDetector();
    long t = 1;
    // One at a time, and the server answers every request with Connection: close.
    for (int i = 0; i < 200; i++) {
      ExchangeState x = exchange(i, "a.A.a(A.java:1)");
      x.getConnAt = ++t;
      d.step(x, Step.GET_CONN, t);
      d.step(x, Step.CONNECT_DONE, ++t);
      x.putIdleResult = "connectionClose";
      d.step(x, Step.PUT_IDLE_CONN, ++t);
      d.end(x);
    }
    assertEquals(List.of(), kinds());
  }
}
