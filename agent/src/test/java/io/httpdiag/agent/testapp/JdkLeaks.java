package io.httpdiag.agent.testapp;

import io.httpdiag.agent.testkit.Await;
import io.httpdiag.http.Server;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The findings on the JDK HttpClient, leaky and fixed: {@code JdkLeaks <scenario> leaky|fixed}.
 * Fixed variants share one client with a connect timeout and give every request a timeout, so a
 * fixed run must produce no finding. Ends with a check point and the findings, like {@link CoreLeaks}.
 */
public final class JdkLeaks {
  private static boolean fixed;
  private static Server server;
  private static final List<InputStream> keptOpen = new ArrayList<>();
  /** Every client the scenarios build, kept reachable (so none is reported as dropped) and shut down at exit. */
  private static final List<HttpClient> clients = new ArrayList<>();
  /** The fixed variants' one client. */
  private static HttpClient shared;

  private JdkLeaks() {}

  public static void main(String[] args) throws Exception {
    Scenarios.main(args, JdkLeaks::run, () -> {
      if (shared != null) shutdownNow(shared);
    });
  }

  private static void run(String scenario, String[] args) throws Exception {
    fixed = args[1].equals("fixed");
    CountDownLatch release = new CountDownLatch(1);
    server = Server.builder().readHeaderTimeout(Duration.ofSeconds(5)).handler((w, r) -> {
      switch (r.path()) {
        case "/big":
          w.headers().set("Content-Length", Integer.toString(4 << 20));
          byte[] chunk = new byte[64 * 1024];
          for (int i = 0; i < 64; i++) w.write(chunk);
          break;
        case "/slow":
          release.await(150, TimeUnit.MILLISECONDS);
          w.write("slow");
          break;
        case "/stall":
          release.await(20, TimeUnit.SECONDS);
          w.write("late");
          break;
        default:
          w.write("Hello, World!");
      }
    }).build().start();
    try {
      switch (scenario) {
        case "bodyNotClosed": bodyNotClosed(); break;
        case "bodyClosedEarly": bodyClosedEarly(); break;
        case "clientPerRequest": clientPerRequest(); break;
        case "noTimeouts": noTimeouts(); break;
        case "stuck": stuck(release); break;
        case "bodyCollected": bodyCollected(); break;
        case "bigBodyDropped": bigBodyDropped(); break;
        case "clientNotClosed": clientNotClosed(); break;
        case "clientThreadLeak": clientThreadLeak(release); break;
        case "pinnedIo": Pinning.run(fixed, () -> System.out.println("testapp: " + RemoteConfig.VALUE), JdkLeaks::fetchSlow); break;
        default: throw new IllegalArgumentException("unknown scenario " + scenario);
      }
      CoreLeaks.checkpointAndPrint();
    } finally {
      release.countDown();
      for (InputStream in : keptOpen) in.close();
      for (HttpClient c : clients) shutdownNow(c);
      keptOpen.clear();
      clients.clear();
      server.close();
    }
  }

