package io.httpdiag.agent.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.Step;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The summary line is formatted on the writer thread from facts copied when the exchange ends: its
 * exact text, its place among the full level's step lines, and what a full queue does. The writer
 * thread is not started here; {@link LogAppender#flushAll} writes the queue on the test's thread.
 */
class LifecycleLogTest {
  private static final long MS = 1_000_000;
  private final ByteArrayOutputStream written = new ByteArrayOutputStream();
  private final LogAppender appender = new LogAppender(written);

  private LifecycleLog log(String options) {
    return new LifecycleLog(Config.parse(options, new Properties()), appender);
  }

  private List<String> lines() {
    appender.flushAll();
    String all = written.toString(StandardCharsets.UTF_8);
    return all.isEmpty() ? List.of() : List.of(all.substring(0, all.length() - 1).split("\n", -1));
  }

  private static ExchangeState serverExchange(long id) {
    ExchangeState x = new ExchangeState(id, true, 1_000 * MS);
    x.method = "GET";
    x.url = "/hello?<redacted>";
    x.status = 200;
    x.handlerStartAt = 1_000 * MS + 50_000;
    x.handlerEndAt = 1_000 * MS + 250_000;
    x.endAt = 1_000 * MS + 355_000; // 0.355 ms: rounds half up to 0.36
    x.bytesIn = 0;
    x.bytesOut = 13;
    x.connectionId = 3;
    x.keepAlive = true;
    return x;
  }

  private static ExchangeState jdkClientExchange() {
    ExchangeState x = new ExchangeState(HttpLibrary.JDK.id(7), false, 2_000 * MS);
    x.method = "POST";
    x.url = "https://<redacted>@secure.test:8443/orders?<redacted>";
    x.status = 201;
    x.getConnAt = 2_000 * MS + 10_000;
    x.dnsStartAt = 2_000 * MS + 20_000;
    x.dnsDoneAt = 2_000 * MS + 1_020_000;
    x.connectStartAt = 2_000 * MS + 1_100_000;
    x.connectDoneAt = 2_000 * MS + 3_100_000;
    x.gotConnAt = 2_000 * MS + 3_200_000;
    x.wroteRequestAt = 2_000 * MS + 3_300_000;
    x.firstByteAt = 2_000 * MS + 13_300_000;
    x.responseHeadersAt = 2_000 * MS + 13_400_000;
    x.bodyEndAt = 2_000 * MS + 13_500_000;
    x.endAt = 2_000 * MS + 13_600_000;
    x.connectionId = HttpLibrary.JDK.id(3);
    x.reused = true;
    x.wasIdle = true;
    x.idleNanos = 1_300_000;
    x.retries = 1;
    x.bodyEnded = true;
    x.responseBytes = 2;
    x.drained = true;
    x.putIdleResult = "connectionClose";
    return x;
  }

  @Test
  void serverSummaryIsFormattedFromTheFactsAtTheEndNotFromLaterState() {
    LifecycleLog log = log("log=summary");
    ExchangeState x = serverExchange(4);
    log.end(x);
    x.status = 500; // the state changing after the end must not change the queued line
    x.url = "/other";
    x.bytesOut = 99;
    x.endAt += 50 * MS;
    assertEquals(List.of("httpdiag #4 server GET /hello?<redacted> status=200 total=0.36ms handler=0.20ms in=0 out=13"
        + " conn=c3 reused=false keepAlive=true"), lines());
  }

  @Test
  void clientSummaryOfAnotherLibraryKeepsItsIdsAndPhases() {
    LifecycleLog log = log("log=summary");
    log.end(jdkClientExchange());
    assertEquals(List.of("httpdiag #j7 POST https://<redacted>@secure.test:8443/orders?<redacted> status=201 total=13.60ms"
        + " dns=1.00ms connect=2.00ms waitForConn=3.19ms firstByte=10.00ms body=0.10ms reused=true wasIdle=true"
        + " idle=1.30ms conn=jc3 retries=1 bytes=2 drained=true -> putIdleConn connectionClose"), lines());
  }

  @Test
  void jsonSummariesCarryTheSameFactsAndTheOutcome() {
    LifecycleLog log = log("log=summary,log.format=json");
    log.end(jdkClientExchange());
    ExchangeState failed = serverExchange(5);
    failed.error = "java.io.IOException: broken \"pipe\"\n";
    failed.keepAlive = false;
    log.end(failed);
    assertEquals(List.of(
        "{\"httpdiag\":\"client\",\"exchange\":\"j7\",\"event\":\"exchange\",\"method\":\"POST\","
            + "\"url\":\"https://<redacted>@secure.test:8443/orders?<redacted>\",\"status\":201,\"totalMs\":13.60,"
            + "\"dnsMs\":1.00,\"connectMs\":2.00,\"waitForConnMs\":3.19,\"firstByteMs\":10.00,\"bodyMs\":0.10,"
            + "\"reused\":true,\"wasIdle\":true,\"idleMs\":1.30,\"conn\":\"jc3\",\"retries\":1,\"bytes\":2,"
            + "\"drained\":true,\"putIdleConn\":\"connectionClose\",\"outcome\":\"connectionClose\"}",
        "{\"httpdiag\":\"server\",\"exchange\":5,\"event\":\"exchange\",\"method\":\"GET\",\"target\":\"/hello?<redacted>\","
            + "\"status\":200,\"totalMs\":0.36,\"handlerMs\":0.20,\"in\":0,\"out\":13,\"conn\":\"c3\",\"reused\":false,"
            + "\"keepAlive\":false,\"error\":\"java.io.IOException: broken \\\"pipe\\\"\\u000a\",\"outcome\":\"failed\"}"),
        lines());
  }

  @Test
  void fullLevelWritesEachExchangesStepLinesThenItsSummaryInQueueOrder() {
    LifecycleLog log = log("log=full");
    ExchangeState a = serverExchange(1);
    ExchangeState b = serverExchange(2);
    a.requestOnConn = 1;
    b.requestOnConn = 1;
    a.protocol = "HTTP/1.1";
    b.protocol = "HTTP/1.1";
    log.step(a, Step.REQUEST_HEADERS_READ, a.startNanos);
    log.step(b, Step.REQUEST_HEADERS_READ, b.startNanos);
    log.step(a, Step.HANDLER_START, a.handlerStartAt);
    log.end(a);
    log.step(b, Step.HANDLER_START, b.handlerStartAt);
    log.end(b);
    List<String> events = new ArrayList<>();
    for (String line : lines()) {
      events.add(line.substring(0, line.indexOf(' ', "httpdiag #".length())) + (line.contains("requestHeadersRead")
          ? " requestHeadersRead" : line.contains("handlerStart") ? " handlerStart" : " summary"));
    }
    assertEquals(List.of("httpdiag #1 requestHeadersRead", "httpdiag #2 requestHeadersRead", "httpdiag #1 handlerStart",
        "httpdiag #1 summary", "httpdiag #2 handlerStart", "httpdiag #2 summary"), events);
  }

  @Test
  void aFullQueueDropsAndCountsWithoutWaiting() {
    LifecycleLog log = log("log=summary");
    long droppedBefore = Counters.droppedLogLines.get();
    for (int i = 0; i < LogAppender.CAPACITY + 10; i++) {
      log.end(serverExchange(i + 1)); // nobody writes: the queue fills
    }
    assertEquals(10, Counters.droppedLogLines.get() - droppedBefore);
    List<String> lines = lines();
    assertEquals(LogAppender.CAPACITY, lines.size());
    assertEquals("httpdiag #" + LogAppender.CAPACITY + " server", lines.get(lines.size() - 1).substring(0,
        ("httpdiag #" + LogAppender.CAPACITY + " server").length()));
    log.end(serverExchange(99_999)); // room again once written
    assertEquals(LogAppender.CAPACITY + 1, lines().size());
  }

  @Test
  void linesAreEncodedAsUtf8LikeStringGetBytes() {
    String line = "httpdiag error=caf\u00e9 \u20ac \ud83d\ude00 lone\ud800 end";
    appender.append(line);
    appender.flushAll();
    assertArrayEquals((line + "\n").getBytes(StandardCharsets.UTF_8), written.toByteArray());
  }

  @Test
  void aGoAwayWithAnErrorCodePrintsAtTheFindingsLevelAndAGracefulOneOnlyInFull() {
    LifecycleLog findings = log("log=findings");
    findings.connection(5, false, "goAway", "lastStreamId", "3", "code", "NO_ERROR", "sent", "false", "streams", "4");
    findings.connection(6, true, "goAway", "lastStreamId", "9", "code", "ENHANCE_YOUR_CALM", "sent", "true", "streams",
        "200");
    findings.connection(6, true, "connClosed", "reason", "goAway", "streams", "200");
    assertEquals(List.of("httpdiag c6 server goAway lastStreamId=9 code=ENHANCE_YOUR_CALM sent=true streams=200"), lines());
  }
}
