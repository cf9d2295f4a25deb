package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.RawConnection;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final Set<Long> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger handlerCalls = new AtomicInteger();
  private Server server;

  private final ServerTrace countConnections = new ServerTrace() {
    @Override
    public void connAccepted(long connectionId, String remoteAddress, String localAddress) {
      connections.add(connectionId);
    }
  };

  private Server start(Server.Builder b) throws IOException {
    server = b.trace(countConnections).build().start();
    return server;
  }

  private Server start(Handler h) throws IOException {
    return start(Server.builder().handler(h));
  }

  private Handler hello() {
    return (w, r) -> {
      handlerCalls.incrementAndGet();
      w.write("Hello, World!");
    };
  }

  @AfterEach
  void noLeakedConnections() throws Exception {
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " connections open");
      assertTrue(server.awaitStopped(WAIT), "accept loop still running");
    }
  }

  @Test
  void jdkClientReusesOneConnectionForSequentialRequests() throws Exception {
    start(hello());
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/"))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertEquals("Hello, World!", r.body());
      assertEquals("13", r.headers().firstValue("Content-Length").orElse(""));
    }
    assertEquals(1, connections.size());
    assertEquals(5, server.requestsServed());
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    start((w, r) -> w.write("path=" + r.path()));
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      String all = c.readUntilClose(WAIT);
      int a = all.indexOf("path=/a");
      int b = all.indexOf("path=/b");
      int cc = all.indexOf("path=/c");
      assertTrue(a > 0 && b > a && cc > b, all);
    }
  }

  @Test
  void chunkedRequestBodyIsDecodedAndLargeResponseIsChunked() throws Exception {
    start((w, r) -> {
      byte[] body = r.body().readAllBytes();
      for (int i = 0; i < 3; i++) {
        w.write(new String(body, StandardCharsets.UTF_8).repeat(5000)); // > 8 KiB: streamed chunked
      }
    });
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=1\r\nab\r\n1\r\nc\r\n0\r\nTrailer: t\r\n\r\n");
      String resp = c.readUntil("\r\n0\r\n\r\n", 1, WAIT);
      assertTrue(resp.startsWith("HTTP/1.1 200 OK\r\n"), resp);
      assertTrue(resp.contains("Transfer-Encoding: chunked\r\n"), resp);
      String decoded = decodeChunked(resp.substring(resp.indexOf("\r\n\r\n") + 4));
      assertEquals("abc".repeat(5000 * 3), decoded);
    }
  }

  @Test
  void flushStreamsChunksBeforeTheHandlerReturns() throws Exception {
    CountDownLatch firstSeen = new CountDownLatch(1);
    start((w, r) -> {
      w.headers().set("Content-Type", "text/event-stream");
      w.write("data: one\n\n");
      w.flush();
      assertTrue(firstSeen.await(10, TimeUnit.SECONDS), "client never saw the first event");
      w.write("data: two\n\n");
    });
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
      c.readUntil("data: one", 1, WAIT);
      firstSeen.countDown();
      String all = c.readUntil("\r\n0\r\n\r\n", 1, WAIT);
      assertTrue(all.contains("data: two"), all);
    }
  }

  @Test
  void expectContinueIsSentOnlyWhenTheHandlerReadsTheBody() throws Exception {
    start((w, r) -> {
      if (r.path().equals("/reject")) {
        w.writeHeader(413);
        return;
      }
      w.write(r.body().readAllBytes());
    });
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("PUT /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      c.readUntil("HTTP/1.1 100 Continue\r\n\r\n", 1, WAIT);
      c.send("hello");
      String all = c.readUntil("hello", 1, WAIT);
      assertTrue(all.contains("HTTP/1.1 200 OK"), all);
    }
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("PUT /reject HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      String all = c.readUntilClose(WAIT);
      assertFalse(all.contains("100 Continue"), all);
      assertTrue(all.startsWith("HTTP/1.1 413 "), all);
      assertTrue(all.contains("Connection: close"), all);
    }
  }

  @Test
  void headGetsTheLengthButNoBody() throws Exception {
    start(hello());
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      String all = c.readUntilClose(WAIT);
      assertEquals(1, all.split("Hello, World!", -1).length - 1, all);
      assertEquals(2, all.split("Content-Length: 13", -1).length - 1, all);
    }
  }

  @Test
  void http10ClosesUnlessKeepAliveIsAsked() throws Exception {
    start(hello());
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET / HTTP/1.0\r\n\r\n");
      String all = c.readUntilClose(WAIT);
      assertTrue(all.startsWith("HTTP/1.1 200 OK"), all);
      assertTrue(all.endsWith("Hello, World!"), all);
    }
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      String first = c.readUntil("Hello, World!", 1, WAIT);
      assertTrue(first.contains("Connection: keep-alive"), first);
      c.send("GET / HTTP/1.0\r\n\r\n");
      c.readUntilClose(WAIT);
      assertEquals(2, c.text().split("Hello, World!", -1).length - 1);
    }
  }

  @Test
  void connectionCloseRequestClosesAfterTheResponse() throws Exception {
    start(hello());
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      String all = c.readUntilClose(WAIT);
      assertTrue(all.contains("Connection: close\r\n"), all);
    }
  }

  @Test
  void handlerExceptionGives500AndClosesTheConnection() throws Exception {
    start((w, r) -> {
      w.headers().set("X-Partial", "yes");
      w.write("partial");
      throw new IllegalStateException("boom");
    });
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      String all = c.readUntilClose(WAIT);
      assertTrue(all.startsWith("HTTP/1.1 500 Internal Server Error"), all);
      assertFalse(all.contains("partial"), all);
      assertFalse(all.contains("X-Partial"), all);
    }
  }

  @Test
  void clientDisconnectCancelsTheRequest() throws Exception {
    CountDownLatch canceled = new CountDownLatch(1);
    CountDownLatch registered = new CountDownLatch(1);
    start((w, r) -> {
      r.onCancel(canceled::countDown);
      registered.countDown();
      assertTrue(canceled.await(10, TimeUnit.SECONDS));
      assertTrue(r.isCanceled());
    });
    RawConnection c = new RawConnection(server.port());
    c.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(registered.await(10, TimeUnit.SECONDS));
    c.close();
    assertTrue(canceled.await(10, TimeUnit.SECONDS), "cancellation did not fire after the client left");
  }

  @Test
  void cancelAwareHandlerStillServesKeepAliveAndPipelinedRequests() throws Exception {
    start((w, r) -> {
      r.onCancel(() -> {});
      w.write("ok " + r.path() + " canceled=" + r.isCanceled());
    });
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
      c.readUntil("ok /1 canceled=false", 1, WAIT);
      c.send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      String all = c.readUntilClose(WAIT);
      assertTrue(all.contains("ok /2 canceled=false") && all.contains("ok /3 canceled=false"), all);
    }
    assertEquals(1, connections.size());
  }

  @Test
  void readHeaderTimeoutCutsAClientThatTricklesHeaders() throws Exception {
    start(Server.builder().handler(hello()).readHeaderTimeout(Duration.ofMillis(500)));
    try (RawConnection c = new RawConnection(server.port())) {
      long start = System.nanoTime();
      c.send("GET / HTTP/1.1\r\n");
      boolean closed = false;
      // Trickle a byte every 100 ms: a per-read timeout would never fire; the absolute deadline must.
      for (int i = 0; i < 30 && !closed; i++) {
        try {
          c.send("X-Slow-" + i + ": 1\r\n");
        } catch (IOException e) {
          closed = true;
          break;
        }
        closed = c.closedWithin(Duration.ofMillis(100));
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(closed, "slow client was not cut off");
      assertTrue(elapsedMs >= 450 && elapsedMs < 2500, "cut off after " + elapsedMs + " ms");
      assertEquals(0, handlerCalls.get());
    }
  }

  @Test
  void withoutReadHeaderTimeoutASlowClientIsKeptOpen() throws Exception {
    start(hello());
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET / HTTP/1.1\r\n");
      assertFalse(c.closedWithin(Duration.ofMillis(700)), "closed without any timeout set");
      c.send("Host: x\r\n\r\n");
      c.readUntil("Hello, World!", 1, WAIT);
    }
  }

  @Test
  void idleTimeoutClosesAKeepAliveConnection() throws Exception {
    start(Server.builder().handler(hello()).idleTimeout(Duration.ofMillis(300)));
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      c.readUntil("Hello, World!", 1, WAIT);
      long start = System.nanoTime();
      assertTrue(c.closedWithin(WAIT));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(ms >= 250, "closed after " + ms + " ms");
    }
  }

  @Test
  void writeTimeoutClosesAResponseThatTakesTooLong() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    start(Server.builder().writeTimeout(Duration.ofMillis(300)).handler((w, r) -> {
      w.write("start");
      w.flush();
      never.await(5, TimeUnit.SECONDS);
      w.write("late");
    }));
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      String all = c.readUntilClose(WAIT);
      assertTrue(all.contains("start") && !all.contains("late"), all);
    } finally {
      never.countDown();
    }
  }

  @Test
  void shutdownClosesIdleConnectionsAndWaitsForActiveOnes() throws Exception {
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    start((w, r) -> {
      if (r.path().equals("/slow")) {
        inHandler.countDown();
        release.await(10, TimeUnit.SECONDS);
      }
      w.write("done " + r.path());
    });
    RawConnection idle = new RawConnection(server.port());
    idle.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
    idle.readUntil("done /fast", 1, WAIT);
    RawConnection active = new RawConnection(server.port());
    active.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(inHandler.await(10, TimeUnit.SECONDS));
    Thread releaser = new Thread(() -> {
      try {
        assertTrue(idle.closedWithin(WAIT));
      } catch (IOException ignored) {
        // checked below
      }
      release.countDown();
    });
    releaser.start();
    int forced = server.shutdown(Duration.ofSeconds(10));
    releaser.join();
    assertEquals(0, forced);
    String answer = active.readUntilClose(WAIT);
    assertTrue(answer.contains("done /slow") && answer.contains("Connection: close"), answer);
    idle.close();
    active.close();
  }

  @Test
  void shutdownForceClosesHandlersPastTheDeadline() throws Exception {
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    start((w, r) -> {
      inHandler.countDown();
      release.await(10, TimeUnit.SECONDS);
    });
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertTrue(inHandler.await(10, TimeUnit.SECONDS));
      assertEquals(1, server.shutdown(Duration.ofMillis(100)));
      assertTrue(c.closedWithin(WAIT));
    } finally {
      release.countDown();
    }
  }

  @Test
  void connectionStatesFollowGo() throws Exception {
    java.util.List<String> states = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    server = Server.builder().handler(hello()).trace(new ServerTrace() {
      @Override
      public void connState(long connectionId, String state) {
        states.add(state);
      }
    }).build().start();
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      c.readUntil("Hello", 1, WAIT);
      c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      c.readUntilClose(WAIT);
    }
    Await.until(WAIT, () -> states.contains("closed"), states::toString);
    assertEquals(java.util.List.of("new", "active", "idle", "active", "closed"), states);
  }

  /** Decodes a complete chunked body (test-side, independent of the server's codec). */
  static String decodeChunked(String s) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (true) {
      int eol = s.indexOf("\r\n", i);
      int size = Integer.parseInt(s.substring(i, eol).split(";")[0], 16);
      if (size == 0) {
        return out.toString();
      }
      out.append(s, eol + 2, eol + 2 + size);
      assertEquals("\r\n", s.substring(eol + 2 + size, eol + 4 + size));
      i = eol + 4 + size;
    }
  }
}
