package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.Curl;
import io.httpdiag.http.testing.TestCerts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The server against clients not written here: curl and the JDK HttpClient, plain and TLS. */
class ServerInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final Set<Long> connections = ConcurrentHashMap.newKeySet();
  private final List<String> tls = new ArrayList<>();
  private Server server;

  private Server start(Server.Builder b) throws IOException {
    server = b.trace(new ServerTrace() {
      @Override
      public void connAccepted(long connectionId, String remoteAddress, String localAddress) {
        connections.add(connectionId);
      }

      @Override
      public void tlsHandshakeDone(long connectionId, String protocol, String cipherSuite, String alpn, Throwable error) {
        synchronized (tls) {
          tls.add(protocol + " " + alpn + " " + error);
        }
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

  private static void assumeCurl() {
    boolean present = Files.isExecutable(Path.of("/usr/bin/curl")) || Files.isExecutable(Path.of("/usr/local/bin/curl"));
    Assumptions.assumeTrue(present, "curl not installed (.ci/run installs it)");
  }

  @Test
  void curlReusesTheConnectionForTwoUrls() throws Exception {
    assumeCurl();
    start(Server.builder().handler((w, r) -> w.write("Hello, World!")));
    String out = run(curl(server.url("/a"), server.url("/b")));
    assertEquals("Hello, World!Hello, World!", out);
    assertEquals(1, connections.size(), "curl should reuse its keep-alive connection");
  }

  @Test
  void curlChunkedUploadIsDecoded() throws Exception {
    assumeCurl();
    start(Server.builder().handler((w, r) -> {
      byte[] body = r.body().readAllBytes();
      w.write(r.headers().get("Transfer-Encoding") + " " + body.length);
    }));
    Process p = curl("-T", "-", server.url("/upload"));
    try (OutputStream stdin = p.getOutputStream()) {
      stdin.write("x".repeat(100_000).getBytes(StandardCharsets.US_ASCII));
    }
    assertEquals("chunked 100000", run(p));
  }

  @Test
  void curlStreamsServerSentEventsAsTheyAreFlushed() throws Exception {
    assumeCurl();
    CountDownLatch clientSawFirst = new CountDownLatch(1);
    start(Server.builder().handler((w, r) -> {
      w.headers().set("Content-Type", "text/event-stream");
      w.write("data: one\n\n");
      w.flush();
      if (!clientSawFirst.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("curl -N never showed the first event");
      }
      w.write("data: two\n\n");
    }));
    Process p = curl("-N", server.url("/events"));
    BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    assertEquals("data: one", lines.readLine());
    clientSawFirst.countDown();
    assertEquals("", lines.readLine());
    assertEquals("data: two", lines.readLine());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue());
  }

  @Test
  void jdkClientOverTlsWithAlpnAndHostnameVerification() throws Exception {
    // http2(false): ALPN offers http/1.1 alone (Http2TlsInteropTest covers h2 by ALPN, the default).
    start(Server.builder().tls(TestCerts.serverContext()).http2(false)
        .handler((w, r) -> w.write("secure " + r.uri().getScheme())));
    HttpClient client = HttpClient.newBuilder().sslContext(TestCerts.clientContext())
        .version(HttpClient.Version.HTTP_2).build(); // asks for h2; our ALPN answers http/1.1
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/"))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals("secure https", r.body());
      assertEquals(HttpClient.Version.HTTP_1_1, r.version());
    }
    synchronized (tls) {
      assertTrue(tls.get(0).startsWith("TLSv1.3 http/1.1 null"), tls.toString());
    }
  }

  @Test
  void curlOverTls() throws Exception {
    assumeCurl();
    start(Server.builder().tls(TestCerts.serverContext()).handler((w, r) -> w.write("secure")));
    // curl cannot read PKCS12 trust anchors portably; -k skips verification, the JDK test above verifies.
    assertEquals("securesecure", run(curl("-k", server.url("/"), server.url("/"))));
    assertEquals(1, connections.size());
  }

  @Test
  void jdkClientSeesHandshakeFailureAsAnErrorNotAHang() throws Exception {
    start(Server.builder().tls(TestCerts.serverContext()).handler((w, r) -> w.write("secure")));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(); // default trust: rejects
    try {
      client.send(HttpRequest.newBuilder(URI.create(server.url("/"))).build(), HttpResponse.BodyHandlers.ofString());
      throw new AssertionError("untrusted certificate accepted");
    } catch (IOException expected) {
      // javax.net.ssl.SSLHandshakeException
    }
    Await.until(WAIT, () -> {
      synchronized (tls) {
        return !tls.isEmpty() && !tls.get(0).endsWith("null");
      }
    }, tls::toString);
  }
}
