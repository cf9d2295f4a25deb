package io.httpdiag.agent.testapp;

import io.httpdiag.agent.testkit.Await;
import io.httpdiag.http.Server;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;

/**
 * The findings on Apache HttpClient 4.5, leaky and fixed: {@code Apache4Leaks <scenario> leaky|fixed}.
 * Fixed variants share one client with connect, socket and connection-request timeouts and a pool
 * sized to the concurrency, and consume every entity: a fixed run must produce no finding. Leaky ones
 * build clients as {@code HttpClients.createDefault()} does (no timeouts: 4.5's defaults). Ends with a
 * check point and the findings, like {@link CoreLeaks}. "traffic" (with "plain" or "tls") prints
 * nothing of its own: the lifecycle log is what it is for.
 */
public final class Apache4Leaks {
  private static boolean fixed;
  private static Server server;
  private static final List<CloseableHttpResponse> keptOpen = new ArrayList<>();
  private static final List<CloseableHttpClient> clients = new ArrayList<>();
  private static CloseableHttpClient shared;

  private Apache4Leaks() {}

  public static void main(String[] args) throws Exception {
    Scenarios.main(args, Apache4Leaks::run, () -> {
      if (shared != null) shared.close();
    });
  }

  private static void run(String scenario, String[] args) throws Exception {
    fixed = args[1].equals("fixed");
    CountDownLatch release = new CountDownLatch(1);
    Server.Builder b = Server.builder().host("127.0.0.1").port(0).readHeaderTimeout(Duration.ofSeconds(5)).handler((w, r) -> {
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
        default:
          w.write("Hello, World!");
      }
    });
    if (args.length > 2 && args[2].equals("tls")) b.tls(TestTls.serverContext());
    server = b.build().start();
    try {
      switch (scenario) {
        case "bodyNotClosed": bodyNotClosed(); break;
        case "bodyCollected": bodyCollected(); break;
        case "bodyClosedEarly": bodyClosedEarly(); break;
        case "clientPerRequest": clientPerRequest(); break;
        case "clientNotClosed": clientNotClosed(); break;
        case "noTimeouts": noTimeouts(); break;
        case "poolExhausted": poolExhausted(); break;
        case "traffic": traffic(args.length > 2 && args[2].equals("tls")); break;
        default: throw new IllegalArgumentException("unknown scenario " + scenario);
      }
      CoreLeaks.checkpointAndPrint();
    } finally {
      release.countDown();
      for (CloseableHttpResponse r : keptOpen) r.close();
      for (CloseableHttpClient c : clients) c.close();
      keptOpen.clear();
      clients.clear(); // the fixed variants' shared client stays for the next scenario: closed after all
      server.close();
    }
  }

  /** Leaky: 4.5's defaults (no timeout at all, 2 connections per route). Fixed: the shared, configured client. */
  private static CloseableHttpClient client() {
    if (fixed) {
      if (shared == null) {
        shared = HttpClients.custom().setDefaultRequestConfig(RequestConfig.custom().setConnectTimeout(5000)
            .setSocketTimeout(10000).setConnectionRequestTimeout(5000).build())
            .setMaxConnPerRoute(10).setMaxConnTotal(20).build();
      }
      return shared;
    }
    CloseableHttpClient c = HttpClients.createDefault();
    clients.add(c);
    return c;
  }

  private static HttpGet get(String path) {
    return new HttpGet(server.url(path));
  }

  /** Leaky: the response is kept, its entity never consumed nor the response closed (closed only at exit). */
  static void bodyNotClosed() throws Exception {
    CloseableHttpResponse r = client().execute(get("/big"));
    if (fixed) {
      try (CloseableHttpResponse closed = r) {
        EntityUtils.consume(closed.getEntity());
      }
    } else {
      keptOpen.add(r);
    }
  }

  /** The GC backstop: a response dropped with its entity unread is reported once collected. */
  static void bodyCollected() throws Exception {
    dropOrRead();
    long start = System.nanoTime(); // the response is unreachable from here on
    CoreLeaks.fixed = fixed;
    CoreLeaks.awaitCollectedFinding(start);
  }

  private static void dropOrRead() throws Exception {
    CloseableHttpResponse r = client().execute(get("/"));
    if (fixed) System.out.println("testapp: body " + EntityUtils.toString(r.getEntity()));
  }

  /** Leaky: 1000 bytes read, then the response closed: HC4 closes the connection instead of reusing it. */
  static void bodyClosedEarly() throws Exception {
    try (CloseableHttpResponse r = client().execute(get("/big"))) {
      if (fixed) {
        EntityUtils.consume(r.getEntity());
      } else {
        InputStream in = r.getEntity().getContent();
        in.readNBytes(1000);
      }
    }
  }

  /** Leaky: a new client (and pool) per request, each closed after it. */
  static void clientPerRequest() throws Exception {
    // 60: past the churn detector's 50 dials within 10 s at one request in flight (POOL_CHURN too)
    for (int i = 0; i < 60; i++) {
      CloseableHttpClient c = fixed ? client() : HttpClients.createDefault();
      try (CloseableHttpResponse r = c.execute(get("/"))) {
        EntityUtils.consume(r.getEntity());
      }
      if (!fixed) c.close();
    }
  }

  /** Leaky: a client used once and dropped without close(): reported once collected, at the line that built it. */
  static void clientNotClosed() throws Exception {
    buildUseAndDrop();
    long start = System.nanoTime();
    Class<?> findings = Class.forName("io.httpdiag.agent.runtime.Findings");
    if (fixed) {
      Await.repeatFor(Duration.ofSeconds(2), () -> {
        System.gc();
        findings.getMethod("sweep", long.class).invoke(null, 0L);
      });
      return;
    }
    Await.until(Duration.ofSeconds(20), () -> {
      System.gc();
      findings.getMethod("sweep", long.class).invoke(null, 0L);
      return CoreLeaks.findings().stream().anyMatch(f -> f[0].equals("CLIENT_NOT_CLOSED"));
    }, () -> "a CLIENT_NOT_CLOSED finding");
    System.out.println("testapp: unreachable client latency " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
  }

  private static void buildUseAndDrop() throws Exception {
    CloseableHttpClient c = HttpClients.custom().setDefaultRequestConfig(RequestConfig.custom().setConnectTimeout(5000)
        .setSocketTimeout(10000).build()).build();
    try (CloseableHttpResponse r = c.execute(get("/"))) {
      EntityUtils.consume(r.getEntity());
    }
    if (fixed) c.close();
  }

  static void noTimeouts() throws Exception {
    try (CloseableHttpResponse r = client().execute(get("/"))) {
      EntityUtils.consume(r.getEntity());
    }
  }

  /** Six threads on one client: 4.5's default pool gives a route 2 connections, so four wait. */
  static void poolExhausted() throws Exception {
    CloseableHttpClient c = client();
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<String>> results = new ArrayList<>();
      CountDownLatch ready = new CountDownLatch(6);
      for (int i = 0; i < 6; i++) {
        results.add(pool.submit(() -> {
          ready.countDown();
          ready.await(10, TimeUnit.SECONDS);
          return fetchSlow(c);
        }));
      }
      for (Future<String> f : results) f.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdown();
    }
  }

  static String fetchSlow(CloseableHttpClient c) throws Exception {
    try (CloseableHttpResponse r = c.execute(get("/slow"))) {
      return EntityUtils.toString(r.getEntity());
    }
  }

  /** Two requests on one connection (new, then reused), with or without TLS; the log shows both. */
  static void traffic(boolean tls) throws Exception {
    CloseableHttpClient c = HttpClients.custom().setSSLContext(TestTls.clientContext())
        .setDefaultRequestConfig(RequestConfig.custom().setConnectTimeout(5000).setSocketTimeout(10000).build()).build();
    clients.add(c);
    for (int i = 0; i < 2; i++) {
      try (CloseableHttpResponse r = c.execute(get("/"))) {
        System.out.println("testapp: status " + r.getStatusLine().getStatusCode() + " " + EntityUtils.toString(r.getEntity()));
      }
    }
  }
}
