package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The JDK HttpClient, unmodified ({@code testapp.JdkClientTraffic}), against the core-transport
 * server on loopback, with the agent on every JDK installed: lifecycle log, JFR events, every body
 * handler, semantics with and without the agent, and attach to a JVM with a live client.
 */
class JdkHttpClientIT {
  static final String APP = "io.httpdiag.agent.testapp.JdkClientTraffic";

  static final List<String> FRESH = List.of(
      "httpdiag jdkclient1 clientCreated version=HTTP_1_1 redirect=NORMAL connectTimeout=none",
      "httpdiag #j1 GET http://127.0.0.1:P/hello getConn 127.0.0.1:P requestTimeout=none connectTimeout=none",
      "httpdiag #j1 +T dnsStart host=127.0.0.1",
      "httpdiag #j1 +T dnsDone addrs=127.0.0.1",
      "httpdiag #j1 +T connectStart addr=127.0.0.1:P",
      "httpdiag #j1 +T connectDone addr=127.0.0.1:P conn=jc1",
      "httpdiag #j1 +T gotConn reused=false wasIdle=false conn=jc1",
      "httpdiag #j1 +T wroteHeaders",
      "httpdiag #j1 +T wroteRequest bytes=0",
      "httpdiag #j1 +T gotFirstResponseByte",
      "httpdiag #j1 +T gotResponseHeaders status=200 contentLength=13",
      "httpdiag #j1 +T bodyEnd bytes=13 drained=true closedBy=complete -> putIdleConn ok",
      "httpdiag #j1 GET http://127.0.0.1:P/hello status=200 total=T dns=T connect=T waitForConn=T firstByte=T body=T"
          + " reused=false wasIdle=false conn=jc1 bytes=13 drained=true -> putIdleConn ok");
  static final List<String> REUSED = List.of(
      "httpdiag #j2 GET http://127.0.0.1:P/hello getConn 127.0.0.1:P requestTimeout=none connectTimeout=none",
      "httpdiag #j2 +T dnsStart host=127.0.0.1",
      "httpdiag #j2 +T dnsDone addrs=127.0.0.1",
      "httpdiag #j2 +T gotConn reused=true wasIdle=true idle=T conn=jc1",
      "httpdiag #j2 +T wroteHeaders",
      "httpdiag #j2 +T wroteRequest bytes=0",
      "httpdiag #j2 +T gotFirstResponseByte",
      "httpdiag #j2 +T gotResponseHeaders status=200 contentLength=13",
      "httpdiag #j2 +T bodyEnd bytes=13 drained=true closedBy=complete -> putIdleConn ok",
      "httpdiag #j2 GET http://127.0.0.1:P/hello status=200 total=T dns=T waitForConn=T firstByte=T body=T"
          + " reused=true wasIdle=true idle=T conn=jc1 bytes=13 drained=true -> putIdleConn ok");
  static final List<String> TLS = List.of(
      "httpdiag jdkclient2 clientCreated version=HTTP_1_1 redirect=NEVER connectTimeout=none",
      "httpdiag #j3 GET https://127.0.0.1:P/hello getConn 127.0.0.1:P requestTimeout=none connectTimeout=none",
      "httpdiag #j3 +T dnsStart host=127.0.0.1",
      "httpdiag #j3 +T dnsDone addrs=127.0.0.1",
      "httpdiag #j3 +T connectStart addr=127.0.0.1:P",
      "httpdiag #j3 +T connectDone addr=127.0.0.1:P conn=jc2",
      "httpdiag #j3 +T tlsHandshakeStart conn=jc2",
      "httpdiag #j3 +T tlsHandshakeDone protocol=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 alpn=none",
      "httpdiag #j3 +T gotConn reused=false wasIdle=false conn=jc2",
      "httpdiag #j3 +T wroteHeaders",
      "httpdiag #j3 +T wroteRequest bytes=0",
      "httpdiag #j3 +T gotFirstResponseByte",
      "httpdiag #j3 +T gotResponseHeaders status=200 contentLength=13",
      "httpdiag #j3 +T bodyEnd bytes=13 drained=true closedBy=complete -> putIdleConn ok",
      "httpdiag #j3 GET https://127.0.0.1:P/hello status=200 total=T dns=T connect=T tls=T waitForConn=T firstByte=T"
          + " body=T reused=false wasIdle=false conn=jc2 bytes=13 drained=true -> putIdleConn ok");

