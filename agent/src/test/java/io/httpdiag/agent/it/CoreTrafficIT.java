package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/**
 * Real traffic: the core-transport client against the core-transport server in a child JVM with
 * the agent. Ids, ports and timings vary between runs (client and server share the id counters and
 * race for them), so they are normalized; the order of steps and every other field is exact.
 */
class CoreTrafficIT {
  private static final String CORE_TRAFFIC = "io.httpdiag.agent.testapp.CoreTraffic";

  static List<String> normalizeIds(List<String> lines) {
    return ChildJvm.normalize(lines).stream()
        .map(l -> l.replaceAll("#\\d+", "#N").replaceAll("\\bc\\d+\\b", "cN")
            .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:P").replaceAll("idle=\\d+\\.\\d\\dms", "idle=T")
            .replaceAll("cipher=\\S+", "cipher=C"))
        .collect(Collectors.toList());
  }

  @Test
  void clientLinesForFreshReusedAndTlsExchanges() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().mainClass(CORE_TRAFFIC).agent("log=full")
        .args("fresh", "reused", "tls").run().assertHealthy();
    List<String> client = normalizeIds(r.log().stream().filter(l -> !l.contains(" server ")).collect(Collectors.toList()));
    assertEquals(List.of(
        "httpdiag #N GET http://127.0.0.1:P/api?<redacted> getConn 127.0.0.1:P",
        "httpdiag #N +T connectStart addr=127.0.0.1:P",
        "httpdiag #N +T connectDone addr=127.0.0.1:P conn=cN",
        "httpdiag #N +T gotConn reused=false wasIdle=false conn=cN",
        "httpdiag #N +T wroteHeaders",
        "httpdiag #N +T wroteRequest bytes=0",
        "httpdiag #N +T gotFirstResponseByte",
        "httpdiag #N +T gotResponseHeaders status=200 contentLength=13",
        "httpdiag #N +T bodyEnd bytes=13 drained=true closedBy=eof -> putIdleConn ok",
        "httpdiag #N GET http://127.0.0.1:P/api?<redacted> status=200 total=T connect=T waitForConn=T firstByte=T body=T"
            + " reused=false wasIdle=false conn=cN bytes=13 drained=true -> putIdleConn ok",
        "httpdiag #N GET http://127.0.0.1:P/api?<redacted> getConn 127.0.0.1:P",
        "httpdiag #N +T gotConn reused=true wasIdle=true idle=T conn=cN",
        "httpdiag #N +T wroteHeaders",
        "httpdiag #N +T wroteRequest bytes=0",
        "httpdiag #N +T gotFirstResponseByte",
        "httpdiag #N +T gotResponseHeaders status=200 contentLength=13",
        "httpdiag #N +T bodyEnd bytes=13 drained=true closedBy=eof -> putIdleConn ok",
        "httpdiag #N GET http://127.0.0.1:P/api?<redacted> status=200 total=T waitForConn=T firstByte=T body=T"
            + " reused=true wasIdle=true idle=T conn=cN bytes=13 drained=true -> putIdleConn ok",
        "httpdiag #N GET https://127.0.0.1:P/tls getConn 127.0.0.1:P",
        "httpdiag #N +T connectStart addr=127.0.0.1:P",
        "httpdiag #N +T connectDone addr=127.0.0.1:P conn=cN",
        "httpdiag #N +T tlsHandshakeStart conn=cN",
        // TLS: client and server both offer h2 by ALPN by default (as Go's do), so this exchange is a stream
        "httpdiag #N +T tlsHandshakeDone protocol=TLSv1.3 cipher=C alpn=h2",
        "httpdiag #N +T gotConn reused=false wasIdle=false conn=cN",
        "httpdiag #N +T streamOpened stream=1 active=1 conn=cN",
        "httpdiag #N +T wroteHeaders",
        "httpdiag #N +T wroteRequest bytes=0",
        "httpdiag #N +T gotFirstResponseByte",
        "httpdiag #N +T gotResponseHeaders status=200 contentLength=6",
        "httpdiag #N +T bodyEnd bytes=6 drained=true closedBy=eof -> putIdleConn ok",
        "httpdiag #N GET https://127.0.0.1:P/tls status=200 total=T connect=T tls=T waitForConn=T firstByte=T body=T"
            + " reused=false wasIdle=false conn=cN stream=1 bytes=6 drained=true -> putIdleConn ok",
        "httpdiag cN connClosed reason=transportClosed",
        "httpdiag cN connClosed reason=transportClosed streams=1"), client);
  }

  @Test
  void serverSummaryLinesShowReuseOfTheKeepAliveConnection() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().mainClass(CORE_TRAFFIC).agent("log=summary")
        .args("fresh", "reused").run().assertHealthy();
    List<String> server = normalizeIds(r.log().stream().filter(l -> l.contains(" server ")).collect(Collectors.toList()));
    assertEquals(List.of(
        "httpdiag #N server GET /api?<redacted> status=200 total=T handler=T in=0 out=13 conn=cN reused=false keepAlive=true",
        "httpdiag #N server GET /api?<redacted> status=200 total=T handler=T in=0 out=13 conn=cN reused=true keepAlive=true"),
        server);
    assertTrue(r.stdout.contains("testapp: reused 200 Hello, World!"), r.toString());
  }

  @Test
  void jfrRecordingHoldsRealExchangesConnectionsAndServerExchanges() throws Exception {
    Path jfr = ChildJvm.workDir().resolve("core-traffic-" + ProcessHandle.current().pid() + ".jfr");
    Files.deleteIfExists(jfr);
    ChildJvm.simulated().mainClass(CORE_TRAFFIC).agent("log=off")
        .jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc())
        .args("fresh", "reused", "tls").run().assertHealthy();
    List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);
    List<RecordedEvent> exchanges = named(events, "httpdiag.Exchange");
    assertEquals(3, exchanges.size(), exchanges::toString);
    assertEquals(List.of(false, true, false),
        exchanges.stream().map(e -> e.getBoolean("reused")).collect(Collectors.toList()));
    assertTrue(exchanges.get(0).getString("url").endsWith("/api?<redacted>"), exchanges.get(0)::toString);
    assertTrue(exchanges.stream().allMatch(e -> e.getInt("status") == 200));
    assertTrue(exchanges.get(2).getDuration("tlsDuration").toNanos() > 0, "TLS handshake timed");
    List<RecordedEvent> connections = named(events, "httpdiag.Connection");
    assertTrue(connections.stream().anyMatch(c -> "TLSv1.3".equals(c.getString("tlsProtocol"))), connections::toString);
    assertEquals(3, named(events, "httpdiag.ServerExchange").size());
  }

  private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
    return events.stream().filter(e -> e.getEventType().getName().equals(name))
        .sorted(java.util.Comparator.comparing(RecordedEvent::getStartTime)).collect(Collectors.toList());
  }
}
