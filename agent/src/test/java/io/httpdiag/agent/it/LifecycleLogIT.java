package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lifecycle log of a child JVM driving the tracepoints, compared line by line (timings normalized). */
class LifecycleLogIT {
  private static final String SUMMARY_FRESH = "httpdiag #1 GET http://127.0.0.1:8080/api?<redacted> status=200 total=T"
      + " dns=T connect=T waitForConn=T firstByte=T body=T reused=false wasIdle=false conn=c1 bytes=13 drained=true"
      + " -> putIdleConn ok";
  private static final String SUMMARY_REUSED = "httpdiag #2 GET http://127.0.0.1:8080/api status=200 total=T"
      + " waitForConn=T firstByte=T body=T reused=true wasIdle=true idle=1.30ms conn=c1 bytes=13 drained=true"
      + " -> putIdleConn ok";
  private static final String SUMMARY_TLS = "httpdiag #3 POST https://<redacted>@secure.test:8443/orders?<redacted>"
      + " status=201 total=T dns=T connect=T tls=T waitForConn=T firstByte=T body=T reused=false wasIdle=false conn=c2"
      + " bytes=2 drained=true -> putIdleConn connectionClose";
  private static final String SUMMARY_SERVER = "httpdiag #4 server GET /hello?<redacted> status=200 total=T handler=T"
      + " in=0 out=13 conn=c3 reused=false keepAlive=true";
  private static final String SUMMARY_FAILED = "httpdiag #5 GET http://127.0.0.1:9/down?<redacted> total=T connect=T"
      + " error=java.net.ConnectException: Connection refused";

