package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.Nginx;
import io.httpdiag.http.testing.TraceRecorder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client against a server not written here: nginx, whose access log shows connection reuse. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang is a failure
class ClientNginxTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private Nginx nginx;
  private Transport transport;

  @AfterEach
  void allConnectionsReleased() throws Exception {
    try {
      if (transport != null) {
        Await.until(WAIT, () -> transport.stats().inUse() == 0, () -> "connections in use: " + transport.stats());
        transport.close();
        assertEquals(0, transport.stats().idle(), "idle after close: " + transport.stats());
      }
    } finally {
      if (nginx != null) {
        nginx.close();
      }
    }
  }

  private Client client(Transport.Builder b) throws Exception {
    if (nginx == null) {
      nginx = Nginx.start();
    }
    transport = b.build();
    return Client.builder().transport(transport).build();
  }

  private static String get(Client c, String url) throws IOException {
    try (Response r = c.get(url)) {
      return new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void keepAliveReusesOneConnectionAsSeenByNginx() throws Exception {
    Client c = client(Transport.builder());
    for (int i = 0; i < 5; i++) {
      assertEquals("hello, world\n", get(c, nginx.url("/")));
    }
    assertEquals(1, nginx.distinctConnections(5), "nginx log: " + nginx.accessLog());
    assertEquals(List.of("1", "2", "3", "4", "5"), nginx.accessLog().stream().map(l -> l.split(" ")[1]).toList());
    TransportStats s = transport.stats();
    assertEquals(1, s.dials());
    assertEquals(4, s.reuses());
    assertEquals(Map.of("http://127.0.0.1:" + nginx.url("").split(":")[2], new TransportStats.Host(1, 0, 0)), s.hosts());
  }

  @Test
  void traceOfAFreshThenAReusedConnection() throws Exception {
    TraceRecorder rec = new TraceRecorder();
    nginx = Nginx.start();
    transport = Transport.builder().build();
    Client c = Client.builder().transport(transport).trace(rec).build();
    get(c, nginx.url("/"));
    assertEquals(List.of("exchangeStart", "getConn", "connectStart", "connectDone", "gotConn", "wroteHeaders",
        "wroteRequest", "gotFirstResponseByte", "gotResponseHeaders", "bodyEnd", "putIdleConn"), rec.names());
    assertTrue(rec.details().contains("bodyEnd 13/13 drained=true by=eof"), rec.details().toString());
    rec.clear();
    get(c, nginx.url("/"));
    assertEquals(List.of("exchangeStart", "getConn", "gotConn", "wroteHeaders", "wroteRequest", "gotFirstResponseByte",
        "gotResponseHeaders", "bodyEnd", "putIdleConn"), rec.names());
    assertTrue(rec.details().contains("gotConn reused=true wasIdle=true n=2"), rec.details().toString());
  }

  @Test
  void maxConnsPerHostMakesCallersWaitAndBoundsConnections() throws Exception {
    Client c = client(Transport.builder().maxConnsPerHost(2).maxIdleConnsPerHost(2));
    int n = 20;
    CountDownLatch done = new CountDownLatch(n);
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < n; i++) {
      io.httpdiag.http.internal.Threads.start("req", () -> {
        try {
          get(c, nginx.url("/big"));
        } catch (Throwable t) {
          errors.add(t);
        } finally {
          done.countDown();
        }
      });
    }
    assertTrue(done.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(List.of(), errors);
    assertTrue(nginx.distinctConnections(n) <= 2, "nginx log: " + nginx.accessLog());
    assertTrue(transport.stats().dials() <= 2, transport.stats().toString());
  }

  @Test
  void idleConnectionIsClosedAfterIdleConnTimeout() throws Exception {
    Client c = client(Transport.builder().idleConnTimeout(Duration.ofMillis(100)));
    get(c, nginx.url("/"));
    Await.until(WAIT, () -> transport.stats().discarded("idleTimeout") == 1, () -> "idle eviction: " + transport.stats());
    assertEquals(0, transport.stats().idle());
    get(c, nginx.url("/"));
    assertEquals(2, nginx.distinctConnections(2), "nginx log: " + nginx.accessLog());
    assertEquals(2, transport.stats().dials());
  }

  @Test
  void connectionCloseFromTheServerDiscardsTheConnection() throws Exception {
    Client c = client(Transport.builder());
    assertEquals("closing\n", get(c, nginx.url("/close")));
    assertEquals("closing\n", get(c, nginx.url("/close")));
    assertEquals(2, nginx.distinctConnections(2));
    assertEquals(2, transport.stats().discarded("connectionClose"));
    assertEquals(0, transport.stats().idle());
  }

  @Test
  void disableKeepAlivesUsesAConnectionPerRequest() throws Exception {
    Client c = client(Transport.builder().disableKeepAlives(true));
    get(c, nginx.url("/"));
    get(c, nginx.url("/"));
    assertEquals(2, nginx.distinctConnections(2));
    assertEquals(2, transport.stats().discarded("keepAlivesDisabled"));
  }

  @Test
  void chunkedResponseIsDecodedAndTheConnectionReused() throws Exception {
    Client c = client(Transport.builder());
    try (Response r = c.get(nginx.url("/chunked.html"))) {
      assertEquals(200, r.status());
      assertEquals("chunked", r.headers().get("Transfer-Encoding"));
      assertEquals(-1, r.contentLength());
      assertEquals("chunk-A-body\n".repeat(100), new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
    }
    get(c, nginx.url("/chunked.html"));
    assertEquals(1, nginx.distinctConnections(2));
  }

  @Test
  void bodyClosedEarlyDiscardsTheConnection() throws Exception {
    Client c = client(Transport.builder());
    try (Response r = c.get(nginx.url("/big"))) {
      r.body().readNBytes(10);
    }
    assertEquals(1, transport.stats().discarded("undrained"));
    get(c, nginx.url("/"));
    assertEquals(2, nginx.distinctConnections(2));
  }

  @Test
  void httpsWithHostnameVerificationAlpnAndReuse() throws Exception {
    nginx = Nginx.startTls();
    TraceRecorder rec = new TraceRecorder();
    transport = Transport.builder().sslContext(trusting(nginx)).build();
    Client c = Client.builder().transport(transport).trace(rec).build();
    assertEquals("hello, world\n", get(c, nginx.tlsUrl("/")));
    assertEquals("hello, world\n", get(c, nginx.tlsUrl("/")));
    assertEquals(1, nginx.distinctConnections(2));
    List<String> tls = rec.details().stream().filter(d -> d.startsWith("tls") || d.startsWith("gotConn")).toList();
    assertEquals(4, tls.size(), rec.details().toString());
    assertEquals("tlsHandshakeStart", tls.get(0));
    assertTrue(tls.get(1).matches("tlsHandshakeDone TLSv1\\.[23] alpn=http/1\\.1"), tls.get(1));
    assertEquals("gotConn reused=false wasIdle=false n=1", tls.get(2));
    assertEquals("gotConn reused=true wasIdle=true n=2", tls.get(3));
    assertTrue(rec.names().contains("dnsStart"), "localhost is resolved: " + rec.names());
  }

  @Test
  void httpsRejectsACertificateThatDoesNotNameTheHost() throws Exception {
    nginx = Nginx.startTls();
    transport = Transport.builder().sslContext(trusting(nginx)).build();
    Client c = Client.builder().transport(transport).build();
    // The certificate names DNS:localhost only; 127.0.0.1 must fail hostname verification.
    SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
        () -> c.get("https://127.0.0.1:" + nginx.tlsPort() + "/"));
    assertTrue(e.getMessage().contains("127.0.0.1"), e.getMessage());
    assertEquals(1, transport.stats().dials());
  }

  @Test
  void httpsWithTheDefaultTrustStoreRejectsASelfSignedCertificate() throws Exception {
    nginx = Nginx.startTls();
    transport = Transport.builder().build();
    Client c = Client.builder().transport(transport).build();
    assertThrows(SSLHandshakeException.class, () -> c.get(nginx.tlsUrl("/")));
  }

  static SSLContext trusting(Nginx nginx) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(nginx.certificatePem())) {
      ks.setCertificateEntry("nginx", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
