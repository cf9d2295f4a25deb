package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.TestCerts;
import io.httpdiag.http.testing.TraceRecorder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/2 client against Jetty 12's HTTP/2 server: h2c with prior knowledge and h2 over TLS
 * negotiated by ALPN (and http/1.1 when forceAttemptHttp2 is off), Jetty's stream limit making the
 * pool dial a second connection, 3 MB both ways, an early close keeping the connection.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Http2ClientJettyTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private org.eclipse.jetty.server.Server jetty;
  private Transport transport;
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private volatile CountDownLatch arrived = new CountDownLatch(0);

  @AfterEach
  void stop() throws Exception {
    if (transport != null) {
      Await.until(WAIT, () -> transport.stats().activeStreams() == 0, () -> "streams held: " + transport.stats());
      transport.close();
    }
    if (jetty != null) {
      jetty.stop();
    }
  }

  /** Starts Jetty with an h2c connector and a TLS connector (ALPN h2, http/1.1); returns their ports. */
  private int[] startJetty(int maxConcurrentStreams) throws Exception {
    jetty = new org.eclipse.jetty.server.Server();
    HttpConfiguration plain = new HttpConfiguration();
    HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(plain);
    h2c.setMaxConcurrentStreams(maxConcurrentStreams);
    ServerConnector clear = new ServerConnector(jetty, new HttpConnectionFactory(plain), h2c);
    clear.setHost("127.0.0.1");
    HttpConfiguration secure = new HttpConfiguration();
    SecureRequestCustomizer src = new SecureRequestCustomizer();
    src.setSniHostCheck(false);
    secure.addCustomizer(src);
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setSslContext(TestCerts.serverContext());
    HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(secure);
    h2.setMaxConcurrentStreams(maxConcurrentStreams);
    ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
    alpn.setDefaultProtocol("http/1.1");
    ServerConnector tls = new ServerConnector(jetty, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, h2,
        new HttpConnectionFactory(secure));
    tls.setHost("127.0.0.1");
    jetty.addConnector(clear);
    jetty.addConnector(tls);
    jetty.setHandler(new org.eclipse.jetty.server.Handler.Abstract() {
      @Override
      public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
          Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        byte[] body;
        if (path.equals("/echo")) {
          try (InputStream in = Content.Source.asInputStream(request)) {
            body = in.readAllBytes();
          }
        } else if (path.equals("/big")) {
          body = new byte[3 << 20];
        } else {
          if (path.startsWith("/held")) {
            arrived.countDown();
            gate.await(20, TimeUnit.SECONDS);
          }
          body = (request.getConnectionMetaData().getProtocol() + " " + path).getBytes(StandardCharsets.UTF_8);
        }
        response.getHeaders().put("Content-Length", body.length);
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
          out.write(body);
        } catch (IOException e) {
          // the client reset the stream
        }
        callback.succeeded();
        return true;
      }
    });
    jetty.start();
    return new int[] {clear.getLocalPort(), tls.getLocalPort()};
  }

  private Client client(Transport.Builder b) throws Exception {
    transport = b.sslContext(TestCerts.clientContext()).build();
    return Client.builder().transport(transport).build();
  }

  private static String text(Response r) throws IOException {
    try (r) {
      return new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void h2cWithPriorKnowledge() throws Exception {
    int port = startJetty(100)[0];
    Client c = client(Transport.builder().h2c(true));
    try (Response r = c.get("http://127.0.0.1:" + port + "/x")) {
      assertEquals("HTTP/2.0", r.protocol());
      assertEquals("HTTP/2.0 /x", new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void tlsNegotiatesH2ByAlpnAndHttp11WhenNotAttempted() throws Exception {
    int port = startJetty(100)[1];
    Client c = client(Transport.builder());
    TraceRecorder rec = new TraceRecorder();
    try (Response r = c.send(Request.builder("GET", "https://localhost:" + port + "/tls").trace(rec).build())) {
      assertEquals("HTTP/2.0", r.protocol());
      assertEquals("HTTP/2.0 /tls", new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
    }
    assertTrue(rec.details().stream().anyMatch(d -> d.startsWith("tlsHandshakeDone") && d.endsWith("alpn=h2")),
        rec.details().toString());
    transport.close();
    Client h1 = client(Transport.builder().forceAttemptHttp2(false));
    assertEquals("HTTP/1.1 /tls", text(h1.get("https://localhost:" + port + "/tls")));
    assertEquals(0, transport.stats().h2Dials());
  }

  @Test
  void threeMegabytesBothWaysOverTls() throws Exception {
    int port = startJetty(100)[1];
    Client c = client(Transport.builder());
    byte[] upload = new byte[3 << 20];
    new Random(11).nextBytes(upload);
    try (Response r = c.send(Request.builder("POST", "https://localhost:" + port + "/echo").body(upload).build())) {
      assertEquals("HTTP/2.0", r.protocol());
      assertArrayEquals(upload, r.body().readAllBytes());
    }
  }

  @Test
  void streamsPastJettysLimitGoToASecondConnection() throws Exception {
    int port = startJetty(2)[0];
    Client c = client(Transport.builder().h2c(true));
    String base = "http://127.0.0.1:" + port;
    assertEquals("HTTP/2.0 /warm-up", text(c.get(base + "/warm-up"))); // the client has Jetty's SETTINGS now
    gate = new CountDownLatch(1);
    arrived = new CountDownLatch(4);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String path = "/held" + i;
        results.add(pool.submit(() -> text(c.get(base + path))));
      }
      assertTrue(arrived.await(20, TimeUnit.SECONDS), "4 streams did not reach Jetty at once: " + transport.stats());
      assertEquals(2, transport.stats().h2Conns(), transport.stats().toString());
      assertEquals(4, transport.stats().activeStreams(), transport.stats().toString());
      gate.countDown();
      List<String> got = new ArrayList<>();
      for (Future<String> f : results) {
        got.add(f.get(20, TimeUnit.SECONDS));
      }
      Collections.sort(got);
      assertEquals(List.of("HTTP/2.0 /held0", "HTTP/2.0 /held1", "HTTP/2.0 /held2", "HTTP/2.0 /held3"), got);
    } finally {
      gate.countDown();
      pool.shutdownNow();
    }
    assertEquals(2, transport.stats().dials(), transport.stats().toString());
  }

  @Test
  void closingABodyEarlyKeepsTheConnection() throws Exception {
    int port = startJetty(100)[1];
    Client c = client(Transport.builder());
    TraceRecorder rec = new TraceRecorder();
    Response r = c.send(Request.builder("GET", "https://localhost:" + port + "/big").trace(rec).build());
    assertEquals(3 << 20, r.contentLength());
    r.body().readNBytes(100);
    r.close();
    assertTrue(rec.details().contains("streamReset CANCEL sent"), rec.details().toString());
    assertEquals("HTTP/2.0 /after", text(c.get("https://localhost:" + port + "/after")));
    assertEquals(1, transport.stats().dials(), transport.stats().toString());
  }
}
