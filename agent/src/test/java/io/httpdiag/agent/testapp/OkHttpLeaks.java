package io.httpdiag.agent.testapp;

import io.httpdiag.http.Server;
import java.io.IOException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The findings on OkHttp (4.12 or 5.x, whichever the class path holds), leaky and fixed:
 * {@code OkHttpLeaks <scenario>[,<scenario>...] leaky|fixed}. Fixed variants share one client (and
 * derive per-call variants with {@code newBuilder()}, which shares its pool), close every response,
 * keep OkHttp's default timeouts plus a call timeout: a fixed run must produce no finding. Ends with
 * a check point and the findings, like {@link CoreLeaks}. {@code lifecycle} makes two plain and two
 * TLS calls on one client (fresh, then reused connections) for the log.
 */
public final class OkHttpLeaks {
  private static boolean fixed;
  private static Server server;
  private static Server tlsServer;
  private static final List<Response> keptOpen = new ArrayList<>();
  private static final List<OkHttpClient> clients = new ArrayList<>();
  private static OkHttpClient shared;

  private OkHttpLeaks() {}

  public static void main(String[] args) throws Exception {
    fixed = args[1].equals("fixed");
    CountDownLatch release = new CountDownLatch(1);
    server = Server.builder().readHeaderTimeout(Duration.ofSeconds(5)).handler((w, r) -> {
      switch (r.path()) {
        case "/big":
          w.headers().set("Content-Length", Integer.toString(4 << 20));
          byte[] chunk = new byte[64 * 1024];
          for (int i = 0; i < 64; i++) w.write(chunk);
          break;
        case "/trickle": // 64 KiB, a pause longer than OkHttp's 100 ms discard, then the rest
          w.headers().set("Content-Length", Integer.toString(128 * 1024));
          w.write(new byte[64 * 1024]);
          w.flush();
          release.await(400, TimeUnit.MILLISECONDS);
          w.write(new byte[64 * 1024]);
          break;
        case "/slow":
          release.await(200, TimeUnit.MILLISECONDS);
          w.write("slow");
          break;
        default:
          w.write("Hello, World!");
      }
    }).build().start();
    try {
      shared = client();
      for (String scenario : args[0].split(",")) {
        switch (scenario) {
          case "bodyNotClosed": bodyNotClosed(); break;
          case "bodyCollected": bodyCollected(); break;
          case "bodyClosedEarly": bodyClosedEarly(); break;
          case "clientPerRequest": clientPerRequest(); break;
          case "noTimeouts": noTimeouts(); break;
          case "dispatcherExhausted": dispatcherExhausted(); break;
          case "lifecycle": lifecycle(); break;
          default: throw new IllegalArgumentException("unknown scenario " + scenario);
        }
      }
      CoreLeaks.checkpointAndPrint();
    } finally {
      release.countDown();
      for (Response r : keptOpen) r.close();
      for (OkHttpClient c : clients) {
        c.dispatcher().executorService().shutdown();
        c.connectionPool().evictAll();
      }
      server.close();
      if (tlsServer != null) tlsServer.close();
    }
    SimulatedTraffic.report();
  }

  /** OkHttp's defaults (10 s connect, read, write); fixed adds a call timeout. */
  private static OkHttpClient client() {
    OkHttpClient.Builder b = new OkHttpClient.Builder();
    if (fixed) b.callTimeout(Duration.ofSeconds(10));
    OkHttpClient c = b.build();
    clients.add(c);
    return c;
  }

  private static Request get(String path) {
    return new Request.Builder().url(server.url(path)).build();
  }

  static void bodyNotClosed() throws Exception {
    Response r = shared.newCall(get("/big")).execute();
    if (fixed) {
      try (Response closed = r) {
        closed.body().bytes();
      }
    } else {
      keptOpen.add(r); // never read, never closed (closed only at exit, after the check point)
    }
  }

  /** The GC backstop: a small response dropped unread and unclosed is reported once collected. */
  static void bodyCollected() throws Exception {
    dropOrReadResponse();
    long start = System.nanoTime(); // the response is unreachable from here on
    CoreLeaks.fixed = fixed;
    CoreLeaks.awaitCollectedFinding(start);
  }

  private static void dropOrReadResponse() throws Exception {
    Response r = shared.newCall(get("/")).execute();
    if (fixed) {
      try (Response closed = r) {
        closed.body().string();
      }
    }
  }

  /** Closed after 1,000 bytes while the server pauses: OkHttp cannot discard the rest in 100 ms and drops the connection. */
  static void bodyClosedEarly() throws Exception {
    try (Response r = shared.newCall(get("/trickle")).execute()) {
      if (fixed) {
        r.body().bytes();
      } else {
        r.body().source().readByteArray(1000);
      }
    }
  }

  static void clientPerRequest() throws Exception {
    // 60: past the churn detector's 50 dials within 10 s at one request in flight (POOL_CHURN too)
    for (int i = 0; i < 60; i++) {
      // Fixed: a per-call variant derived from the shared client shares its pool and dispatcher.
      OkHttpClient c = fixed ? shared.newBuilder().readTimeout(Duration.ofSeconds(5)).build() : client();
      try (Response r = c.newCall(get("/")).execute()) {
        r.body().string();
      }
    }
  }

  static void noTimeouts() throws Exception {
    OkHttpClient.Builder b = shared.newBuilder();
    if (!fixed) b.readTimeout(Duration.ZERO); // 0 = wait forever, and no call timeout
    OkHttpClient c = b.build();
    try (Response r = c.newCall(get("/")).execute()) {
      r.body().string();
    }
  }

  /** Ten async calls to one host: the Dispatcher runs 5 (maxRequestsPerHost) and queues the rest. */
  static void dispatcherExhausted() throws Exception {
    OkHttpClient c = shared;
    if (fixed) c.dispatcher().setMaxRequestsPerHost(16);
    int n = 10;
    CountDownLatch done = new CountDownLatch(n);
    AtomicInteger ok = new AtomicInteger();
    for (int i = 0; i < n; i++) {
      c.newCall(get("/slow")).enqueue(new Callback() {
        @Override
        public void onFailure(Call call, IOException e) {
          System.out.println("testapp: async failure " + e);
          done.countDown();
        }

        @Override
        public void onResponse(Call call, Response response) throws IOException {
          try (Response r = response) {
            r.body().string();
            ok.incrementAndGet();
          }
          done.countDown();
        }
      });
    }
    if (!done.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("async calls did not finish");
    System.out.println("testapp: async ok " + ok.get());
  }

  /** Two plain calls and two TLS calls on shared clients: fresh then reused connections. */
  static void lifecycle() throws Exception {
    for (int i = 0; i < 2; i++) {
      try (Response r = shared.newCall(get("/")).execute()) {
        r.body().string();
      }
    }
    tlsServer = Server.builder().host("127.0.0.1").port(0).readHeaderTimeout(Duration.ofSeconds(5)).handler((w, r) -> w.write("secure")).tls(TestTls.serverContext())
        .build().start();
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) TestTls.keyStore());
    X509TrustManager trust = (X509TrustManager) tmf.getTrustManagers()[0];
    OkHttpClient tls = shared.newBuilder().sslSocketFactory(TestTls.clientContext().getSocketFactory(), trust).build();
    for (int i = 0; i < 2; i++) {
      try (Response r = tls.newCall(new Request.Builder().url("https://127.0.0.1:" + tlsServer.port() + "/").build())
          .execute()) {
        System.out.println("testapp: tls " + r.body().string() + " " + r.handshake().tlsVersion());
      }
    }
  }
}
