package io.httpdiag.agent.testapp;

import io.httpdiag.http.Server;
import io.httpdiag.http.ServeMux;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A child-JVM program using the JDK HttpClient, unmodified, against the core-transport server
 * (HTTP/1.1 and TLS) on loopback. Arguments are scenarios run in order, on one HTTP/1.1 client (and
 * one TLS client); flags: {@code --wait} (make a client and one exchange, print "testapp: waiting",
 * wait for a line on stdin: for attach). Prints {@code testapp: <scenario> <outcome>} lines, which
 * must be identical with and without the agent, then the agent's counters.
 */
public final class JdkClientTraffic {
  static final byte[] HELLO = "hello, world\n".getBytes(StandardCharsets.UTF_8);
  static final int BIG = 4 << 20;
  static final CountDownLatch release = new CountDownLatch(1);
  static Server server;
  static Server tlsServer;
  static HttpClient client;
  static HttpClient tlsClient;

  private JdkClientTraffic() {}

  public static void main(String[] args) throws Exception {
    server = Server.builder().host("127.0.0.1").port(0).handler(mux()).build().start();
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NORMAL).build();
    try {
      for (String arg : args) run(arg);
    } finally {
      release.countDown();
      server.close();
      if (tlsServer != null) tlsServer.close();
    }
    System.out.println("testapp: done");
    SimulatedTraffic.report();
  }

  static void run(String scenario) throws Exception {
    switch (scenario) {
      case "--wait":
        get("/hello", BodyHandlers.ofString()); // a live client and a pooled connection before the attach
        System.out.println("testapp: waiting");
        System.out.flush();
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        System.out.println("testapp: got " + line);
        return;
      case "fresh":
      case "reused":
        out(scenario, get("/hello", BodyHandlers.ofString()).body().length());
        return;
      case "tls":
        out(scenario, tls().body().length());
        return;
      case "redirect": {
        HttpResponse<String> r = get("/redirect", BodyHandlers.ofString());
        out(scenario, r.statusCode() + " " + r.uri().getPath());
        return;
      }
      case "string": out(scenario, get("/hello", BodyHandlers.ofString()).body().length()); return;
      case "bytes": out(scenario, get("/hello", BodyHandlers.ofByteArray()).body().length); return;
      case "discarding": out(scenario, get("/hello", BodyHandlers.discarding()).statusCode()); return;
      case "stream": {
        try (InputStream in = get("/hello", BodyHandlers.ofInputStream()).body()) {
          out(scenario, in.readAllBytes().length);
        }
        return;
      }
      case "streamClosedEarly": {
        InputStream in = get("/big", BodyHandlers.ofInputStream()).body();
        int n = in.read(new byte[100]);
        in.close();
        out(scenario, n);
        return;
      }
      case "lines": {
        try (Stream<String> lines = get("/hello", BodyHandlers.ofLines()).body()) {
          out(scenario, lines.count());
        }
        return;
      }
      case "publisher": out(scenario, drain(get("/hello", BodyHandlers.ofPublisher()).body())); return;
      case "file": {
        Path f = Files.createTempFile("httpdiag-body", ".txt");
        try {
          out(scenario, Files.size(get("/hello", BodyHandlers.ofFile(f)).body()));
        } finally {
          Files.deleteIfExists(f);
        }
        return;
      }
      case "cancel": out(scenario, cancel()); return;
      case "timeout": out(scenario, outcome(client.sendAsync(request("/slow").timeout(Duration.ofSeconds(1)).build(),
          BodyHandlers.ofString()))); return;
      case "handlerError": out(scenario, outcome(client.sendAsync(request("/hello").build(), info -> {
        throw new IllegalStateException("handler refuses " + info.statusCode());
      }))); return;
      case "h2": h2(); return;
      case "sync": out(scenario, client.send(request("/hello").build(), BodyHandlers.ofString()).body().length()); return;
      default:
        throw new IllegalArgumentException("unknown scenario " + scenario);
    }
  }

  static ServeMux mux() {
    ServeMux mux = new ServeMux();
    mux.handle("GET /hello", (w, r) -> {
      w.headers().set("Content-Length", "13");
      w.write(HELLO);
    });
    mux.handle("GET /big", (w, r) -> {
      w.headers().set("Content-Length", Integer.toString(BIG));
      byte[] chunk = new byte[64 << 10];
      for (int i = 0; i < BIG / chunk.length; i++) w.write(chunk);
    });
    mux.handle("GET /redirect", (w, r) -> {
      w.headers().set("Location", "/hello");
      w.headers().set("Content-Length", "0");
      w.writeHeader(302);
    });
    mux.handle("GET /slow", (w, r) -> {
      release.await(10, TimeUnit.SECONDS); // released when the program ends
      w.headers().set("Content-Length", "13");
      w.write(HELLO);
    });
    return mux;
  }

  static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(server.url(path)));
  }

  static <T> HttpResponse<T> get(String path, HttpResponse.BodyHandler<T> handler) throws Exception {
    return client.sendAsync(request(path).build(), handler).get(20, TimeUnit.SECONDS);
  }

  static HttpResponse<String> tls() throws Exception {
    if (tlsServer == null) {
      tlsServer = Server.builder().host("127.0.0.1").port(0).handler(mux()).tls(TestTls.serverContext()).build().start();
      tlsClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(TestTls.clientContext()).build();
    }
    String url = "https://127.0.0.1:" + tlsServer.port() + "/hello";
    return tlsClient.send(HttpRequest.newBuilder(URI.create(url)).build(), BodyHandlers.ofString());
  }

  /**
   * HTTP/2 against Jetty: two sequential GETs (a new connection, then a stream on the same one), then
   * two concurrent ones (two more streams on it).
   */
  static void h2() throws Exception {
    try (JettyH2 jetty = new JettyH2(HELLO)) {
      HttpClient h2 = HttpClient.newBuilder().sslContext(TestTls.clientContext()).build(); // HTTP_2 is the default
      HttpRequest req = HttpRequest.newBuilder(URI.create(jetty.url("/hello"))).build();
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> r = h2.send(req, BodyHandlers.ofString());
        out("h2", r.version() + " " + r.body().length());
      }
      CompletableFuture<HttpResponse<String>> a = h2.sendAsync(req, BodyHandlers.ofString());
      CompletableFuture<HttpResponse<String>> b = h2.sendAsync(req, BodyHandlers.ofString());
      out("h2", a.get(20, TimeUnit.SECONDS).version() + " " + b.get(20, TimeUnit.SECONDS).version());
    }
  }

  /** Cancels an in-flight sendAsync (the server holds the response) and reports what the future says. */
  static String cancel() throws Exception {
    CompletableFuture<HttpResponse<String>> f = client.sendAsync(request("/slow").build(), BodyHandlers.ofString());
    boolean canceled = f.cancel(true);
    // Whether the future then says isCancelled() (CompletableFuture.cancel won) or failed with a
    // CancellationException (the exchange's own cancellation completed it first) is a race inside
    // the JDK, with or without the agent: report what holds either way.
    String ended;
    try {
      f.get(20, TimeUnit.SECONDS);
      ended = "completed";
    } catch (ExecutionException e) {
      ended = e.getCause().getClass().getName();
    } catch (java.util.concurrent.CancellationException e) {
      ended = e.getClass().getName();
    }
    return "cancel()=" + canceled + " done=" + f.isDone() + " ended=" + ended;
  }

  /** How a future ended, in words that do not vary between runs. */
  static String outcome(CompletableFuture<? extends HttpResponse<?>> f) throws Exception {
    try {
      HttpResponse<?> r = f.get(20, TimeUnit.SECONDS);
      return "ok " + r.statusCode();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      return "failed " + c.getClass().getName() + ": " + c.getMessage() + " done=" + f.isDone()
          + " exceptionally=" + f.isCompletedExceptionally();
    } catch (java.util.concurrent.CancellationException e) {
      return "canceled " + e.getClass().getName() + " done=" + f.isDone();
    }
  }

  static long drain(Flow.Publisher<List<ByteBuffer>> publisher) throws Exception {
    CompletableFuture<Long> total = new CompletableFuture<>();
    publisher.subscribe(new Flow.Subscriber<>() {
      long n;

      @Override public void onSubscribe(Flow.Subscription s) { s.request(Long.MAX_VALUE); }
      @Override public void onNext(List<ByteBuffer> item) { for (ByteBuffer b : item) n += b.remaining(); }
      @Override public void onError(Throwable t) { total.completeExceptionally(t); }
      @Override public void onComplete() { total.complete(n); }
    });
    return total.get(20, TimeUnit.SECONDS);
  }

  static void out(String scenario, Object outcome) {
    System.out.println("testapp: " + scenario + " " + outcome);
    System.out.flush();
  }
}
