package io.httpdiag.junit.samples;

import io.httpdiag.http.Server;
import io.httpdiag.junit.HttpLeakCheck;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * JDK HttpClients built in a test, the way users write them (run by JdkClientLeakIT, never directly).
 * Nothing keeps a dropped client once the test method returns, and a garbage collection makes its
 * SelectorManager thread stop on its own (about 0.3 s later on JDK 25, 3 s on 17): the leaks must
 * fail every time, whenever the GC runs; the clean tests must pass every time.
 */
@HttpLeakCheck
class JdkClientSamples {
  static Server server;
  /** Built before any test: the baseline, never a test's leak. */
  static HttpClient shared;

  @BeforeAll
  static void startServer() throws Exception {
    server = SampleServer.start();
    shared = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @Test
  void clientBuiltAndDropped() throws Exception {
    HttpClient client = HttpClient.newHttpClient(); // LEAK: dropped client
    client.send(HttpRequest.newBuilder(URI.create(server.url("/"))).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The same leak with a GC while the test still runs, and time for the collected client's thread to stop. */
  @Test
  void clientBuiltAndDroppedThenCollected() throws Exception {
    int selectorsBefore = selectorThreads();
    fetchWithANewClient();
    System.gc();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Runtime.version().feature() >= 21 ? 1 : 4);
    while (selectorThreads() > selectorsBefore && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // a bounded poll step
    }
  }

  @Test
  void sharedClientBuiltBeforeTheTestIsNotALeak() throws Exception {
    shared.send(HttpRequest.newBuilder(URI.create(server.url("/"))).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void clientClosedIsNotALeak() throws Exception {
    Assumptions.assumeTrue(Runtime.version().feature() >= 21, "HttpClient.close() needs JDK 21+");
    HttpClient client = HttpClient.newHttpClient();
    client.send(HttpRequest.newBuilder(URI.create(server.url("/"))).build(), HttpResponse.BodyHandlers.ofString());
    ((AutoCloseable) client).close();
  }

  private static void fetchWithANewClient() throws Exception {
    HttpClient client = HttpClient.newHttpClient(); // LEAK: collected client
    client.send(HttpRequest.newBuilder(URI.create(server.url("/"))).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int selectorThreads() {
    int n = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) if (t.getName().endsWith("-SelectorManager")) n++;
    return n;
  }
}
