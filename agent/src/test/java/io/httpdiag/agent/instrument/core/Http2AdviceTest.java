package io.httpdiag.agent.instrument.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.agent.detect.Detectors;
import io.httpdiag.agent.report.ConnectionEvent;
import io.httpdiag.agent.report.ExchangeEvent;
import io.httpdiag.agent.report.Reporter;
import io.httpdiag.agent.report.ServerExchangeEvent;
import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.testkit.Await;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 exchanges through the real advice and the agent's whole pipeline, in process: core-transport's
 * {@code internal.Trace} redefined with {@link CoreTransportInstrumentation#apply} into a fresh class
 * loader, its tracepoints called in the order an h2 client or server fires them (the common steps of
 * HTTP/1.1 plus stream opened, stream reset, GOAWAY), feeding the detectors, the lifecycle log (a
 * file, level full) and JFR (a recording in this JVM). No agent, no child JVM, no h2 transport: the
 * sequences stand in for the h2 client and server being built beside this work.
 */
class Http2AdviceTest {
  private static final long SECOND = 1_000_000_000L;
  /** Every exchange has a deadline: this test is not about MISSING_TIMEOUT. */
  private static final long DEADLINE = 10 * SECOND;
  static Class<?> trace;
  static Path logFile;
  static Recording recording;

  @BeforeAll
  static void wireTheAgentAndRedefineTrace() throws Exception {
    logFile = Files.createTempFile("httpdiag-h2", ".log");
    Config config = Config.parse("log=full,log.file=" + logFile + ",detect.threads=off,detect.body.after=30s",
        new Properties());
    Reporter reporter = Reporter.create(config);
    Detectors detectors = new Detectors(config, reporter);
    Events.install(config, detectors, reporter, null, detectors::sweep);
    recording = new Recording();
    for (String name : List.of(ExchangeEvent.NAME, ServerExchangeEvent.NAME, ConnectionEvent.NAME)) {
      recording.enable(name).withoutThreshold();
    }
    recording.start(); // Flight Recorder initializes now: the reporter registers its event types
    ClassFileLocator classes = ClassFileLocator.ForClassLoader.ofSystemLoader();
    trace = CoreTransportInstrumentation.apply(
            new ByteBuddy().redefine(TypePool.Default.of(classes).describe(TracepointsTest.TRACE).resolve(), classes), classes)
        .make().load(Http2AdviceTest.class.getClassLoader(), ClassLoadingStrategy.Default.CHILD_FIRST).getLoaded();
  }

  @AfterAll
  static void stop() throws Exception {
    recording.close();
    Files.deleteIfExists(logFile);
  }

  @BeforeEach
  void clearFindings() {
    Findings.clear();
  }

  @Test
  void twoStreamsMultiplexedOnOneConnectionCarryProtocolAndStreamIdAndTheConnectionItsStreams() throws Exception {
    long a = 7101, b = 7102, h1 = 7103;
    dial(a, 501, "http://h2.test:80/a");
    call("clientStreamOpened", null, a, 501L, 1, 1);
    requestAndHeaders(a, 200, 5);
    call("clientExchangeStart", null, b, "GET", "http://h2.test:80/b", DEADLINE);
    call("getConn", null, b, "h2.test:80");
    call("gotConn", null, b, 501L, true, false, 0L, 1_000L, 2); // multiplexed: no dial
    call("clientStreamOpened", null, b, 501L, 3, 2);
    requestAndHeaders(b, 200, 5);
    call("bodyEnd", null, b, 501L, 5L, 5L, true, "eof");
    call("putIdleConn", null, b, 501L, "ok");
    call("bodyEnd", null, a, 501L, 5L, 5L, true, "eof");
    call("putIdleConn", null, a, 501L, "ok");
    call("clientGoAway", 501L, 3, "NO_ERROR", false);
    call("clientConnClosed", 501L, "peerClosed");
    // the same on HTTP/1.1, for contrast: no stream, protocol HTTP/1.1
    dial(h1, 502, "http://h1.test:80/c");
    requestAndHeaders(h1, 200, 5);
    call("bodyEnd", null, h1, 502L, 5L, 5L, true, "eof");
    call("putIdleConn", null, h1, 502L, "ok");
    call("clientConnClosed", 502L, "idleTimeout");

    awaitLog(l -> l.startsWith("httpdiag c502 connClosed"));
    assertHasLine("httpdiag #7101 ", " streamOpened stream=1 active=1 conn=c501");
    assertHasLine("httpdiag #7102 ", " streamOpened stream=3 active=2 conn=c501");
    assertHasLine("httpdiag #7102 GET http://h2.test:80/b status=200 ", " reused=true wasIdle=false conn=c501 stream=3 ");
    assertHasLine("httpdiag c501 goAway lastStreamId=3 code=NO_ERROR sent=false streams=2", "");
    assertHasLine("httpdiag c501 connClosed reason=peerClosed streams=2", "");
    assertHasLine("httpdiag c502 connClosed reason=idleTimeout", "");
    assertFalse(log().stream().anyMatch(l -> l.startsWith("httpdiag #7103") && l.contains("stream")), "HTTP/1.1: no stream");
    assertFalse(log().stream().anyMatch(l -> l.startsWith("httpdiag c502") && l.contains("streams=")), log()::toString);

    List<RecordedEvent> events = recorded();
    RecordedEvent xa = only(events, ExchangeEvent.NAME, "exchangeId", 7101);
    RecordedEvent xb = only(events, ExchangeEvent.NAME, "exchangeId", 7102);
    RecordedEvent x1 = only(events, ExchangeEvent.NAME, "exchangeId", 7103);
    assertEquals("HTTP/2.0 1", xa.getString("protocol") + " " + xa.getInt("streamId"));
    assertEquals("HTTP/2.0 3 true", xb.getString("protocol") + " " + xb.getInt("streamId") + " " + xb.getBoolean("reused"));
    assertEquals("HTTP/1.1 0", x1.getString("protocol") + " " + x1.getInt("streamId"));
    RecordedEvent c501 = only(events, ConnectionEvent.NAME, "connectionId", 501);
    assertEquals("HTTP/2.0 streams=2 peak=2 goAway=NO_ERROR sent=false", c501.getString("protocol") + " streams="
        + c501.getInt("streams") + " peak=" + c501.getInt("peakStreams") + " goAway=" + c501.getString("goAwayCode")
        + " sent=" + c501.getBoolean("goAwaySent"));
    assertTrue(c501.getDuration().toNanos() >= 0 && "h2.test:80".equals(c501.getString("host")), c501::toString);
    assertFalse(c501.hasField("ended"), "the event's bookkeeping is not recorded");
    RecordedEvent c502 = only(events, ConnectionEvent.NAME, "connectionId", 502);
    assertEquals("HTTP/1.1 streams=0 goAway=null", c502.getString("protocol") + " streams=" + c502.getInt("streams")
        + " goAway=" + c502.getString("goAwayCode"));
    assertEquals(List.of(), kinds(), "two streams on one connection are neither churn nor an exhausted pool");
  }

  @Test
  void manyStreamsMultiplexedOnOneConnectionAreNotChurnButAConnectionPerRequestIs() throws Exception {
    long conn = 510;
    for (int i = 0; i < 60; i++) { // 60 concurrent streams, one dial
      long id = 7200 + i;
      if (i == 0) dial(id, conn, "https://mux.test:443/i");
      else {
        call("clientExchangeStart", null, id, "GET", "https://mux.test:443/i", DEADLINE);
        call("getConn", null, id, "mux.test:443");
        call("gotConn", null, id, conn, true, false, 0L, 1_000L, i + 1);
      }
      call("clientStreamOpened", null, id, conn, 2 * i + 1, i + 1);
      requestAndHeaders(id, 200, 1);
    }
    for (int i = 0; i < 60; i++) {
      call("bodyEnd", null, 7200L + i, conn, 1L, 1L, true, "eof");
      call("putIdleConn", null, 7200L + i, conn, "ok");
    }
    assertEquals(List.of(), kinds());

    for (int i = 0; i < 5; i++) { // a Transport per request: each request dials and handshakes, one stream each
      call("transportCreated", new Object(), SECOND, SECOND, SECOND, 90 * SECOND, 100, 2, 0, false);
    }
    for (int i = 0; i < 100; i++) {
      long id = 7300 + i;
      dial(id, 600 + i, "https://perreq.test:443/x");
      call("clientStreamOpened", null, id, 600L + i, 1, 1);
      requestAndHeaders(id, 200, 1);
      call("bodyEnd", null, id, 600L + i, 1L, 1L, true, "eof");
      call("putIdleConn", null, id, 600L + i, "ok");
    }
    assertEquals(List.of("CLIENT_PER_REQUEST", "POOL_CHURN"), kinds());
    Finding perRequest = only(Finding.Kind.CLIENT_PER_REQUEST);
    assertTrue(perRequest.title().contains("a connection and TLS handshake per request, even over HTTP/2"), perRequest::text);
    Finding churn = only(Finding.Kind.POOL_CHURN);
    assertTrue(churn.title().contains(" new connections to perreq.test:443 ") && churn.title().contains("at most 1 requests"),
        churn::text);
  }

  @Test
  void aBodyLeftOpenOnAStreamHoldsAStreamSlotAndWindowNotAConnection() throws Exception {
    long id = 7401;
    dial(id, 520, "http://leak.test:80/big");
    call("clientStreamOpened", null, id, 520L, 5, 3);
    requestAndHeaders(id, 200, 1 << 20);
    Findings.sweep(31 * SECOND);
    assertEquals(List.of("BODY_NOT_CLOSED"), kinds());
    Finding f = only(Finding.Kind.BODY_NOT_CLOSED);
    assertTrue(f.title().contains("1.0 MiB declared, stream 5 on connection c520: a concurrent-stream slot and its "
        + "flow-control window held)"), f::text);
    assertFalse(f.title().contains("connection c520 held"), f::text);
    assertTrue(f.fix().contains("holds one of the connection's concurrent streams"), f::text);
    call("bodyEnd", null, id, 520L, 10L, (long) (1 << 20), false, "close");
    call("clientStreamReset", null, id, 520L, 5, "CANCEL", true);
    call("putIdleConn", null, id, 520L, "ok");
    assertEquals(List.of("BODY_NOT_CLOSED", "BODY_CLOSED_LATE"), kinds());
    Finding late = only(Finding.Kind.BODY_CLOSED_LATE);
    assertTrue(late.fix().contains("its HTTP/2 stream holds one of the connection's concurrent-stream slots"), late::text);
  }

  @Test
  void aBodyClosedEarlyOnAStreamCostsARstStreamNotTheConnection() throws Exception {
    long early = 7501, other = 7502;
    dial(early, 530, "http://early.test:80/page");
    call("clientStreamOpened", null, early, 530L, 1, 1);
    requestAndHeaders(early, 200, 100_000);
    call("bodyEnd", null, early, 530L, 10L, 100_000L, false, "close");
    call("clientStreamReset", null, early, 530L, 1, "CANCEL", true);
    // another stream takes the connection before the closed one's putIdleConn: that says nothing of it
    call("clientExchangeStart", null, other, "GET", "http://early.test:80/other", DEADLINE);
    call("getConn", null, other, "early.test:80");
    call("gotConn", null, other, 530L, true, false, 0L, 1_000L, 2);
    call("putIdleConn", null, early, 530L, "ok");
    requestAndHeaders(other, 204, 0);
    call("bodyEnd", null, other, 530L, 0L, 0L, true, "eof");
    call("putIdleConn", null, other, 530L, "ok");
    awaitLog(l -> l.startsWith("httpdiag #7501 ") && l.contains("-> putIdleConn ok"));
    assertHasLine("httpdiag #7501 ", " streamReset stream=1 code=CANCEL sent=true");
    assertHasLine("httpdiag #7501 ", " bodyEnd bytes=10 drained=false closedBy=close -> putIdleConn ok");
    assertEquals(List.of(), kinds(), "the stream was reset and the connection kept: no connection lost to report");

    long lost = 7503; // the same, but the connection went too: reported, and says both
    dial(lost, 531, "http://early.test:80/page");
    call("clientStreamOpened", null, lost, 531L, 1, 1);
    requestAndHeaders(lost, 200, 100_000);
    call("bodyEnd", null, lost, 531L, 10L, 100_000L, false, "close");
    call("clientStreamReset", null, lost, 531L, 1, "CANCEL", true);
    call("putIdleConn", null, lost, 531L, "error");
    assertEquals(List.of("BODY_CLOSED_EARLY"), kinds());
    Finding f = only(Finding.Kind.BODY_CLOSED_EARLY);
    assertTrue(f.title().endsWith("97.6 KiB unread; stream 1 reset CANCEL, and connection c531 closed too: error)"),
        f::text);
    assertTrue(f.fix().contains("over HTTP/2 closing early resets only the stream"), f::text);
  }

  @Test
  void aStreamWhosePutIdleConnNeverComesEndsWhenItsConnectionCloses() throws Exception {
    long id = 7801;
    dial(id, 560, "http://gone.test:80/x");
    call("clientStreamOpened", null, id, 560L, 1, 1);
    requestAndHeaders(id, 200, 3);
    call("bodyEnd", null, id, 560L, 3L, 3L, true, "eof");
    assertTrue(Events.tracked(id), "waits for its putIdleConn");
    call("clientConnClosed", 560L, "peerClosed");
    assertFalse(Events.tracked(id), "ended with its connection");
    awaitLog(l -> l.startsWith("httpdiag #7801 GET http://gone.test:80/x status=200"));
  }

  @Test
  void aGoAwayRetriesTheStreamsAboveItsLastIdOnANewConnection() throws Exception {
    long first = 7601, refused = 7602, retry = 7603;
    dial(first, 540, "http://ga.test:80/1");
    call("clientStreamOpened", null, first, 540L, 1, 1);
    call("clientExchangeStart", null, refused, "GET", "http://ga.test:80/2", DEADLINE);
    call("getConn", null, refused, "ga.test:80");
    call("gotConn", null, refused, 540L, true, false, 0L, 1_000L, 2);
    call("clientStreamOpened", null, refused, 540L, 3, 2);
    call("clientGoAway", 540L, 1, "NO_ERROR", false); // stream 3 was never processed: retried
    call("exchangeFailed", null, refused, new java.io.IOException("GOAWAY: stream 3 above last stream 1, retried"));
    dial(retry, 541, "http://ga.test:80/2");
    call("clientStreamOpened", null, retry, 541L, 1, 1);
    requestAndHeaders(retry, 200, 2);
    call("bodyEnd", null, retry, 541L, 2L, 2L, true, "eof");
    call("putIdleConn", null, retry, 541L, "ok");
    requestAndHeaders(first, 200, 2);
    call("bodyEnd", null, first, 540L, 2L, 2L, true, "eof");
    call("putIdleConn", null, first, 540L, "ok");
    call("clientConnClosed", 540L, "peerClosed");
    awaitLog(l -> l.startsWith("httpdiag c540 connClosed"));
    assertHasLine("httpdiag c540 goAway lastStreamId=1 code=NO_ERROR sent=false streams=2", "");
    assertHasLine("httpdiag #7603 ", " streamOpened stream=1 active=1 conn=c541");
    assertHasLine("httpdiag c540 connClosed reason=peerClosed streams=2", "");
    List<RecordedEvent> events = recorded();
    assertEquals("541 1", only(events, ExchangeEvent.NAME, "exchangeId", 7603).getLong("connectionId") + " "
        + only(events, ExchangeEvent.NAME, "exchangeId", 7603).getInt("streamId"));
    assertEquals("failed 3", only(events, ExchangeEvent.NAME, "exchangeId", 7602).getString("outcome") + " "
        + only(events, ExchangeEvent.NAME, "exchangeId", 7602).getInt("streamId"));
    assertEquals("NO_ERROR 2", only(events, ConnectionEvent.NAME, "connectionId", 540).getString("goAwayCode") + " "
        + only(events, ConnectionEvent.NAME, "connectionId", 540).getInt("streams"));
    assertEquals(List.of(), kinds());
  }

  @Test
  void aServerStreamResetByThePeerIsTheRequestsCancellation() throws Exception {
    long id = 7701;
    call("serverConnAccepted", null, 551L, "127.0.0.1:40000", "127.0.0.1:8443");
    call("serverStreamOpened", null, 551L, id, 1, 1);
    call("serverRequestHeadersRead", null, 551L, id, "GET", "/slow?token=s3cr3t", "HTTP/2.0", 1);
    call("handlerStart", null, id);
    call("serverStreamReset", null, 551L, id, 1, "CANCEL", false);
    call("serverRequestCanceled", null, id);
    call("handlerEnd", null, id, null);
    call("serverExchangeEnd", null, 551L, id, 0, 0L, 0L, true);
    call("serverStreamReset", null, 551L, 0L, 3, "REFUSED_STREAM", true); // a stream that never became an exchange
    call("serverGoAway", null, 551L, 3, "NO_ERROR", true);
    call("serverConnClosed", null, 551L, "shutdown");
    awaitLog(l -> l.startsWith("httpdiag c551 server connClosed"));
    assertHasLine("httpdiag #7701 server GET /slow?<redacted> requestHeadersRead ", " protocol=HTTP/2.0");
    assertHasLine("httpdiag #7701 server ", " streamOpened stream=1 active=1 conn=c551");
    assertHasLine("httpdiag #7701 server ", " streamReset stream=1 code=CANCEL sent=false");
    assertHasLine("httpdiag #7701 server ", " requestCanceled");
    assertHasLine("httpdiag #7701 server GET /slow?<redacted> ", " conn=c551 stream=1 reused=false keepAlive=true canceled=handler");
    assertHasLine("httpdiag c551 server streamReset stream=3 code=REFUSED_STREAM sent=true", "");
    assertHasLine("httpdiag c551 server goAway lastStreamId=3 code=NO_ERROR sent=true streams=1", "");
    assertHasLine("httpdiag c551 server connClosed reason=shutdown streams=1", "");
    RecordedEvent e = only(recorded(), ServerExchangeEvent.NAME, "exchangeId", 7701);
    assertEquals("HTTP/2.0 1", e.getString("protocol") + " " + e.getInt("streamId"));
    assertEquals(List.of(), kinds());
  }

  // ---------------------------------------------------------------- helpers

  /** An exchange that dials {@code conn} and gets it (not reused). */
  private static void dial(long id, long conn, String url) throws Exception {
    String hostPort = url.replaceFirst("^[a-z]+://", "").replaceFirst("/.*", "");
    call("clientExchangeStart", null, id, "GET", url, DEADLINE);
    call("getConn", null, id, hostPort);
    call("connectStart", null, id, "127.0.0.1:1");
    call("connectDone", null, id, conn, "127.0.0.1:1", null);
    call("gotConn", null, id, conn, false, false, 0L, 0L, 1);
  }

  private static void requestAndHeaders(long id, int status, long contentLength) throws Exception {
    call("wroteHeaders", null, id);
    call("wroteRequest", null, id, 0L, null);
    call("gotFirstResponseByte", null, id);
    call("gotResponseHeaders", null, id, status, contentLength);
  }

  static void call(String tracepoint, Object... args) throws Exception {
    for (Method m : trace.getMethods()) {
      if (m.getName().equals(tracepoint) && m.getParameterCount() == args.length) {
        m.invoke(null, args);
        return;
      }
    }
    throw new AssertionError("no tracepoint " + tracepoint + "/" + args.length);
  }

  /**
   * The kinds found, oldest first, but for exchanges of other test classes in this JVM (the runtime's
   * table is global: one of theirs left in flight would be swept here); every URL here is *.test.
   */
  private static List<String> kinds() {
    return Findings.all().stream().filter(f -> !f.title().contains("://") || f.title().contains(".test:"))
        .map(f -> f.kind.name()).collect(Collectors.toList());
  }

  private static Finding only(Finding.Kind kind) {
    List<Finding> found = Findings.all().stream().filter(f -> f.kind == kind).collect(Collectors.toList());
    assertEquals(1, found.size(), () -> kind + ": " + found);
    return found.get(0);
  }

  private static List<String> log() throws Exception {
    return Files.readAllLines(logFile, StandardCharsets.UTF_8);
  }

  private static void awaitLog(Predicate<String> line) throws Exception {
    Await.until(Duration.ofSeconds(10), () -> log().stream().anyMatch(line), () -> "log line; log: " + tail());
  }

  /** A line that starts with {@code start} and contains {@code contains}. */
  private static void assertHasLine(String start, String contains) throws Exception {
    assertTrue(log().stream().anyMatch(l -> l.startsWith(start) && l.contains(contains)),
        () -> "no line " + start + "..." + contains + " in\n" + tail());
  }

  private static String tail() {
    try {
      List<String> all = log();
      return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
    } catch (Exception e) {
      return e.toString();
    }
  }

  /** The events recorded so far (the recording goes on). */
  private static List<RecordedEvent> recorded() throws Exception {
    Path dump = Files.createTempFile("httpdiag-h2", ".jfr");
    try {
      recording.dump(dump);
      return RecordingFile.readAllEvents(dump);
    } finally {
      Files.deleteIfExists(dump);
    }
  }

  private static RecordedEvent only(List<RecordedEvent> events, String name, String idField, long id) {
    List<RecordedEvent> found = new ArrayList<>();
    for (RecordedEvent e : events) {
      if (e.getEventType().getName().equals(name) && e.getLong(idField) == id) found.add(e);
    }
    assertEquals(1, found.size(), () -> name + " " + idField + "=" + id + ": " + found);
    return found.get(0);
  }
}
