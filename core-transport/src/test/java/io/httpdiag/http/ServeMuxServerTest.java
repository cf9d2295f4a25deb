package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.RawConnection;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The mux and the built-in middleware behind a real {@link Server} on loopback, called with the JDK client. */
class ServeMuxServerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Server server;

  @AfterEach
  void noLeakedConnections() throws Exception {
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " connections open");
      assertTrue(server.awaitStopped(WAIT), "accept loop still running");
    }
  }

  @Test
  void muxRoutesPathValuesAnswers404And405OverTheWire() throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("GET /users/{id}", (w, r) -> w.write("user " + r.pathValue("id")));
    mux.handle("DELETE /users/{id}", (w, r) -> w.writeHeader(204));
    mux.handle("/files/{path...}", (w, r) -> w.write("file " + r.pathValue("path")));
    start(mux);

    HttpResponse<String> user = get("/users/a%20b");
    assertEquals(200, user.statusCode());
    assertEquals("user a b", user.body());
    assertEquals("file x/y.txt", get("/files/x/y.txt").body());

    HttpResponse<String> notAllowed = send("PUT", "/users/1");
    assertEquals(405, notAllowed.statusCode());
    assertEquals("DELETE, GET, HEAD", notAllowed.headers().firstValue("Allow").orElse(""));

    HttpResponse<String> notFound = get("/nope");
    assertEquals(404, notFound.statusCode());
    assertEquals("404 page not found\n", notFound.body());
    assertEquals("text/plain; charset=utf-8", notFound.headers().firstValue("Content-Type").orElse(""));
  }

  @Test
  void headIsServedByTheGetRouteWithoutABody() throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("GET /doc", (w, r) -> w.write("twelve bytes"));
    start(mux);
    HttpResponse<String> head = send("HEAD", "/doc");
    assertEquals(200, head.statusCode());
    assertEquals("", head.body());
    assertEquals("12", head.headers().firstValue("Content-Length").orElse(""));
  }

  @Test
  void subtreeWithoutSlashAndUncleanPathsRedirect() throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("/dir/", (w, r) -> w.write("dir"));
    start(mux);
    HttpResponse<String> r = get("/dir?q=1");
    assertEquals(301, r.statusCode());
    assertEquals("/dir/?q=1", r.headers().firstValue("Location").orElse(""));
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET /x/../dir/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      String all = c.readUntilClose(WAIT);
      assertTrue(all.startsWith("HTTP/1.1 301 ") && all.contains("\r\nLocation: /dir/a\r\n"), all);
    }
  }

  @Test
  void hostPatternsMatchTheHostHeaderWithoutPort() throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("api.example.com/", (w, r) -> w.write("api"));
    mux.handle("/", (w, r) -> w.write("default"));
    start(mux);
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET /x HTTP/1.1\r\nHost: API.example.com:8443\r\n\r\nGET /x HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n");
      String all = c.readUntilClose(WAIT);
      assertTrue(all.indexOf("\r\n\r\napi") > 0 && all.indexOf("\r\n\r\ndefault") > all.indexOf("\r\n\r\napi"), all);
    }
  }

  @Test
  void concurrencyLimitSheds503WithRetryAfterWhileFull() throws Exception {
    CountDownLatch entered = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    start(Middleware.concurrencyLimit(2).wrap((w, r) -> {
      entered.countDown();
      assertTrue(release.await(10, TimeUnit.SECONDS));
      w.write("done");
    }));
    List<CompletableFuture<HttpResponse<String>>> parked = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      parked.add(client.sendAsync(request("GET", "/slow").build(), HttpResponse.BodyHandlers.ofString()));
    }
    assertTrue(entered.await(10, TimeUnit.SECONDS), "two requests should be inside");

    HttpResponse<String> shed = get("/third");
    assertEquals(503, shed.statusCode());
    assertEquals("1", shed.headers().firstValue("Retry-After").orElse(""));

    release.countDown();
    for (CompletableFuture<HttpResponse<String>> f : parked) {
      assertEquals("done", f.get(10, TimeUnit.SECONDS).body());
    }
    assertEquals(200, get("/after").statusCode()); // permits came back
  }

  @Test
  void timeoutAnswers503CancelsTheRequestAndFailsLaterWrites() throws Exception {
    CompletableFuture<String> lateWrite = new CompletableFuture<>();
    start(Middleware.timeout(Duration.ofMillis(100), "too slow").wrap((w, r) -> {
      CountDownLatch canceled = new CountDownLatch(1);
      r.onCancel(canceled::countDown);
      w.headers().set("X-Never", "sent");
      assertTrue(canceled.await(10, TimeUnit.SECONDS), "request not canceled at the timeout");
      try {
        w.write("late");
        lateWrite.complete("write succeeded");
      } catch (IOException e) {
        lateWrite.complete(e.getMessage());
      }
    }));
    HttpResponse<String> r = get("/slow");
    assertEquals(503, r.statusCode());
    assertEquals("too slow", r.body());
    assertFalse(r.headers().firstValue("X-Never").isPresent());
    assertEquals("http: Handler timeout", lateWrite.get(10, TimeUnit.SECONDS));
  }

  @Test
  void handlerFinishingInTimeHasItsStatusHeadersAndBodyCopied() throws Exception {
    start(Middleware.timeout(Duration.ofSeconds(10), null).wrap((w, r) -> {
      w.headers().set("X-Handler", "yes");
      w.writeHeader(201);
      w.write("made");
      w.flush(); // not supported inside: a no-op
    }));
    HttpResponse<String> r = get("/fast");
    assertEquals(201, r.statusCode());
    assertEquals("made", r.body());
    assertEquals("yes", r.headers().firstValue("X-Handler").orElse(""));
  }

  @Test
  void declaredContentLengthOverTheLimitIs413BeforeTheBodyIsSent() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    start(Middleware.maxBodyBytes(10).wrap((w, r) -> calls.incrementAndGet()));
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"); // the body never comes
      String all = c.readUntilClose(WAIT);
      assertTrue(all.startsWith("HTTP/1.1 413 ") && all.contains("Connection: close"), all);
    }
    assertEquals(0, calls.get());
  }

  @Test
  void streamedChunkedBodyOverTheLimitFailsTheReadAndAnswers413() throws Exception {
    CompletableFuture<String> readError = new CompletableFuture<>();
    start(Middleware.maxBodyBytes(10).wrap((w, r) -> {
      try {
        r.body().readAllBytes();
        readError.complete("read everything");
      } catch (IOException e) {
        readError.complete(e.getMessage());
        throw e;
      }
    }));
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n");
      String all = c.readUntilClose(WAIT);
      assertTrue(all.startsWith("HTTP/1.1 413 "), all);
    }
    assertEquals("http: request body too large", readError.get(10, TimeUnit.SECONDS));
  }

  @Test
  void bodyOfExactlyTheLimitIsAccepted() throws Exception {
    start(Middleware.maxBodyBytes(5).wrap((w, r) -> w.write(r.body().readAllBytes())));
    HttpResponse<String> r = client.send(request("POST", "/echo").POST(HttpRequest.BodyPublishers.ofString("12345")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals("12345", r.body());
  }

  @Test
  void accessLogWritesOneRedactedLinePerRequest() throws Exception {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    ServeMux mux = new ServeMux();
    mux.handle("GET /search", (w, r) -> w.write("found"));
    start(Middleware.accessLog(lines::add).wrap(mux));

    get("/search?q=secret&token=abc");
    String line = lines.poll(10, TimeUnit.SECONDS);
    assertNotNull(line);
    assertTrue(line.matches("127\\.0\\.0\\.1:\\d+ \"GET /search\\?<redacted> HTTP/1\\.1\" 200 5 \\d+ms"), line);

    get("/missing");
    String missing = lines.poll(10, TimeUnit.SECONDS);
    assertTrue(missing.matches("127\\.0\\.0\\.1:\\d+ \"GET /missing HTTP/1\\.1\" 404 19 \\d+ms"), missing);
    assertTrue(lines.isEmpty(), lines::toString);
  }

  @Test
  void recoverAnswers500AndTheConnectionCloses() throws Exception {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    start(Middleware.accessLog(lines::add).then(Middleware.recover()).wrap((w, r) -> {
      throw new IllegalStateException("boom");
    }));
    try (RawConnection c = new RawConnection(server.port())) {
      c.send("GET /panic HTTP/1.1\r\nHost: x\r\n\r\n"); // keep-alive requested
      String all = c.readUntilClose(WAIT);
      assertTrue(all.startsWith("HTTP/1.1 500 "), all);
    }
    String line = lines.poll(10, TimeUnit.SECONDS);
    assertTrue(line.contains("\"GET /panic HTTP/1.1\" 500 "), line);
  }

  @Test
  void recoverLogsTheExceptionWithItsStack() throws Exception {
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    java.util.logging.Handler capture = new java.util.logging.Handler() {
      @Override
      public void publish(LogRecord r) {
        records.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger jul = Logger.getLogger(Server.class.getName());
    jul.addHandler(capture);
    try {
      IllegalStateException boom = new IllegalStateException("boom");
      start(Middleware.recover().wrap((w, r) -> {
        throw boom;
      }));
      assertEquals(500, get("/panic").statusCode());
      Await.until(WAIT, () -> records.stream().anyMatch(r -> r.getThrown() == boom), records::toString);
      LogRecord panic = records.stream().filter(r -> r.getThrown() == boom).findFirst().orElseThrow();
      assertEquals(Level.SEVERE, panic.getLevel());
      assertTrue(panic.getMessage().matches("http: panic serving 127\\.0\\.0\\.1:\\d+: java.lang.IllegalStateException: boom"),
          panic.getMessage());
    } finally {
      jul.removeHandler(capture);
    }
  }

  private void start(Handler h) throws IOException {
    server = Server.builder().handler(h).build().start();
  }

  private HttpRequest.Builder request(String method, String path) {
    return HttpRequest.newBuilder(URI.create(server.url(path))).timeout(WAIT)
        .method(method, HttpRequest.BodyPublishers.noBody());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send("GET", path);
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    return client.send(request(method, path).build(), HttpResponse.BodyHandlers.ofString());
  }
}
