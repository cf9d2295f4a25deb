package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.TraceRecorder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/2 client (h2c, prior knowledge) against core-transport's own h2c server: multiplexing
 * on one dial, flow control both ways, early close resetting only the stream, timeouts and
 * cancellation resetting only the stream, and the trace of an h2 exchange.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang is a failure
class Http2ClientTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final Set<Long> serverConnections = ConcurrentHashMap.newKeySet();
  private Server server;
  private Transport transport;

  @AfterEach
  void allStreamsReleased() {
    if (transport != null) {
      Await.until(WAIT, () -> transport.stats().activeStreams() == 0, () -> "streams held: " + transport.stats());
      transport.close();
      Await.until(WAIT, () -> transport.stats().h2Conns() == 0, () -> "h2 connections open: " + transport.stats());
    }
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " server connections");
    }
  }

  private Client start(Handler h, Transport.Builder tb) throws IOException {
    server = Server.builder().h2c(true).handler(h).trace(new ServerTrace() {
      @Override
      public void connAccepted(long connectionId, String remoteAddress, String localAddress) {
        serverConnections.add(connectionId);
      }
    }).build().start();
    transport = tb.h2c(true).build();
    return Client.builder().transport(transport).build();
  }

  private static String text(Response r) throws IOException {
    try (r) {
      return new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void anExchangeIsTracedStepByStepOverHttp2() throws Exception {
    Client c = start((w, r) -> w.write("hello " + r.protocol()), Transport.builder());
    TraceRecorder rec = new TraceRecorder();
    try (Response r = c.send(Request.builder("GET", server.url("/a")).trace(rec).build())) {
      assertEquals("HTTP/2.0", r.protocol());
      assertEquals(200, r.status());
      assertEquals("hello HTTP/2.0", new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
    }
    assertEquals(List.of("exchangeStart", "getConn", "connectStart", "connectDone", "gotConn", "streamOpened",
        "wroteHeaders", "wroteRequest", "gotFirstResponseByte", "gotResponseHeaders", "bodyEnd", "putIdleConn"),
        rec.names());
    assertTrue(rec.details().contains("streamOpened stream=1 active=1"), rec.details().toString());
    assertTrue(rec.details().contains("putIdleConn ok"), rec.details().toString());
    rec.clear();
    try (Response r = c.send(Request.builder("POST", server.url("/b")).body("x").trace(rec).build())) {
      r.body().readAllBytes();
    }
    assertEquals(List.of("exchangeStart", "getConn", "gotConn", "streamOpened", "wroteHeaders", "wroteRequest",
        "gotFirstResponseByte", "gotResponseHeaders", "bodyEnd", "putIdleConn"), rec.names());
    assertTrue(rec.details().contains("gotConn reused=true wasIdle=true n=2"), rec.details().toString());
    assertTrue(rec.details().contains("streamOpened stream=3 active=1"), rec.details().toString());
    // A client's listener and a request's both see the HTTP/2 steps.
    TraceRecorder clientRec = new TraceRecorder();
    rec.clear();
    Client traced = c.newBuilder().trace(clientRec).build();
    traced.send(Request.builder("GET", server.url("/c")).trace(rec).build()).close();
    assertTrue(clientRec.details().contains("streamOpened stream=5 active=1"), clientRec.details().toString());
    assertEquals(clientRec.details(), rec.details());
  }

  @Test
  void sixtyFourConcurrentRequestsShareOneDialAndOneConnection() throws Exception {
    int n = 64;
    CountDownLatch allArrived = new CountDownLatch(n);
    Client c = start((w, r) -> {
      allArrived.countDown();
      if (!allArrived.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the requests were not concurrent");
      }
      w.write(r.path());
    }, Transport.builder());
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String path = "/" + i;
        results.add(pool.submit(() -> text(c.get(server.url(path)))));
      }
      for (int i = 0; i < n; i++) {
        assertEquals("/" + i, results.get(i).get(20, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    TransportStats s = transport.stats();
    assertEquals(1, s.dials(), s.toString());
    assertEquals(1, s.h2Dials(), s.toString());
    assertEquals(n - 1, s.reuses(), s.toString());
    assertEquals(1, serverConnections.size());
  }

  @Test
  void threeMegabytesFlowBothWaysWithinTheWindows() throws Exception {
    byte[] upload = new byte[3 << 20];
    new Random(7).nextBytes(upload);
    Client c = start((w, r) -> {
      byte[] got = r.body().readAllBytes();
      w.headers().set("Content-Length", Integer.toString(got.length));
      w.write(got);
    }, Transport.builder());
    // A stream body of unknown length (DATA until END_STREAM) and a byte[] body (content-length).
    Request streamed = Request.builder("PUT", server.url("/echo")).body(new ByteArrayInputStream(upload), -1).build();
    try (Response r = c.send(streamed)) {
      assertEquals(upload.length, r.contentLength());
      assertArrayEquals(upload, r.body().readAllBytes());
    }
    try (Response r = c.send(Request.builder("PUT", server.url("/echo")).body(upload).build())) {
      InputStream in = r.body();
      byte[] back = new byte[upload.length];
      int off = 0;
      for (int k; (k = in.read(back, off, Math.min(1000, back.length - off))) > 0; ) {
        off += k; // small reads: the window is given back piecemeal
      }
      assertEquals(upload.length, off);
      assertArrayEquals(upload, back);
      assertEquals(-1, in.read());
    }
    assertEquals(1, transport.stats().dials());
  }

  @Test
  void closingABodyEarlyResetsTheStreamAndKeepsTheConnection() throws Exception {
    byte[] big = new byte[3 << 20];
    CountDownLatch serverSawCancel = new CountDownLatch(1);
    Client c = start((w, r) -> {
      if (r.path().equals("/big")) {
        try {
          w.write(big); // blocks on the window until the client resets the stream
        } catch (IOException expected) {
          serverSawCancel.countDown();
        }
      } else {
        w.write("small");
      }
    }, Transport.builder());
    TraceRecorder rec = new TraceRecorder();
    Response r = c.send(Request.builder("GET", server.url("/big")).trace(rec).build());
    assertEquals(1024, r.body().readNBytes(1024).length);
    r.close();
    assertTrue(serverSawCancel.await(10, TimeUnit.SECONDS), "the server's handler did not see the reset");
    assertTrue(rec.details().contains("streamReset CANCEL sent"), rec.details().toString());
    assertTrue(rec.details().contains("bodyEnd 1024/-1 drained=false by=close"), rec.details().toString());
    assertTrue(rec.details().contains("putIdleConn ok"), rec.details().toString());
    assertEquals(0, transport.stats().activeStreams());
    assertEquals("small", text(c.get(server.url("/small"))));
    assertEquals(1, transport.stats().dials(), transport.stats().toString());
    assertEquals(1, serverConnections.size());
  }

  private static int available(Response r) {
    try {
      return r.body().available();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aBodyNeverClosedHoldsItsStreamSlot() throws Exception {
    Client c = start((w, r) -> w.write(new byte[100_000]), Transport.builder());
    Response leaked = c.get(server.url("/"));
    Await.until(WAIT, () -> available(leaked) > 0, () -> "no body buffered");
    assertEquals(1, transport.stats().activeStreams());
    assertEquals(1, transport.stats().h2Conns());
    leaked.close();
    assertEquals(0, transport.stats().activeStreams());
  }

  @Test
  void anIdleConnectionClosesAfterIdleConnTimeout() throws Exception {
    Client c = start((w, r) -> w.write("ok"), Transport.builder().idleConnTimeout(Duration.ofMillis(300)));
    assertEquals("ok", text(c.get(server.url("/"))));
    assertEquals(1, transport.stats().h2Conns());
    Await.until(WAIT, () -> transport.stats().h2Conns() == 0, () -> "still open: " + transport.stats());
    assertEquals(1, transport.stats().discarded(TransportStats.DiscardReason.IDLE_TIMEOUT));
    assertEquals("ok", text(c.get(server.url("/"))));
    assertEquals(2, transport.stats().dials());
  }

  @Test
  void responseHeaderTimeoutResetsTheStreamNotTheConnection() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Client c = start((w, r) -> {
      if (r.path().equals("/slow")) {
        release.await(20, TimeUnit.SECONDS);
      }
      w.write("ok");
    }, Transport.builder().responseHeaderTimeout(Duration.ofMillis(300)));
    assertEquals("ok", text(c.get(server.url("/fast"))));
    TraceRecorder rec = new TraceRecorder();
    HttpTimeoutException e = assertThrows(HttpTimeoutException.class,
        () -> c.send(Request.builder("GET", server.url("/slow")).trace(rec).build()));
    release.countDown();
    assertEquals("responseHeaderTimeout", e.kind());
    assertTrue(rec.details().contains("streamReset CANCEL sent"), rec.details().toString());
    assertTrue(rec.details().contains("timeout responseHeaderTimeout"), rec.details().toString());
    assertEquals("ok", text(c.get(server.url("/fast"))));
    assertEquals(1, transport.stats().dials(), transport.stats().toString());
  }

  @Test
  void clientTimeoutWhileReadingTheBodyResetsTheStreamNotTheConnection() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Client base = start((w, r) -> {
      w.write("first part");
      w.flush();
      if (r.path().equals("/stall")) {
        release.await(20, TimeUnit.SECONDS);
      }
    }, Transport.builder());
    Client c = base.newBuilder().timeout(Duration.ofMillis(400)).build();
    TraceRecorder rec = new TraceRecorder();
    try (Response r = c.send(Request.builder("GET", server.url("/stall")).trace(rec).build())) {
      assertEquals("first part", new String(r.body().readNBytes(10), StandardCharsets.UTF_8));
      assertThrows(HttpTimeoutException.class, () -> r.body().read());
    } finally {
      release.countDown();
    }
    assertTrue(rec.details().contains("streamReset CANCEL sent"), rec.details().toString());
    assertEquals("first part", text(c.get(server.url("/quick"))));
    assertEquals(1, transport.stats().dials(), transport.stats().toString());
  }

  @Test
  void cancelingARequestResetsItsStreamOnly() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Client c = start((w, r) -> {
      if (r.path().equals("/hang")) {
        arrived.countDown();
        release.await(20, TimeUnit.SECONDS);
      }
      w.write("ok");
    }, Transport.builder());
    Request hang = Request.builder("GET", server.url("/hang")).build();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Response> f = pool.submit(() -> c.send(hang));
      assertTrue(arrived.await(10, TimeUnit.SECONDS));
      hang.cancel();
      Exception e = assertThrows(Exception.class, () -> f.get(10, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof RequestCanceledException, String.valueOf(e.getCause()));
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
    assertEquals("ok", text(c.get(server.url("/after"))));
    assertEquals(1, transport.stats().dials(), transport.stats().toString());
  }
}
