package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.internal.ProtocolException;
import io.httpdiag.http.internal.Threads;
import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.RawServer;
import io.httpdiag.http.testing.TraceRecorder;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Protocol faults and connection semantics against a byte-scripted server. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang is a failure
class ClientFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private RawServer server;
  private Transport transport = Transport.builder().build();
  private final TraceRecorder rec = new TraceRecorder();
  private Client client = Client.builder().transport(transport).trace(rec).build();

  @AfterEach
  void allConnectionsReleased() throws Exception {
    Await.until(WAIT, () -> transport.stats().inUse() == 0, () -> "connections in use: " + transport.stats());
    transport.close();
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " server connections open");
    }
  }

  private void serve(RawServer.Script script) throws IOException {
    server = new RawServer(script);
  }

  /** Answers every request on every connection with {@code body}. */
  private static RawServer.Script keepAlive(String body) {
    return (c, i) -> {
      while (c.readRequest() != null) {
        c.ok(body);
      }
    };
  }

  private static int available(Response r) {
    try {
      return r.body().available();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String read(Response r) throws IOException {
    try (r) {
      return new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  // ---------------------------------------------------------------- body and connection semantics

  @Test
  void connectionIsReusedAfterBodyIsReadToTheEnd() throws Exception {
    serve(keepAlive("hello"));
    assertEquals("hello", read(client.get(server.url("/"))));
    assertEquals("hello", read(client.get(server.url("/"))));
    assertEquals(1, server.distinctRemotePorts());
  }

  @Test
  void bodyClosedBeforeItsEndDiscardsTheConnection() throws Exception {
    serve(keepAlive("x".repeat(200_000)));
    try (Response r = client.get(server.url("/"))) {
      assertEquals('x', r.body().read());
    }
    assertEquals(1, transport.stats().discarded("undrained"));
    assertEquals("x".repeat(200_000), read(client.get(server.url("/"))));
    assertEquals(2, server.distinctRemotePorts());
    assertTrue(rec.details().contains("bodyEnd 1/200000 drained=false by=close"), rec.details().toString());
  }

  @Test
  void bodyClosedUnreadButAlreadyBufferedKeepsTheConnection() throws Exception {
    serve(keepAlive("small"));
    Response r = client.get(server.url("/"));
    Await.until(WAIT, () -> available(r) == 5, () -> "body buffered");
    r.close();
    assertEquals(0, transport.stats().discarded("undrained"));
    assertEquals(1, transport.stats().idle());
    read(client.get(server.url("/")));
    assertEquals(1, server.distinctRemotePorts());
  }

  @Test
  void chunkedBodyWhoseLastChunkIsBufferedIsReusedOnClose() throws Exception {
    serve((c, i) -> {
      while (c.readRequest() != null) {
        c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
      }
    });
    Response r = client.get(server.url("/"));
    assertEquals("hello", new String(r.body().readNBytes(5), StandardCharsets.UTF_8));
    r.close();
    assertEquals(1, transport.stats().idle(), transport.stats().toString());
    read(client.get(server.url("/")));
    assertEquals(1, server.distinctRemotePorts());
  }

  @Test
  void bodyNeverClosedHoldsItsConnectionInUse() throws Exception {
    serve(keepAlive("x".repeat(100_000)));
    Response leaked = client.get(server.url("/"));
    TransportStats s = transport.stats();
    assertEquals(new TransportStats.Host(0, 1, 0), s.hosts().get("http://127.0.0.1:" + server.port()));
    read(client.get(server.url("/")));
    assertEquals(2, server.distinctRemotePorts(), "the held connection cannot serve the second request");
    leaked.close();
  }

  @Test
  void emptyBodyReturnsTheConnectionBeforeTheResponseIsSeen() throws Exception {
    serve((c, i) -> {
      while (c.readRequest() != null) {
        c.write("HTTP/1.1 204 No Content\r\n\r\n");
      }
    });
    Response r = client.get(server.url("/"));
    assertEquals(204, r.status());
    assertEquals(1, transport.stats().idle());
    assertEquals(-1, r.body().read());
  }

  // ---------------------------------------------------------------- retry

  @Test
  void getIsRetriedOnANewConnectionWhenTheServerClosedTheIdleOne() throws Exception {
    serve((c, i) -> {
      if (i == 0) {
        c.readRequest();
        c.ok("first"); // then close: the client's pooled connection is dead
      } else {
        keepAlive("second").run(c, i);
      }
    });
    assertEquals("first", read(client.get(server.url("/"))));
    Await.until(WAIT, () -> server.openConnections() == 0, () -> "server closed the first connection");
    rec.clear();
    assertEquals("second", read(client.get(server.url("/"))));
    assertEquals(2, server.accepted());
    assertEquals(List.of("exchangeStart", "getConn", "gotConn", "wroteHeaders", "wroteRequest", "putIdleConn",
        "exchangeFailed", "exchangeStart", "getConn", "connectStart", "connectDone", "gotConn", "wroteHeaders",
        "wroteRequest", "gotFirstResponseByte", "gotResponseHeaders", "bodyEnd", "putIdleConn"), rec.names());
    assertEquals(1, transport.stats().discarded("error"));
  }

  @Test
  void postWithAStreamBodyIsNotRetried() throws Exception {
    serve((c, i) -> {
      c.readRequest();
      c.ok("first");
    });
    assertEquals("first", read(client.get(server.url("/"))));
    Await.until(WAIT, () -> server.openConnections() == 0, () -> "server closed the first connection");
    Request post = Request.builder("POST", server.url("/"))
        .body(new ByteArrayInputStream("data".getBytes(StandardCharsets.UTF_8)), 4).build();
    IOException e = assertThrows(IOException.class, () -> client.send(post));
    assertTrue(e.getMessage().contains("(a reused connection, request 2 on it)"), e.getMessage());
    assertEquals(1, server.accepted());
  }

  // ---------------------------------------------------------------- found by the llhttp response corpus

  @Test
  void emptyLineAfterContinueIsSkipped() throws Exception {
    serve((c, i) -> {
      c.readRequest();
      c.write("HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\ngone");
      c.awaitClose();
    });
    try (Response r = client.get(server.url("/"))) {
      assertEquals(404, r.status());
      assertEquals("gone", new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void strayEmptyLineAfterABodyDoesNotBreakTheNextResponseOnTheConnection() throws Exception {
    serve((c, i) -> {
      while (c.readRequest() != null) {
        c.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nAAA\r\n");
      }
    });
    assertEquals("AAA", read(client.get(server.url("/"))));
    assertEquals("AAA", read(client.get(server.url("/"))));
    assertEquals(1, server.distinctRemotePorts());
  }

  @Test
  void bareCrBeforeAStatusLineIsAProtocolError() throws Exception {
    serve((c, i) -> {
      c.readRequest();
      c.write("\rHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
      c.awaitClose();
    });
    ProtocolException e = assertThrows(ProtocolException.class, () -> client.get(server.url("/")));
    assertEquals("bare CR before status line", e.getMessage());
  }

  @Test
  void headResponseReportsTheContentLengthAGetWouldHave() throws Exception {
    serve((c, i) -> {
      while (c.readRequest() != null) {
        c.write("HTTP/1.1 200 OK\r\nContent-Length: 123\r\n\r\n");
      }
    });
    try (Response r = client.send(Request.builder("HEAD", server.url("/")).build())) {
      assertEquals(123, r.contentLength());
      assertEquals(-1, r.body().read());
    }
    assertEquals(1, transport.stats().idle(), "a HEAD response has no body: the connection is reusable at once");
  }

  @Test
  void notModifiedWithChunkedFramingHasAnEmptyBodyOfKnownLength() throws Exception {
    serve((c, i) -> {
      while (c.readRequest() != null) {
        c.write("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n");
      }
    });
    try (Response r = client.get(server.url("/"))) {
      assertEquals(0, r.contentLength());
      assertEquals(-1, r.body().read());
    }
  }

  // ---------------------------------------------------------------- malformed responses

  @Test
  void serverDyingMidBodyIsATruncationError() throws Exception {
    serve((c, i) -> {
      c.readRequest();
      c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf");
    });
    Response r = client.get(server.url("/"));
    EOFException e = assertThrows(EOFException.class, () -> r.body().readAllBytes());
    assertEquals("connection closed after 4 of 100 body bytes", e.getMessage());
    assertEquals(1, transport.stats().discarded("error"));
    assertTrue(rec.details().contains("bodyEnd 4/100 drained=false by=error"), rec.details().toString());
  }

  @Test
  void truncatedChunkedBodyIsAnError() throws Exception {
    serve((c, i) -> {
      c.readRequest();
      c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
    });
    Response r = client.get(server.url("/"));
    EOFException e = assertThrows(EOFException.class, () -> r.body().readAllBytes());
    assertEquals("connection closed inside chunked body after 3 bytes", e.getMessage());
  }

  @Test
  void badChunkSizeIsAProtocolError() throws Exception {
    serve((c, i) -> {
      c.readRequest();
      c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
      c.awaitClose();
    });
    Response r = client.get(server.url("/"));
    ProtocolException e = assertThrows(ProtocolException.class, () -> r.body().readAllBytes());
    assertTrue(e.getMessage().startsWith("invalid chunk size line"), e.getMessage());
    r.close();
  }

  @Test
  void malformedStatusLineIsAProtocolError() throws Exception {
    serve((c, i) -> {
      c.readRequest();
      c.write("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n");
      c.awaitClose();
    });
    ProtocolException e = assertThrows(ProtocolException.class, () -> client.get(server.url("/")));
    assertEquals("malformed status code in status line: \"HTTP/1.1 2x0 OK\"", e.getMessage());
    assertEquals(1, transport.stats().discarded("error"));
  }

  @Test
  void headersOverTheLimitAreRejected() throws Exception {
    transport = Transport.builder().maxResponseHeaderBytes(1024).build();
    client = Client.builder().transport(transport).build();
    serve((c, i) -> {
      c.readRequest();
      c.write("HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(2000) + "\r\nContent-Length: 0\r\n\r\n");
      c.awaitClose();
    });
    ProtocolException e = assertThrows(ProtocolException.class, () -> client.get(server.url("/")));
    assertEquals("header section larger than 1024 bytes", e.getMessage());
  }

  // ---------------------------------------------------------------- timeouts and cancellation

  @Test
  void slowHeadersTripResponseHeaderTimeout() throws Exception {
    transport = Transport.builder().responseHeaderTimeout(Duration.ofMillis(200)).build();
    client = Client.builder().transport(transport).trace(rec).build();
    serve((c, i) -> {
      c.readRequest();
      c.awaitClose(); // never answers
    });
    HttpTimeoutException e = assertThrows(HttpTimeoutException.class, () -> client.get(server.url("/")));
    assertEquals("responseHeaderTimeout", e.kind());
    assertEquals("responseHeaderTimeout (200ms) elapsed waiting for response headers", e.getMessage());
    assertTrue(rec.details().contains("timeout responseHeaderTimeout"), rec.details().toString());
    assertEquals(1, transport.stats().discarded("timeout"));
  }

  @Test
  void stalledBodyTripsTheClientTimeout() throws Exception {
    client = Client.builder().transport(transport).timeout(Duration.ofMillis(300)).build();
    serve((c, i) -> {
      c.readRequest();
      c.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
      c.awaitClose(); // stalls mid-body
    });
    Response r = client.get(server.url("/"));
    HttpTimeoutException e = assertThrows(HttpTimeoutException.class, () -> r.body().readAllBytes());
    assertEquals("timeout", e.kind());
    assertEquals("timeout (300ms) elapsed reading the response body", e.getMessage());
  }

  @Test
  void serverThatStopsReadingTripsTheClientTimeoutWhileWritingTheBody() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    client = Client.builder().transport(transport).timeout(Duration.ofMillis(300)).build();
    serve((c, i) -> release.await()); // accepts, never reads: the socket buffers fill up
    try {
      byte[] big = new byte[64 << 20];
      HttpTimeoutException e = assertThrows(HttpTimeoutException.class,
          () -> client.post(server.url("/"), "application/octet-stream", big));
      assertEquals("timeout (300ms) elapsed writing the request body", e.getMessage());
    } finally {
      release.countDown();
    }
  }

  @Test
  void silentTlsServerTripsTlsHandshakeTimeout() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    transport = Transport.builder().tlsHandshakeTimeout(Duration.ofMillis(200)).build();
    client = Client.builder().transport(transport).trace(rec).build();
    serve((c, i) -> release.await()); // accepts TCP, never speaks TLS
    try {
      HttpTimeoutException e = assertThrows(HttpTimeoutException.class,
          () -> client.get("https://127.0.0.1:" + server.port() + "/"));
      assertEquals("tlsHandshakeTimeout", e.kind());
      assertEquals("tlsHandshakeTimeout (200ms) elapsed in the TLS handshake with 127.0.0.1:" + server.port(),
          e.getMessage());
      assertEquals(List.of("exchangeStart", "getConn", "connectStart", "connectDone", "tlsHandshakeStart",
          "tlsHandshakeDone", "timeout", "exchangeFailed"), rec.names());
    } finally {
      release.countDown();
    }
  }

  @Test
  void fullListenBacklogTripsDialTimeout() throws Exception {
    transport = Transport.builder().dialTimeout(Duration.ofMillis(200)).build();
    client = Client.builder().transport(transport).timeout(Duration.ofMillis(1000)).build();
    // A listener that never accepts, its backlog filled: further SYNs are dropped, the dial hangs.
    List<java.net.Socket> fillers = new java.util.ArrayList<>();
    try (java.net.ServerSocket full = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      HttpTimeoutException e = null;
      for (int i = 0; i < 8 && e == null; i++) {
        try {
          client.get("http://127.0.0.1:" + full.getLocalPort() + "/");
        } catch (HttpTimeoutException timeout) {
          if (timeout.kind().equals("dialTimeout")) {
            e = timeout;
          } // else the kernel accepted the connection into the backlog and nobody answered
        } catch (IOException acceptedByTheKernel) {
          // the connection went into the backlog and the request then failed: fill more
        }
        java.net.Socket filler = new java.net.Socket();
        fillers.add(filler);
        try {
          filler.connect(full.getLocalSocketAddress(), 100);
        } catch (IOException backlogFull) {
          // expected once full
        }
      }
      assertTrue(e != null, "no dial timeout with a full backlog");
      assertEquals("dialTimeout", e.kind());
      assertEquals("dialTimeout (200ms) elapsed dialing 127.0.0.1:" + full.getLocalPort(), e.getMessage());
    } finally {
      for (java.net.Socket f : fillers) {
        f.close();
      }
    }
  }

  @Test
  void cancelReleasesACallerWaitingForAConnection() throws Exception {
    transport = Transport.builder().maxConnsPerHost(1).build();
    client = Client.builder().transport(transport).build();
    serve(keepAlive("x".repeat(100_000)));
    Response held = client.get(server.url("/"));
    Request waiting = Request.builder("GET", server.url("/second")).build();
    Threads.start("canceller", () -> {
      Await.until(WAIT, () -> transport.stats().hosts().get("http://127.0.0.1:" + server.port()).waiting() == 1,
          () -> "a caller waiting");
      waiting.cancel();
    });
    IOException e = assertThrows(IOException.class, () -> client.send(waiting));
    assertTrue(e.getMessage().startsWith("request canceled while waiting for a connection"), e.getMessage());
    held.close();
  }

  @Test
  void requestTimeoutShorterThanTheClientsWins() throws Exception {
    client = Client.builder().transport(transport).timeout(Duration.ofSeconds(30)).build();
    serve((c, i) -> {
      c.readRequest();
      c.awaitClose();
    });
    Request req = Request.builder("GET", server.url("/")).timeout(Duration.ofMillis(150)).build();
    HttpTimeoutException e = assertThrows(HttpTimeoutException.class, () -> client.send(req));
    assertEquals("requestTimeout", e.kind());
  }

  @Test
  void cancelAbortsAnExchangeWaitingForHeaders() throws Exception {
    serve((c, i) -> {
      c.readRequest();
      c.awaitClose();
    });
    Request req = Request.builder("GET", server.url("/slow")).build();
    Threads.start("canceller", () -> {
      Await.until(WAIT, () -> server.requests().size() == 1, () -> "request arrived");
      req.cancel();
    });
    IOException e = assertThrows(IOException.class, () -> client.send(req));
    assertTrue(e.getMessage().startsWith("request canceled while waiting for response headers: GET http://"),
        e.getMessage());
    assertTrue(rec.details().contains("canceled waiting for response headers"), rec.details().toString());
    assertEquals(1, transport.stats().discarded("canceled"));
  }

  @Test
  void maxConnsPerHostWaitIsBoundedByTheDeadline() throws Exception {
    transport = Transport.builder().maxConnsPerHost(1).build();
    client = Client.builder().transport(transport).timeout(Duration.ofMillis(200)).build();
    serve(keepAlive("x".repeat(100_000)));
    Response held = client.get(server.url("/"));
    HttpTimeoutException e = assertThrows(HttpTimeoutException.class, () -> client.get(server.url("/")));
    assertEquals("timeout", e.kind());
    assertTrue(e.getMessage().contains("waiting for a connection"), e.getMessage());
    assertEquals(0, transport.stats().hosts().get("http://127.0.0.1:" + server.port()).waiting());
    held.close();
  }

  // ---------------------------------------------------------------- redirects

  @Test
  void redirectsAreFollowedAndCredentialsDroppedAcrossHosts() throws Exception {
    serve((c, i) -> {
      String head;
      while ((head = c.readRequest()) != null) {
        if (head.startsWith("POST /a ")) {
          c.write("HTTP/1.1 303 See Other\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n");
        } else if (head.startsWith("GET /b ")) {
          c.write("HTTP/1.1 302 Found\r\nLocation: http://localhost:" + server.port() + "/c\r\nContent-Length: 3\r\n\r\nabc");
        } else {
          c.ok("done");
        }
      }
    });
    client = Client.builder().transport(transport).header("X-Default", "1").build();
    Request req = Request.builder("POST", server.url("/a")).header("Authorization", "Bearer secret")
        .body("payload").build();
    try (Response r = client.send(req)) {
      assertEquals("done", new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
      assertEquals("http://localhost:" + server.port() + "/c", r.request().uri().toString());
    }
    assertEquals(List.of("POST /a", "GET /b", "GET /c"), server.requests());
    List<String> heads = server.heads();
    assertTrue(heads.get(1).contains("Authorization: Bearer secret"), heads.get(1));
    assertFalse(heads.get(2).contains("Authorization"), heads.get(2));
    assertTrue(heads.get(2).contains("X-Default: 1"), heads.get(2));
  }

  @Test
  void tooManyRedirectsIsAnError() throws Exception {
    serve((c, i) -> {
      while (c.readRequest() != null) {
        c.write("HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n");
      }
    });
    IOException e = assertThrows(IOException.class, () -> client.get(server.url("/")));
    assertEquals("stopped after 10 redirects: GET " + server.url("/"), e.getMessage());
    assertEquals(11, server.requests().size());
    assertEquals(1, server.accepted());
  }
}
