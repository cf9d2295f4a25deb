package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.TraceRecorder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/2 client (h2c) against nghttpd, nghttp2's reference server (Debian package
 * nghttp2-server; .ci/run installs it): 64 concurrent requests on one dial, a 3 MB file down and
 * 3 MB echoed up and back, an early close that resets only the stream.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Http2ClientNghttpdTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final byte[] BIG = new byte[3 << 20];
  private static Process nghttpd;
  private static Path docs;
  private static int port;
  private Transport transport;
  private Client client;

  @BeforeAll
  static void startNghttpd() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nghttpd")) || Files.isExecutable(Path.of("/usr/bin/nghttpd")),
        "nghttpd not installed (.ci/run installs nghttp2-server)");
    docs = Files.createTempDirectory("nghttpd-docs");
    new Random(3).nextBytes(BIG);
    Files.write(docs.resolve("big"), BIG);
    Files.writeString(docs.resolve("small"), "small file");
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    nghttpd = new ProcessBuilder("nghttpd", "--no-tls", "--echo-upload", "-d", docs.toString(),
        "--address=127.0.0.1", Integer.toString(port))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    Await.until(WAIT, Http2ClientNghttpdTest::listening, () -> "nghttpd did not listen on " + port);
  }

  private static boolean listening() {
    if (!nghttpd.isAlive()) {
      throw new AssertionError("nghttpd exited with " + nghttpd.exitValue());
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @AfterAll
  static void stopNghttpd() throws Exception {
    if (nghttpd != null) {
      nghttpd.destroy();
      nghttpd.waitFor(10, TimeUnit.SECONDS);
    }
    if (docs != null) {
      for (String f : new String[] {"big", "small"}) {
        Files.deleteIfExists(docs.resolve(f));
      }
      Files.deleteIfExists(docs);
    }
  }

  @AfterEach
  void closeTransport() {
    if (transport != null) {
      Await.until(WAIT, () -> transport.stats().activeStreams() == 0, () -> "streams held: " + transport.stats());
      transport.close();
    }
  }

  private Client client() {
    transport = Transport.builder().h2c(true).build();
    client = Client.builder().transport(transport).build();
    return client;
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  private static String text(Response r) throws IOException {
    try (r) {
      return new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void sixtyFourConcurrentRequestsOnOneDial() throws Exception {
    Client c = client();
    ExecutorService pool = Executors.newFixedThreadPool(64);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        results.add(pool.submit(() -> text(c.get(url("/small")))));
      }
      for (Future<String> f : results) {
        assertEquals("small file", f.get(20, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, transport.stats().dials(), transport.stats().toString());
    assertEquals(1, transport.stats().h2Dials());
  }

  @Test
  void threeMegabytesDownAndEchoedUp() throws Exception {
    Client c = client();
    try (Response r = c.get(url("/big"))) {
      assertEquals("HTTP/2.0", r.protocol());
      assertEquals(BIG.length, r.contentLength());
      assertArrayEquals(BIG, r.body().readAllBytes());
    }
    try (Response r = c.send(Request.builder("POST", url("/echo")).body(BIG).build())) {
      assertArrayEquals(BIG, r.body().readAllBytes());
    }
    assertEquals(1, transport.stats().dials());
  }

  @Test
  void anEarlyCloseResetsTheStreamAndTheConnectionServesTheNextRequest() throws Exception {
    Client c = client();
    TraceRecorder rec = new TraceRecorder();
    Response r = c.send(Request.builder("GET", url("/big")).trace(rec).build());
    r.body().readNBytes(10_000);
    r.close();
    assertTrue(rec.details().contains("streamReset CANCEL sent"), rec.details().toString());
    assertEquals("small file", text(c.get(url("/small"))));
    assertEquals(1, transport.stats().dials(), transport.stats().toString());
  }
}
