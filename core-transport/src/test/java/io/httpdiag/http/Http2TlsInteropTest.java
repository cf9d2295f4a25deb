package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.Curl;
import io.httpdiag.http.testing.TestCerts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The server's HTTP/2 against real clients: h2 picked by ALPN over TLS (curl, the JDK HttpClient,
 * Jetty 12's HTTP/2 client), HTTP/1.1 still served on the same TLS port, Jetty over h2c too, and
 * many concurrent requests multiplexed on one connection.
 */
class Http2TlsInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final Set<Long> connections = ConcurrentHashMap.newKeySet();
  private final List<String> alpn = new ArrayList<>();
  private Server server;
  /** One Jetty client for the class: starting one costs seconds on a loaded machine. */
  private static org.eclipse.jetty.client.HttpClient jetty;

  private Server start(Server.Builder b) throws IOException {
    server = b.handler((w, r) -> w.write(r.protocol() + " " + r.uri().getScheme() + " " + r.uri().getPath()))
        .trace(new ServerTrace() {
          @Override
          public void connAccepted(long connectionId, String remoteAddress, String localAddress) {
            connections.add(connectionId);
          }

          @Override
          public void tlsHandshakeDone(long connectionId, String protocol, String cipherSuite, String alpnProtocol,
              Throwable error) {
            synchronized (alpn) {
              alpn.add(alpnProtocol);
            }
          }
        }).build().start();
    return server;
  }

  private Server startTls() throws Exception {
    return start(Server.builder().tls(TestCerts.serverContext()));
  }

  @AfterAll
  static void stopJetty() throws Exception {
    if (jetty != null) {
      jetty.stop();
    }
  }

  @AfterEach
  void noLeakedConnections() throws Exception {
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " connections open");
    }
  }

  @Test
  void alpnPicksH2AndHttp11IsStillServedOnTheSamePort() throws Exception {
    startTls();
    assertEquals("h2", handshake("h2", "http/1.1"));
    assertEquals("http/1.1", handshake("http/1.1"));
    assertEquals(null, handshake(), "a client without ALPN gets no protocol: HTTP/1.1");
    // And the request after each: the JDK client pinned to HTTP/1.1 is served as before.
    HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(TestCerts.clientContext())
        .build();
    HttpResponse<String> r = h1.send(HttpRequest.newBuilder(URI.create(server.url("/one"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(HttpClient.Version.HTTP_1_1, r.version());
    assertEquals("HTTP/1.1 https /one", r.body());
  }

  @Test
  void http2CanBeTurnedOffForTls() throws Exception {
    start(Server.builder().tls(TestCerts.serverContext()).http2(false));
    assertEquals("http/1.1", handshake("h2", "http/1.1"));
  }

  @Test
  void theJdkHttpClientMultiplexesConcurrentRequestsOnOneTlsConnection() throws Exception {
    int n = 50;
    CountDownLatch allRunning = new CountDownLatch(n);
    server = Server.builder().tls(TestCerts.serverContext()).handler((w, r) -> {
      if (r.uri().getPath().startsWith("/wait")) {
        allRunning.countDown(); // the handlers run at the same time: they are streams, not queued requests
        if (!allRunning.await(20, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the streams did not run concurrently");
        }
      }
      w.write(r.protocol() + " " + r.uri().getPath());
    }).trace(new ServerTrace() {
      @Override
      public void connAccepted(long connectionId, String remoteAddress, String localAddress) {
        connections.add(connectionId);
      }
    }).build().start();
    HttpClient client = HttpClient.newBuilder().sslContext(TestCerts.clientContext()).build(); // HTTP_2 by default
    HttpResponse<String> first = client.send(HttpRequest.newBuilder(URI.create(server.url("/first"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(HttpClient.Version.HTTP_2, first.version());
    assertEquals("HTTP/2.0 /first", first.body());
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(client.sendAsync(HttpRequest.newBuilder(URI.create(server.url("/wait/" + i))).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = all.get(i).get(30, TimeUnit.SECONDS);
      assertEquals(HttpClient.Version.HTTP_2, r.version());
      assertEquals("HTTP/2.0 /wait/" + i, r.body());
    }
    assertEquals(1, connections.size(), "every request on one connection");
  }

  @Test
  void curlNegotiatesH2OverTls() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl not installed (.ci/run installs it)");
    startTls();
    assertEquals("HTTP/2.0 https /a v2", curl("--http2", server.url("/a")));
    assertEquals("HTTP/1.1 https /b v1.1", curl("--http1.1", server.url("/b")));
  }

  @Test
  void jettysHttp2ClientOverTls() throws Exception {
    startTls();
    assertJettyMultiplexes("https");
    assertEquals(List.of("h2"), alpn);
  }

  @Test
  void jettysHttp2ClientOverH2c() throws Exception {
    start(Server.builder().h2c(true));
    assertJettyMultiplexes("http");
  }

  private void assertJettyMultiplexes(String scheme) throws Exception {
    if (jetty == null) {
      SslContextFactory.Client ssl = new SslContextFactory.Client();
      ssl.setSslContext(TestCerts.clientContext());
      jetty = jetty(ssl); // h2 by ALPN for https, h2c prior knowledge for http
    }
    ContentResponse first = jetty.GET(server.url("/first"));
    assertEquals(200, first.getStatus());
    assertEquals(org.eclipse.jetty.http.HttpVersion.HTTP_2, first.getVersion());
    assertEquals("HTTP/2.0 " + scheme + " /first", first.getContentAsString());
    List<CompletableFuture<ContentResponse>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(new CompletableResponseListener(jetty.newRequest(server.url("/" + i))).send());
    }
    for (int i = 0; i < 20; i++) {
      assertEquals("HTTP/2.0 " + scheme + " /" + i, all.get(i).get(30, TimeUnit.SECONDS).getContentAsString());
    }
    assertEquals(1, connections.size(), "Jetty multiplexed on one connection");
  }

  private static org.eclipse.jetty.client.HttpClient jetty(SslContextFactory.Client ssl) throws Exception {
    ClientConnector connector = new ClientConnector();
    connector.setSslContextFactory(ssl);
    org.eclipse.jetty.client.HttpClient c =
        new org.eclipse.jetty.client.HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(connector)));
    c.start();
    return c;
  }

  /** A bare TLS handshake offering {@code protocols} by ALPN; returns what the server picked (null: none). */
  private String handshake(String... protocols) throws Exception {
    SSLContext ctx = TestCerts.clientContext();
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", server.port())) {
      SSLParameters p = s.getSSLParameters();
      if (protocols.length > 0) {
        p.setApplicationProtocols(protocols);
      }
      s.setSSLParameters(p);
      s.startHandshake();
      String picked = s.getApplicationProtocol();
      return picked == null || picked.isEmpty() ? null : picked;
    }
  }

  /** curl over TLS trusting any certificate, printing the HTTP version it spoke after the body. */
  private static String curl(String... args) throws Exception {
    List<String> withTls = new ArrayList<>(List.of("-k", "-w", " v%{http_version}"));
    withTls.addAll(List.of(args));
    return Curl.output(Curl.start(withTls.toArray(new String[0])));
  }
}
