package io.httpdiag.junit.samples;

import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import io.httpdiag.junit.HttpLeakCheck;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each test leaks one thing on purpose and must fail with its diagnosis (run through EngineTestKit
 * by LeakCheckIT, never directly). Lines marked {@code // LEAK:} are the ones the report must name.
 */
@HttpLeakCheck
class LeakSamples {
  static Server server;
  static final List<AutoCloseable> leaked = new ArrayList<>();
  static final CountDownLatch release = new CountDownLatch(1);

  @BeforeAll
  static void startServer() throws Exception {
    server = SampleServer.start();
  }

  @AfterAll
  static void cleanUp() throws Exception {
    release.countDown();
    SampleServer.releaseStalled();
    for (AutoCloseable c : leaked) c.close();
    server.close();
  }

  @Test
  void bodyNotClosed() throws Exception {
    Response r = SampleServer.CLIENT.get(server.url("/big")); // LEAK: body
    leaked.add(r);
  }

  @Test
  void exchangeStillInFlight() throws Exception {
    Thread caller = new Thread(() -> {
      try (Response r = SampleServer.CLIENT.get(server.url("/stall"))) { // LEAK: in flight
        r.body().readAllBytes();
      } catch (Exception e) {
        // the server is released at the end of the class
      }
    }, "stalled-caller");
    caller.start();
  }

  @Test
  void threadLeftRunning() {
    Thread t = new Thread(() -> {
      try {
        release.await(); // LEAK: thread
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "left-behind");
    t.start();
  }

  @Test
  void virtualThreadLeftRunning() throws Exception {
    Assumptions.assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21+");
    ExecutorService virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
    virtual.submit(() -> {
      release.await(); // LEAK: virtual thread
      return null;
    });
    leaked.add(virtual::shutdownNow);
  }

  @Test
  void serverNotClosed() throws Exception {
    Server s = SampleServer.start(); // LEAK: server
    leaked.add(s);
  }

  @Test
  void jdkClientNotClosed() throws Exception {
    java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient(); // LEAK: jdk client
    c.send(java.net.http.HttpRequest.newBuilder(URI.create(server.url("/"))).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding());
    leaked.add(() -> {
      if (c instanceof AutoCloseable) ((AutoCloseable) c).close(); // JDK 21+
    });
  }

  @Test
  void jdkBodyNotClosed() throws Exception {
    java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient(); // LEAK: jdk body client
    java.net.http.HttpRequest big =
        java.net.http.HttpRequest.newBuilder(URI.create(server.url("/big"))).timeout(java.time.Duration.ofSeconds(20)).build();
    java.net.http.HttpResponse<InputStream> r = c.send(big, java.net.http.HttpResponse.BodyHandlers.ofInputStream()); // LEAK: jdk body
    leaked.add(r.body());
    leaked.add(() -> {
      if (c instanceof AutoCloseable) ((AutoCloseable) c).close(); // JDK 21+
    });
  }

  @Test
  void urlConnectionBodyNotClosed() throws Exception {
    java.net.HttpURLConnection c = (java.net.HttpURLConnection) URI.create(server.url("/big")).toURL().openConnection();
    c.setConnectTimeout(5_000);
    c.setReadTimeout(20_000);
    leaked.add(c.getInputStream()); // LEAK: urlconnection body
  }

  @Test
  void twoLeaksInOneReport() throws Exception {
    Response r = SampleServer.CLIENT.get(server.url("/big")); // LEAK: two 1
    leaked.add(r);
    Thread t = new Thread(() -> {
      try {
        release.await(); // LEAK: two 2
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "second-leak");
    t.start();
  }

  @Test
  void readingPartOfTheBodyStillLeaks() throws Exception {
    Response r = SampleServer.CLIENT.get(server.url("/big")); // LEAK: partial
    InputStream in = r.body();
    in.readNBytes(1000);
    leaked.add(r);
  }

  @Test
  @HttpLeakCheck(jfr = true)
  void leakWithJfrEvidence() throws Exception {
    Response r = SampleServer.CLIENT.get(server.url("/big?evidence")); // LEAK: jfr
    leaked.add(r);
  }
}
