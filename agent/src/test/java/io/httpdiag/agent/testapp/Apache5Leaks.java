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
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.client5.http.ssl.SSLConnectionSocketFactoryBuilder;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;

/**
 * The findings on Apache HttpClient 5 classic, leaky and fixed: {@code Apache5Leaks <scenario> leaky|fixed}.
 * Runs on 5.1 and 5.6 alike (only API both have). Fixed variants share one client with a response
 * timeout, consume or close every response and size the pool, so a fixed run must produce no finding.
 * Ends with a check point and the findings, like {@link CoreLeaks}.
 */
@SuppressWarnings("deprecation") // execute(request) returning CloseableHttpResponse: the 5.1 API, deprecated in 5.x later
public final class Apache5Leaks {
  private static boolean fixed;
  private static Server server;
  private static final List<CloseableHttpResponse> keptOpen = new ArrayList<>();
  /** Every client built, kept reachable (none reported as dropped) and closed at exit. */
  private static final List<CloseableHttpClient> clients = new ArrayList<>();
  /** The fixed variants' one client. */
  private static CloseableHttpClient shared;

  private Apache5Leaks() {}

  public static void main(String[] args) throws Exception {
    Scenarios.main(args, Apache5Leaks::run, () -> {
      if (shared != null) shared.close();
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
          release.await(300, TimeUnit.MILLISECONDS);
          w.write("slow");
          break;
        default:
          w.write("Hello, World!");
      }
    }).build().start();
    System.out.println("testapp: httpclient5 " + CloseableHttpClient.class.getPackage().getImplementationVersion());
    try {
      switch (scenario) {
        case "bodyNotClosed": bodyNotClosed(); break;
        case "bodyCollected": bodyCollected(); break;
        case "bodyClosedEarly": bodyClosedEarly(); break;
        case "clientPerRequest": clientPerRequest(); break;
        case "clientNotClosed": clientNotClosed(); break;
        case "noTimeouts": noTimeouts(); break;
        case "poolExhausted": poolExhausted(); break;
        case "lifecycle": lifecycle(); break;
        default: throw new IllegalArgumentException("unknown scenario " + scenario);
      }
      CoreLeaks.checkpointAndPrint();
    } finally {
      release.countDown();
      for (CloseableHttpResponse r : keptOpen) r.close();
      for (CloseableHttpClient c : clients) c.close();
      keptOpen.clear();
      clients.clear();
      server.close();
    }
  }

  /**
   * Fixed: the one shared client, with a response timeout (for every scenario of the run, closed after
   * the last); leaky: HttpClients.createDefault(), kept and closed at the scenario's end.
   */
  private static CloseableHttpClient client() {
    if (fixed) {
      if (shared == null) {
        shared = HttpClients.custom().setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(10)).build())
            .build();
      }
      return shared;
    }
    CloseableHttpClient c = HttpClients.createDefault();
    clients.add(c);
    return c;
  }

  static void bodyNotClosed() throws Exception {
    CloseableHttpResponse r = client().execute(new HttpGet(server.url("/big")));
    if (fixed) {
      try (CloseableHttpResponse closed = r) {
        EntityUtils.consume(closed.getEntity());
      }
    } else {
      keptOpen.add(r); // never consumed, never closed (closed only at exit, after the check point)
    }
  }

  /** The GC backstop: a response dropped unconsumed and unclosed is reported once collected. */
  static void bodyCollected() throws Exception {
    CloseableHttpClient c = client();
    long start = System.nanoTime();
    dropOrReadResponse(c);
    if (fixed) {
      Class<?> findings = Class.forName("io.httpdiag.agent.runtime.Findings");
      Await.repeatFor(Duration.ofSeconds(2), () -> {
        System.gc();
        findings.getMethod("sweep", long.class).invoke(null, 0L);
      });
      return;
    }
    Await.until(Duration.ofSeconds(20), () -> {
      System.gc();
      return CoreLeaks.findings().stream().anyMatch(f -> f[0].equals("BODY_NOT_CLOSED"));
    }, () -> "a BODY_NOT_CLOSED finding");
    System.out.println("testapp: gc backstop latency " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
  }

  private static void dropOrReadResponse(CloseableHttpClient c) throws Exception {
    CloseableHttpResponse r = c.execute(new HttpGet(server.url("/")));
    System.out.println("testapp: status " + r.getCode());
    if (fixed) {
      EntityUtils.consume(r.getEntity());
      r.close();
    }
  }

  /** Closing a response whose entity was not consumed: 5.1 closes the connection (5.5+ reads the rest, keeps it). */
  static void bodyClosedEarly() throws Exception {
    CloseableHttpClient c = client();
    try (CloseableHttpResponse r = c.execute(new HttpGet(server.url("/big")))) {
      InputStream in = r.getEntity().getContent();
      System.out.println("testapp: first byte " + in.read());
      if (fixed) EntityUtils.consume(r.getEntity());
    }
  }

  static void clientPerRequest() throws Exception {
    CloseableHttpClient one = client();
    // 60: past the churn detector's 50 dials within 10 s at one request in flight (POOL_CHURN too)
    for (int i = 0; i < 60; i++) {
      CloseableHttpClient c = fixed ? one : client();
      String body = c.execute(new HttpGet(server.url("/")), response -> EntityUtils.toString(response.getEntity()));
      if (i == 0) System.out.println("testapp: body " + body);
    }
  }

  /** A client used once and dropped without close(): reported once collected, at the line that built it. */
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
      return CoreLeaks.findings().stream().anyMatch(f -> f[0].equals("CLIENT_NOT_CLOSED"));
    }, () -> "a CLIENT_NOT_CLOSED finding");
    System.out.println("testapp: unreachable client latency " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
  }

  private static void buildUseAndDrop() throws Exception {
    CloseableHttpClient c = HttpClients.custom()
        .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(10)).build()).build();
    c.execute(new HttpGet(server.url("/")), response -> EntityUtils.toString(response.getEntity()));
    if (fixed) c.close();
  }

  /** No response timeout and the socket timeout turned off: a stalled server holds the thread forever. */
  static void noTimeouts() throws Exception {
    RequestConfig.Builder config = RequestConfig.custom();
    if (fixed) config.setResponseTimeout(Timeout.ofSeconds(10));
    CloseableHttpClient c = HttpClients.custom().setDefaultRequestConfig(config.build())
        .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
            .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(Timeout.DISABLED).build()).build())
        .build();
    clients.add(c);
    c.execute(new HttpGet(server.url("/")), response -> EntityUtils.toString(response.getEntity()));
  }

  /** Ten threads on the default pool (5 per route) against a slow handler: half of them wait for a connection. */
  static void poolExhausted() throws Exception {
    CloseableHttpClient c = fixed
        ? HttpClients.custom()
            .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(10)).build())
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create().setMaxConnPerRoute(10)
                .setMaxConnTotal(20).build())
            .build()
        : HttpClients.createDefault();
    clients.add(c);
    ExecutorService pool = Executors.newFixedThreadPool(10);
    try {
      List<Future<String>> all = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        all.add(pool.submit(() -> c.execute(new HttpGet(server.url("/slow")), r -> EntityUtils.toString(r.getEntity()))));
      }
      for (Future<String> f : all) f.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdown();
    }
  }

  /** A fresh connection, the same one reused, and one over TLS (log lines only). */
  static void lifecycle() throws Exception {
    CloseableHttpClient c = client();
    for (int i = 0; i < 2; i++) {
      try (CloseableHttpResponse r = c.execute(new HttpGet(server.url("/")))) {
        System.out.println("testapp: plain " + EntityUtils.toString(r.getEntity()));
      }
    }
    try (Server secure = Server.builder().tls(TestTls.serverContext()).handler((w, r) -> w.write("secure")).build().start();
        CloseableHttpClient tls = HttpClients.custom()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                .setSSLSocketFactory(SSLConnectionSocketFactoryBuilder.create().setSslContext(TestTls.clientContext())
                    .setHostnameVerifier(NoopHostnameVerifier.INSTANCE).build())
                .build())
            .build()) {
      String body = tls.execute(new HttpGet(secure.url("/tls")), r -> EntityUtils.toString(r.getEntity()));
      System.out.println("testapp: tls " + body);
    }
  }
}