  /**
   * Fixed: the one shared client with a connect timeout (for every scenario of the run, shut down after
   * the last); leaky: a new client without one (this line is CLIENT_PER_REQUEST's call site), shut down
   * at the scenario's end.
   */
  private static HttpClient client() {
    if (fixed) {
      if (shared == null) {
        shared = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
      }
      return shared;
    }
    return kept(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
  }

  /** A client of its own in either variant (connect timeout when fixed), shut down at the scenario's end. */
  private static HttpClient newClient() {
    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
    if (fixed) b.connectTimeout(Duration.ofSeconds(5));
    return kept(b.build());
  }

  private static HttpClient kept(HttpClient c) {
    clients.add(c);
    return c;
  }

  /**
   * A thread started while an exchange's body is being read (the exchange is in flight on this
   * thread) that outlives it. Fixed: stopped before the body is closed. Inside that exchange both
   * variants also build a second client and send with it, so the JDK's own SelectorManager and
   * worker threads start inside the scope too (and must not be reported).
   */
  static void clientThreadLeak(CountDownLatch release) throws Exception {
    HttpResponse<InputStream> r = client().send(request("/big"), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      HttpClient inner = newClient(); // a new one in both variants: its JDK threads start inside the exchange
      inner.send(request("/"), HttpResponse.BodyHandlers.ofString());
      inner.sendAsync(request("/"), HttpResponse.BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);
      Thread watcher = startWatcher(release);
      in.readAllBytes();
      if (fixed) {
        watcher.interrupt();
        watcher.join(10_000);
      }
    }
  }

  /** Configuration fetched with the JDK HttpClient in a static initializer: pins the virtual thread that touches it. */
  static final class RemoteConfig {
    static final String VALUE = fetchSlow();
  }

  static String fetchSlow() {
    try {
      return Shared.CLIENT.send(HttpRequest.newBuilder(URI.create(server.url("/slow"))).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class Shared {
    static final HttpClient CLIENT =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  static Thread startWatcher(CountDownLatch release) {
    Thread t = new Thread(() -> {
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "download-watcher");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** JDK 21+ only (this compiles for 17): stops the client without waiting for bodies left open. */
  private static void shutdownNow(HttpClient c) {
    try {
      HttpClient.class.getMethod("shutdownNow").invoke(c);
    } catch (NoSuchMethodException jdk17) {
      // nothing to stop it with: its SelectorManager ends when the client is collected
    } catch (ReflectiveOperationException e) {
      System.out.println("testapp: " + e);
    }
  }

  /**
   * JDK 21+: a client used once and dropped without close() is reported once collected, at the line
   * that built it. On 17 there is no close() to ask for: nothing may be reported.
   */
  static void clientNotClosed() throws Exception {
    buildUseAndDrop();
    long start = System.nanoTime(); // the client is unreachable from here on
    boolean closeExists = Runtime.version().feature() >= 21;
    Class<?> findings = Class.forName("io.httpdiag.agent.runtime.Findings");
    if (fixed || !closeExists) {
      Await.repeatFor(Duration.ofSeconds(2), () -> {
        System.gc();
        findings.getMethod("sweep", long.class).invoke(null, 0L); // the sweeper's pass, now
      });
      return;
    }
    Await.until(Duration.ofSeconds(20), () -> {
      System.gc();
      return CoreLeaks.findings().stream().anyMatch(f -> f[0].equals("CLIENT_NOT_CLOSED"));
    }, () -> "a CLIENT_NOT_CLOSED finding");
    System.out.println("testapp: unreachable client latency " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
  }

  private static void buildUseAndDrop() throws Exception {
    HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
        .build();
    c.send(request("/"), HttpResponse.BodyHandlers.ofString());
    if (fixed && c instanceof AutoCloseable) {
      ((AutoCloseable) c).close(); // try-with-resources on 21+
    }
  }

  private static HttpRequest request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url(path)));
    if (fixed) b.timeout(Duration.ofSeconds(10));
    return b.build();
  }

  static void bodyNotClosed() throws Exception {
    HttpResponse<InputStream> r = client().send(request("/big"), HttpResponse.BodyHandlers.ofInputStream());
    if (fixed) {
      try (InputStream in = r.body()) {
        in.readAllBytes();
      }
    } else {
      keptOpen.add(r.body()); // never read, never closed (closed only at exit, after the check point)
    }
  }

  /**
   * The GC backstop: an ofInputStream response whose small body was fully received (the connection
   * is back in the pool), dropped unread, is reported once collected.
   */
  static void bodyCollected() throws Exception {
    dropOrReadSmallStream();
    long start = System.nanoTime(); // the response is unreachable from here on
    CoreLeaks.fixed = fixed;
    CoreLeaks.awaitCollectedFinding(start);
  }

  private static void dropOrReadSmallStream() throws Exception {
    HttpResponse<InputStream> r = client().send(request("/"), HttpResponse.BodyHandlers.ofInputStream());
    if (fixed) {
      try (InputStream in = r.body()) {
        in.readAllBytes();
      }
    }
  }

  /**
   * What GC cannot see: a large ofInputStream body never read keeps its response reachable from the
   * client's internals, so only the age-based check finds it (at the check point).
   */
  static void bigBodyDropped() throws Exception {
    HttpResponse<InputStream> r = client().send(request("/big"), HttpResponse.BodyHandlers.ofInputStream());
    if (fixed) {
      try (InputStream in = r.body()) {
        in.readAllBytes();
      }
    }
    r = null;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Class.forName("io.httpdiag.agent.runtime.Findings").getMethod("sweep", long.class).invoke(null, 0L);
    }
    for (String[] f : CoreLeaks.findings()) {
      if (f[2].contains("collected unclosed")) System.out.println("testapp: unexpectedly collected: " + f[2]);
    }
  }

  static void bodyClosedEarly() throws Exception {
    HttpResponse<InputStream> r = client().send(request("/big"), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      if (fixed) {
        in.readAllBytes();
      } else {
        in.readNBytes(1000);
      }
    }
  }

  static void clientPerRequest() throws Exception {
    HttpClient one = client();
    for (int i = 0; i < 8; i++) {
      HttpClient c = fixed ? one : client();
      c.send(request("/"), HttpResponse.BodyHandlers.ofString());
    }
  }

  static void noTimeouts() throws Exception {
    client().send(request("/"), HttpResponse.BodyHandlers.ofString());
  }

  static void stuck(CountDownLatch release) throws Exception {
    HttpClient client = client();
    HttpRequest req = fixed ? HttpRequest.newBuilder(URI.create(server.url("/stall"))).timeout(Duration.ofMillis(300))
        .build() : request("/stall");
    Thread caller = new Thread(() -> {
      try {
        client.send(req, HttpResponse.BodyHandlers.ofString());
      } catch (java.net.http.HttpTimeoutException expected) {
        System.out.println("testapp: timed out as configured");
      } catch (Exception e) {
        System.out.println("testapp: " + e);
      }
    }, "stuck-caller");
    caller.start();
    if (!fixed) {
      Class<?> findings = Class.forName("io.httpdiag.agent.runtime.Findings");
      Class<?> kind = Class.forName("io.httpdiag.agent.runtime.Finding$Kind");
      Object stuck = kind.getField("STUCK_EXCHANGE").get(null);
      // Not a failure here when none comes: the IT asserts the finding and shows the whole output.
      Await.within(Duration.ofSeconds(20), () -> (long) findings.getMethod("count", kind).invoke(null, stuck) != 0);
    }
    caller.join(TimeUnit.SECONDS.toMillis(15));
    // The stalling server is scenery, not the subject: let its handler finish before the check point.
    CoreLeaks.releaseAndDrain(release, server);
  }
}
