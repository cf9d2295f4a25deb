package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.Curl;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * h2c with prior knowledge against curl (built with nghttp2): HTTP/2 and HTTP/1.1 on one port,
 * response headers, bodies larger than the flow-control windows both ways, a failing handler.
 */
class Http2CurlTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final Set<Long> connections = ConcurrentHashMap.newKeySet();
  private Server server;

  @BeforeEach
  void curlWithHttp2() throws Exception {
    boolean present = Files.isExecutable(Path.of("/usr/bin/curl")) || Files.isExecutable(Path.of("/usr/local/bin/curl"));
    Assumptions.assumeTrue(present, "curl not installed (.ci/run installs it)");
    Process p = new ProcessBuilder("curl", "-V").start();
    String version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    Assumptions.assumeTrue(version.contains("HTTP2"), "curl without HTTP/2: " + version);
  }

  private Server start(Handler handler) throws IOException {
    server = Server.builder().h2c(true).handler(handler).trace(new ServerTrace() {
      @Override
      public void connAccepted(long connectionId, String remoteAddress, String localAddress) {
        connections.add(connectionId);
      }
    }).build().start();
    return server;
  }

  @AfterEach
  void noLeakedConnections() {
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " connections open");
    }
  }

  private static Process curl(String... args) throws IOException {
    return Curl.start(args);
  }

  private static String run(Process p) throws Exception {
    return Curl.output(p);
  }

  @Test
  void http2AndHttp11AreServedOnTheSamePort() throws Exception {
    start((w, r) -> w.write(r.protocol() + " " + r.method() + " " + r.uri().getPath() + " " + r.headers().get("user-agent")));
    String h2 = run(curl("--http2-prior-knowledge", "-A", "t", "-w", " v%{http_version}", server.url("/two")));
    assertEquals("HTTP/2.0 GET /two t v2", h2);
    String h1 = run(curl("--http1.1", "-A", "t", "-w", " v%{http_version}", server.url("/one")));
    assertEquals("HTTP/1.1 GET /one t v1.1", h1);
    assertEquals(2, connections.size());
  }

  @Test
  void anHttp11PostStartingLikeThePrefaceIsServedAsHttp11() throws Exception {
    // "POST" shares its first byte with "PRI *": the bytes read while telling them apart go back to HTTP/1.1.
    start((w, r) -> w.write(r.protocol() + " " + r.method() + " " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8)));
    assertEquals("HTTP/1.1 POST a=1", run(curl("--http1.1", "-d", "a=1", server.url("/"))));
  }

  @Test
  void responseHeadersArriveAndStatusIsKept() throws Exception {
    start((w, r) -> {
      w.headers().set("X-Answer", "42");
      w.headers().set("Connection", "close"); // connection-specific: never sent on HTTP/2
      w.writeHeader(201);
      w.write("made");
    });
    String out = run(curl("--http2-prior-knowledge", "-i", server.url("/")));
    String head = out.substring(0, out.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
    assertTrue(head.startsWith("http/2 201"), head);
    assertTrue(head.contains("\r\nx-answer: 42"), head);
    assertTrue(head.contains("\r\ncontent-length: 4"), head);
    assertTrue(head.contains("\r\ndate: "), head);
    assertTrue(!head.contains("connection"), head);
    assertTrue(out.endsWith("\r\n\r\nmade"), out);
  }

  @Test
  void bodiesLargerThanTheWindowsFlowBothWays() throws Exception {
    // 1 MiB up and 3 MiB down: 16 and 48 times the 64 KiB initial windows.
    start((w, r) -> {
      byte[] body = r.body().readAllBytes();
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      String digest = HexFormat.of().formatHex(sha.digest(body));
      byte[] chunk = new byte[10_000];
      java.util.Arrays.fill(chunk, (byte) 'z');
      w.write(body.length + " " + digest + "\n");
      for (int i = 0; i < 300; i++) {
        w.write(chunk);
      }
    });
    byte[] upload = new byte[1 << 20];
    new java.util.Random(1).nextBytes(upload);
    Process p = curl("--http2-prior-knowledge", "--data-binary", "@-", "-H", "Content-Type: application/octet-stream",
        server.url("/echo"));
    try (OutputStream stdin = p.getOutputStream()) {
      stdin.write(upload);
    }
    String out = run(p);
    String expected = (1 << 20) + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(upload)) + "\n";
    assertTrue(out.startsWith(expected), out.substring(0, Math.min(200, out.length())));
    assertEquals(expected.length() + 3_000_000, out.length());
  }

  // Several URLs on one prior-knowledge connection are not tested with curl: Debian's curl 7.88.1
  // fails the second request on a reused h2c connection with "Error in the HTTP2 framing layer"
  // before sending it (curl/curl#10634, fixed in 8.0 by curl/curl#10643). Http2ServerTest
  // multiplexes streams with a client of its own.

  @Test
  void aHandlerFailureIsA500() throws Exception {
    start((w, r) -> {
      throw new IllegalStateException("boom");
    });
    assertEquals("500", run(curl("--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}", server.url("/"))));
  }
}