  @TestFactory
  List<DynamicTest> fullLogShowsNewReusedAndTlsConnections() throws Exception {
    return perJdk(java -> {
      ChildJvm.Result r = app(java).agent("log=full").args("fresh", "reused", "tls").run();
      assertHealthy(r);
      List<String> log = jdkLog(r);
      List<String> expected = new ArrayList<>(FRESH);
      expected.addAll(REUSED);
      expected.addAll(TLS);
      assertEquals(expected, log.stream().filter(l -> !l.contains(" connClosed ")).collect(Collectors.toList()), r.toString());
      // Both connections close when the servers stop; which goes first is up to the JDK's selector thread.
      assertEquals(List.of("httpdiag jc1 connClosed reason=peerClosed", "httpdiag jc2 connClosed reason=peerClosed"),
          log.stream().filter(l -> l.contains(" connClosed ")).sorted().collect(Collectors.toList()), r.toString());
    });
  }

  @TestFactory
  List<DynamicTest> jfrHasExchangeAndConnectionEventsForNewReusedAndTls() throws Exception {
    return perJdk(java -> {
      Path jfr = ChildJvm.workDir().resolve("jdk-" + ProcessHandle.current().pid() + "-" + java.hashCode() + ".jfr");
      Files.deleteIfExists(jfr);
      ChildJvm.Result r = app(java).agent("log=off")
          .jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc())
          .args("fresh", "reused", "tls").run();
      assertHealthy(r);
      List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);
      List<RecordedEvent> exchanges = named(events, "httpdiag.Exchange");
      assertEquals(3, exchanges.size(), "exchanges: " + exchanges);
      RecordedEvent fresh = exchange(exchanges, 1);
      assertEquals("jdk", fresh.getString("client"));
      assertEquals("GET", fresh.getString("method"));
      assertEquals(200, fresh.getInt("status"));
      assertEquals(1, fresh.getLong("connectionId"));
      assertFalse(fresh.getBoolean("reused"));
      assertEquals(13, fresh.getLong("responseBytes"));
      assertEquals("pooled", fresh.getString("outcome"));
      assertTrue(fresh.getDuration("connectDuration").toNanos() > 0, "connect");
      assertTrue(fresh.getDuration("firstByteDuration").toNanos() > 0, "firstByte");
      RecordedEvent reused = exchange(exchanges, 2);
      assertTrue(reused.getBoolean("reused"));
      assertTrue(reused.getBoolean("wasIdle"));
      assertTrue(reused.getDuration("idleTime").toNanos() > 0, "idle");
      assertEquals(Long.MIN_VALUE, reused.getLong("connectDuration"), "no connect on a reused connection: N/A, not 0");
      RecordedEvent tls = exchange(exchanges, 3);
      assertTrue(tls.getDuration("tlsDuration").toNanos() > 0, "tls");
      assertEquals(2, tls.getLong("connectionId"));

      List<RecordedEvent> connections = named(events, "httpdiag.Connection");
      assertEquals(2, connections.size(), "connections: " + connections);
      RecordedEvent tlsConn = connections.stream().filter(e -> e.getLong("connectionId") == 2).findFirst().orElseThrow();
      assertEquals("jdk", tlsConn.getString("client"));
      assertEquals("TLSv1.3", tlsConn.getString("tlsProtocol"));
      assertEquals("none", tlsConn.getString("alpn"));
      assertTrue(tlsConn.getDuration("tlsDuration").toNanos() > 0);
      assertTrue(tlsConn.getDuration("connectDuration").toNanos() > 0);
    });
  }

  @TestFactory
  List<DynamicTest> everyBodyHandlerEndsTheExchangeWithBytesAndHowItEnded() throws Exception {
    return perJdk(java -> {
      ChildJvm.Result r = app(java).agent("log=full")
          .args("string", "bytes", "discarding", "stream", "streamClosedEarly", "lines", "publisher", "file").run();
      assertHealthy(r);
      List<String> ends = jdkLog(r).stream().filter(l -> l.contains(" bodyEnd ")).collect(Collectors.toList());
      assertEquals(List.of(
          "httpdiag #j1 +T bodyEnd bytes=13 drained=true closedBy=complete -> putIdleConn ok",
          "httpdiag #j2 +T bodyEnd bytes=13 drained=true closedBy=complete -> putIdleConn ok",
          "httpdiag #j3 +T bodyEnd bytes=13 drained=true closedBy=complete -> putIdleConn ok",
          "httpdiag #j4 +T bodyEnd bytes=13 drained=true closedBy=eof -> putIdleConn ok",
          "httpdiag #j5 +T bodyEnd bytes=N drained=false closedBy=closeBeforeEof -> putIdleConn undrained",
          "httpdiag #j6 +T bodyEnd bytes=13 drained=true closedBy=eof -> putIdleConn ok",
          "httpdiag #j7 +T bodyEnd bytes=13 drained=true closedBy=complete -> putIdleConn ok",
          "httpdiag #j8 +T bodyEnd bytes=13 drained=true closedBy=complete -> putIdleConn ok"),
          ends.stream().map(l -> l.replaceAll("bytes=\\d{3,}", "bytes=N")).collect(Collectors.toList()), r.toString());
      assertTrue(jdkLog(r).contains("httpdiag jc1 connClosed reason=undrained"), r.toString());
    });
  }

  @TestFactory
  List<DynamicTest> cancelTimeoutHandlerErrorAndRedirectBehaveAsWithoutTheAgent() throws Exception {
    // sync first: the connect of a cold JVM does not count against the timeout scenario's 1 s.
    String[] scenarios = {"sync", "redirect", "handlerError", "cancel", "timeout"};
    return perJdk(java -> {
      ChildJvm.Result with = app(java).agent("log=full").args(scenarios).run();
      assertHealthy(with);
      ChildJvm.Result without = app(java).args(scenarios).run();
      assertEquals(0, without.exitCode, without.toString());
      assertEquals(outcomes(without), outcomes(with));
      assertEquals(List.of(
          "testapp: sync 13",
          "testapp: redirect 200 /hello",
          "testapp: handlerError failed java.lang.IllegalStateException: handler refuses 200 done=true exceptionally=true",
          "testapp: cancel cancel()=true done=true ended=java.util.concurrent.CancellationException",
          "testapp: timeout failed java.net.http.HttpTimeoutException: request timed out done=true exceptionally=true"),
          outcomes(with));
      List<String> log = jdkLog(with);
      String all = String.join("\n", log);
      assertTrue(log.stream().anyMatch(l -> l.startsWith("httpdiag #j1 GET http://127.0.0.1:P/hello status=200 ")),
          "send() is one exchange:\n" + all);
      assertContains(log, "httpdiag #j2 +T gotResponseHeaders status=302 contentLength=0");
      assertContains(log, "httpdiag #j2 +T redirect status=302 to=http://127.0.0.1:P/hello");
      assertTrue(log.stream().anyMatch(l -> l.startsWith("httpdiag #j2 GET http://127.0.0.1:P/redirect status=200 ")
          && l.contains(" redirects=1 bytes=13 drained=true -> putIdleConn ok")), all);
      assertContains(log, "httpdiag #j3 +T exchangeFailed error=java.lang.IllegalStateException: handler refuses 200");
      assertContains(log, "httpdiag #j4 +T canceled where=future.cancel(true)");
      assertTrue(log.stream().anyMatch(l -> l.startsWith("httpdiag #j4 GET http://127.0.0.1:P/slow total=T")
          && l.endsWith(" canceled=future.cancel(true) error=java.io.IOException: Request cancelled")), all);
      assertContains(log, "httpdiag #j5 GET http://127.0.0.1:P/slow getConn 127.0.0.1:P requestTimeout=1000ms connectTimeout=none");
      assertContains(log, "httpdiag #j5 +T timeout kind=request");
      assertContains(log, "httpdiag #j5 +T exchangeFailed error=java.net.http.HttpTimeoutException: request timed out");
      assertFalse(log.stream().anyMatch(l -> l.startsWith("httpdiag #j6")), "no double counting:\n" + all);
    });
  }

  @TestFactory
  List<DynamicTest> http2OverTlsReusesOneConnectionWithAStreamPerExchange() throws Exception {
    return perJdk(java -> {
      Path jfr = ChildJvm.workDir().resolve("h2-" + ProcessHandle.current().pid() + "-" + java.hashCode() + ".jfr");
      Files.deleteIfExists(jfr);
      ChildJvm.Result r = app(java).agent("log=full")
          .jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc()).args("h2").run();
      assertHealthy(r);
      assertEquals(List.of("testapp: h2 HTTP_2 13", "testapp: h2 HTTP_2 13", "testapp: h2 HTTP_2 HTTP_2"), outcomes(r));
      List<String> log = jdkLog(r);
      String all = String.join("\n", log);
      assertContains(log, "httpdiag #j1 GET https://127.0.0.1:P/hello getConn 127.0.0.1:P requestTimeout=none connectTimeout=none");
      assertContains(log, "httpdiag #j1 +T connectDone addr=127.0.0.1:P conn=jc1");
      assertContains(log, "httpdiag #j1 +T tlsHandshakeDone protocol=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 alpn=h2");
      assertContains(log, "httpdiag #j1 +T gotConn reused=false wasIdle=false conn=jc1");
      assertContains(log, "httpdiag jc1 h2Connection");
      for (int i = 1; i <= 4; i++) {
        String id = "#j" + i;
        if (i > 1) assertContains(log, "httpdiag " + id + " +T gotConn reused=true wasIdle=false conn=jc1");
        assertContains(log, "httpdiag " + id + " +T gotFirstResponseByte");
        assertContains(log, "httpdiag " + id + " +T gotResponseHeaders status=200 contentLength=13");
        assertTrue(log.stream().anyMatch(l -> l.startsWith("httpdiag " + id + " GET https://127.0.0.1:P/hello status=200 ")
            && l.endsWith(" conn=jc1 -> putIdleConn streamClosed") || l.endsWith(" conn=jc1 bytes=13 drained=true -> putIdleConn streamClosed")
            || l.endsWith(" conn=jc1 bytes=-1 drained=true -> putIdleConn streamClosed")), id + ":\n" + all);
      }
      assertFalse(log.stream().anyMatch(l -> l.contains("connectStart") && !l.startsWith("httpdiag #j1 ")), "one dial:\n" + all);
      assertContains(log, "httpdiag jc1 connClosed reason=peerClosed");

      List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);
      List<RecordedEvent> exchanges = named(events, "httpdiag.Exchange");
      assertEquals(4, exchanges.size(), "exchanges: " + exchanges);
      assertTrue(exchanges.stream().allMatch(e -> e.getLong("connectionId") == 1 && e.getInt("status") == 200), exchanges.toString());
      assertEquals(3, exchanges.stream().filter(e -> e.getBoolean("reused")).count(), exchanges.toString());
      List<RecordedEvent> connections = named(events, "httpdiag.Connection");
      assertEquals(1, connections.size(), "connections: " + connections);
      assertEquals("h2", connections.get(0).getString("alpn"));
    });
  }

  @TestFactory
  List<DynamicTest> attachTracesTrafficAfterAndMarksTheEarlierConnectionUnknown() throws Exception {
    return perJdk(java -> {
      try (ChildJvm.Started app = app(java).args("--wait", "reused", "fresh").start()) {
        app.awaitStdout(l -> l.equals("testapp: waiting"), Duration.ofSeconds(90));
        ChildJvm.Result cli = ChildJvm.simulated().java(java).jvmArg("-jar", ChildJvm.agentJar().toString())
            .mainClassless("attach", Long.toString(app.pid()), "log=full").run();
        assertEquals(0, cli.exitCode, cli.toString());
        app.sendLine("go");
        ChildJvm.Result r = app.await(Duration.ofSeconds(ChildJvm.DEFAULT_DEADLINE_SECONDS));
        assertHealthy(r);
        List<String> log = jdkLog(r);
        // The client and its pooled connection predate the attach: the connection's history is unknown.
        assertEquals("httpdiag #j1 GET http://127.0.0.1:P/hello getConn 127.0.0.1:P requestTimeout=none connectTimeout=none",
            log.get(0), r.toString());
        assertContains(log, "httpdiag #j1 +T gotConn reused=true wasIdle=true idle=unknown conn=jc1");
        assertContains(log, "httpdiag #j1 +T bodyEnd bytes=13 drained=true closedBy=complete -> putIdleConn ok");
        assertContains(log, "httpdiag #j2 +T gotConn reused=true wasIdle=true idle=T conn=jc1");
        assertFalse(log.stream().anyMatch(l -> l.contains("clientCreated")), "the client was made before:\n" + r);
      }
    });
  }

  // ------------------------------------------------------------------ helpers

  interface JdkTest {
    void run(String java) throws Exception;
  }

  static List<DynamicTest> perJdk(JdkTest test) throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path java : AllJdksIT.installedJdks().values()) {
      tests.add(DynamicTest.dynamicTest(java.toString(), () -> test.run(java.toString())));
    }
    assertFalse(tests.isEmpty(), "no JDK installed under /usr/lib/jvm");
    return tests;
  }

  static ChildJvm app(String java) {
    return ChildJvm.simulated().java(java).mainClass(APP);
  }

  /** Zero transformation errors and internal failures, every JDK hook found and applied. */
  static void assertHealthy(ChildJvm.Result r) {
    String counters = r.testapp("counters");
    if (r.exitCode != 0 || !counters.contains(" transformationErrors=0 ") || !counters.contains(" failures=0 ")
        || !counters.contains(" jdkHooksMissing=0") || counters.contains(" jdkClassesTransformed=0 ")
        || r.stderr.stream().anyMatch(l -> l.startsWith("httpdiag: warning"))) {
      fail("unhealthy child run (exit " + r.exitCode + "): " + counters + "\n" + r);
    }
  }

  /** The JDK HttpClient's log lines (not core-transport's server), normalized: timings, ports and idle times. */
  static List<String> jdkLog(ChildJvm.Result r) {
    return ChildJvm.normalize(r.log()).stream()
        .filter(l -> l.startsWith("httpdiag #j") || l.startsWith("httpdiag jc") || l.startsWith("httpdiag jdkclient"))
        .map(l -> l.replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:P").replaceAll("idle=\\d+\\.\\d\\dms", "idle=T"))
        .collect(Collectors.toList());
  }

  static List<String> outcomes(ChildJvm.Result r) {
    return r.stdout.stream().filter(l -> l.startsWith("testapp: ")).filter(l -> !l.startsWith("testapp: counters")
        && !l.startsWith("testapp: runtimeLoader") && !l.startsWith("testapp: installed") && !l.startsWith("testapp: no agent")
        && !l.startsWith("testapp: java.version") && !l.startsWith("testapp: done")).collect(Collectors.toList());
  }

  static void assertContains(List<String> log, String line) {
    assertTrue(log.contains(line), "missing line: " + line + "\nin:\n" + String.join("\n", log));
  }

  static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
    return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
  }

  static RecordedEvent exchange(List<RecordedEvent> exchanges, long id) {
    return exchanges.stream().filter(e -> e.getLong("exchangeId") == id).findFirst()
        .orElseThrow(() -> new AssertionError("no exchange " + id + " in " + exchanges));
  }
}