  @Test
  void fullTextLogShowsEveryStepOfFreshReusedTlsAndServerExchanges() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("log=full").args("fresh", "reused", "tls", "server", "closeIdle").run()
        .assertHealthy();
    assertEquals(List.of(
        "httpdiag #1 GET http://127.0.0.1:8080/api?<redacted> getConn 127.0.0.1:8080",
        "httpdiag #1 +T dnsStart host=127.0.0.1",
        "httpdiag #1 +T dnsDone addrs=127.0.0.1",
        "httpdiag #1 +T connectStart addr=127.0.0.1:8080",
        "httpdiag #1 +T connectDone addr=127.0.0.1:8080 conn=c1",
        "httpdiag #1 +T gotConn reused=false wasIdle=false conn=c1",
        "httpdiag #1 +T wroteHeaders",
        "httpdiag #1 +T wroteRequest bytes=0",
        "httpdiag #1 +T gotFirstResponseByte",
        "httpdiag #1 +T gotResponseHeaders status=200 contentLength=13",
        "httpdiag #1 +T bodyEnd bytes=13 drained=true closedBy=eof -> putIdleConn ok",
        SUMMARY_FRESH,
        "httpdiag #2 GET http://127.0.0.1:8080/api getConn 127.0.0.1:8080",
        "httpdiag #2 +T gotConn reused=true wasIdle=true idle=1.30ms conn=c1",
        "httpdiag #2 +T wroteHeaders",
        "httpdiag #2 +T wroteRequest bytes=0",
        "httpdiag #2 +T gotFirstResponseByte",
        "httpdiag #2 +T gotResponseHeaders status=200 contentLength=13",
        "httpdiag #2 +T bodyEnd bytes=13 drained=true closedBy=eof -> putIdleConn ok",
        SUMMARY_REUSED,
        "httpdiag #3 POST https://<redacted>@secure.test:8443/orders?<redacted> getConn secure.test:8443",
        "httpdiag #3 +T dnsStart host=secure.test",
        "httpdiag #3 +T dnsDone addrs=127.0.0.1",
        "httpdiag #3 +T connectStart addr=127.0.0.1:8443",
        "httpdiag #3 +T connectDone addr=127.0.0.1:8443 conn=c2",
        "httpdiag #3 +T tlsHandshakeStart conn=c2",
        "httpdiag #3 +T tlsHandshakeDone protocol=TLSv1.3 cipher=TLS_AES_128_GCM_SHA256 alpn=http/1.1",
        "httpdiag #3 +T gotConn reused=false wasIdle=false conn=c2",
        "httpdiag #3 +T wroteHeaders",
        "httpdiag #3 +T wroteRequest bytes=5",
        "httpdiag #3 +T gotFirstResponseByte",
        "httpdiag #3 +T gotResponseHeaders status=201 contentLength=2",
        "httpdiag #3 +T bodyEnd bytes=2 drained=true closedBy=eof -> putIdleConn connectionClose",
        SUMMARY_TLS,
        "httpdiag c2 connClosed reason=connectionClose",
        "httpdiag c3 server connAccepted remote=127.0.0.1:50000 local=127.0.0.1:8080",
        "httpdiag c3 server connState state=new",
        "httpdiag c3 server connState state=active",
        "httpdiag #4 server GET /hello?<redacted> requestHeadersRead conn=c3 request=1 protocol=HTTP/1.1",
        "httpdiag #4 server +T handlerStart",
        "httpdiag #4 server +T responseCommitted status=200",
        "httpdiag #4 server +T handlerEnd",
        "httpdiag #4 server +T serverExchangeEnd status=200 in=0 out=13 keepAlive=true",
        SUMMARY_SERVER,
        "httpdiag c3 server connState state=idle",
        "httpdiag c3 server connClosed reason=clientClosed",
        "httpdiag c1 connClosed reason=idleTimeout"),
        ChildJvm.normalize(r.log()));
  }

  @Test
  void summaryTextLogHasOneLinePerExchangeWithPhaseTimings() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("log=summary").args("fresh", "reused", "tls", "server", "failed").run()
        .assertHealthy();
    assertEquals(List.of(SUMMARY_FRESH, SUMMARY_REUSED, SUMMARY_TLS, SUMMARY_SERVER, SUMMARY_FAILED),
        ChildJvm.normalize(r.log()));
  }

  @Test
  void defaultLevelPrintsOnlyFindings() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("").args("fresh", "reused", "tls", "server", "failed").run()
        .assertHealthy();
    assertEquals(List.of(SUMMARY_FAILED), ChildJvm.normalize(r.log()));
  }

  @Test
  void fullJsonLogCarriesTheSameFacts() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("log=full,log.format=json").args("reused", "server").run()
        .assertHealthy();
    assertEquals(List.of(
        "{\"httpdiag\":\"client\",\"exchange\":1,\"event\":\"getConn\",\"elapsedMs\":T,\"method\":\"GET\","
            + "\"url\":\"http://127.0.0.1:8080/api\",\"hostPort\":\"127.0.0.1:8080\"}",
        "{\"httpdiag\":\"client\",\"exchange\":1,\"event\":\"gotConn\",\"elapsedMs\":T,\"reused\":true,\"wasIdle\":true,"
            + "\"idleMs\":1.30,\"conn\":\"c1\"}",
        "{\"httpdiag\":\"client\",\"exchange\":1,\"event\":\"wroteHeaders\",\"elapsedMs\":T}",
        "{\"httpdiag\":\"client\",\"exchange\":1,\"event\":\"wroteRequest\",\"elapsedMs\":T,\"bytes\":0}",
        "{\"httpdiag\":\"client\",\"exchange\":1,\"event\":\"gotFirstResponseByte\",\"elapsedMs\":T}",
        "{\"httpdiag\":\"client\",\"exchange\":1,\"event\":\"gotResponseHeaders\",\"elapsedMs\":T,\"status\":200,"
            + "\"contentLength\":13}",
        "{\"httpdiag\":\"client\",\"exchange\":1,\"event\":\"bodyEnd\",\"elapsedMs\":T,\"bytes\":13,\"drained\":true,"
            + "\"closedBy\":\"eof\",\"putIdleConn\":\"ok\"}",
        "{\"httpdiag\":\"client\",\"exchange\":1,\"event\":\"exchange\",\"method\":\"GET\",\"url\":\"http://127.0.0.1:8080/api\","
            + "\"status\":200,\"totalMs\":T,\"waitForConnMs\":T,\"firstByteMs\":T,\"bodyMs\":T,\"reused\":true,"
            + "\"wasIdle\":true,\"idleMs\":1.30,\"conn\":\"c1\",\"bytes\":13,\"drained\":true,\"putIdleConn\":\"ok\","
            + "\"outcome\":\"pooled\"}",
        "{\"httpdiag\":\"server\",\"conn\":\"c1\",\"event\":\"connAccepted\",\"remote\":\"127.0.0.1:50000\","
            + "\"local\":\"127.0.0.1:8080\"}",
        "{\"httpdiag\":\"server\",\"conn\":\"c1\",\"event\":\"connState\",\"state\":\"new\"}",
        "{\"httpdiag\":\"server\",\"conn\":\"c1\",\"event\":\"connState\",\"state\":\"active\"}",
        "{\"httpdiag\":\"server\",\"exchange\":2,\"event\":\"requestHeadersRead\",\"elapsedMs\":T,\"method\":\"GET\","
            + "\"target\":\"/hello?<redacted>\",\"conn\":\"c1\",\"request\":1,\"protocol\":\"HTTP/1.1\"}",
        "{\"httpdiag\":\"server\",\"exchange\":2,\"event\":\"handlerStart\",\"elapsedMs\":T}",
        "{\"httpdiag\":\"server\",\"exchange\":2,\"event\":\"responseCommitted\",\"elapsedMs\":T,\"status\":200}",
        "{\"httpdiag\":\"server\",\"exchange\":2,\"event\":\"handlerEnd\",\"elapsedMs\":T}",
        "{\"httpdiag\":\"server\",\"exchange\":2,\"event\":\"serverExchangeEnd\",\"elapsedMs\":T,\"status\":200,\"in\":0,"
            + "\"out\":13,\"keepAlive\":true}",
        "{\"httpdiag\":\"server\",\"exchange\":2,\"event\":\"exchange\",\"method\":\"GET\",\"target\":\"/hello?<redacted>\","
            + "\"status\":200,\"totalMs\":T,\"handlerMs\":T,\"in\":0,\"out\":13,\"conn\":\"c1\",\"reused\":false,"
            + "\"keepAlive\":true,\"outcome\":\"keepAlive\"}",
        "{\"httpdiag\":\"server\",\"conn\":\"c1\",\"event\":\"connState\",\"state\":\"idle\"}",
        "{\"httpdiag\":\"server\",\"conn\":\"c1\",\"event\":\"connClosed\",\"reason\":\"clientClosed\"}"),
        ChildJvm.normalize(r.log()));
  }

  @Test
  void summaryJsonLogHasOneObjectPerExchange() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("log=summary,log.format=json").args("fresh", "failed").run()
        .assertHealthy();
    assertEquals(List.of(
        "{\"httpdiag\":\"client\",\"exchange\":1,\"event\":\"exchange\",\"method\":\"GET\","
            + "\"url\":\"http://127.0.0.1:8080/api?<redacted>\",\"status\":200,\"totalMs\":T,\"dnsMs\":T,\"connectMs\":T,"
            + "\"waitForConnMs\":T,\"firstByteMs\":T,\"bodyMs\":T,\"reused\":false,\"wasIdle\":false,\"conn\":\"c1\","
            + "\"bytes\":13,\"drained\":true,\"putIdleConn\":\"ok\",\"outcome\":\"pooled\"}",
        "{\"httpdiag\":\"client\",\"exchange\":2,\"event\":\"exchange\",\"method\":\"GET\","
            + "\"url\":\"http://127.0.0.1:9/down?<redacted>\",\"totalMs\":T,\"connectMs\":T,"
            + "\"error\":\"java.net.ConnectException: Connection refused\",\"outcome\":\"failed\"}"),
        ChildJvm.normalize(r.log()));
  }

  @Test
  void secretsInQueryAndUserInfoNeverReachTheLog() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("log=full").args("fresh", "tls", "server", "failed").run()
        .assertHealthy();
    String all = String.join("\n", r.stderr);
    for (String secret : List.of("token=", "secret", "page=2", "alice", "s3cret", "card=", "4111", "name=bob", "k=v")) {
      assertFalse(all.contains(secret), "secret '" + secret + "' leaked into the log:\n" + all);
    }
  }

  @Test
  void queryValuesModeKeepsParameterNames() throws Exception {
    ChildJvm.Result r = ChildJvm.simulated().agent("log=summary,redact.query=values").args("fresh").run().assertHealthy();
    assertEquals("httpdiag #1 GET http://127.0.0.1:8080/api?token=<redacted>&page=<redacted>",
        r.log().get(0).substring(0, r.log().get(0).indexOf(" status=")));
  }

  @Test
  void logFileReceivesTheLinesInsteadOfStderr() throws Exception {
    Path file = ChildJvm.workDir().resolve("log-file-" + ProcessHandle.current().pid() + ".log");
    Files.deleteIfExists(file);
    ChildJvm.Result r = ChildJvm.simulated().agent("log=summary,log.file=" + file).args("fresh").run().assertHealthy();
    assertEquals(List.of(), r.log());
    assertEquals(List.of(SUMMARY_FRESH), ChildJvm.normalize(Files.readAllLines(file)));
  }
}
