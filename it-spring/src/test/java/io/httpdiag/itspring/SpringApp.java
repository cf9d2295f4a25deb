package io.httpdiag.itspring;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.util.Timeout;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * A Spring Boot 3.5 service whose endpoints each make one HTTP client mistake against its own
 * {@code /backend/data}, beside the fixed variant of each. {@link SpringAppIT} runs it in a child JVM
 * with the agent and finds each mistake at the line marked {@code // site:<name>} here, and none at
 * a line marked {@code // clean:<name>}.
 */
@SpringBootApplication
@RestController
public class SpringApp {
  static final byte[] DATA = new byte[256 * 1024];

  private volatile URI backend;

  // Shared clients, built once (the controller's constructor).
  private final RestClient jdkFixed = RestClient.builder().requestFactory(jdkFactoryWithTimeouts()).build(); // clean:jdkShared
  private final RestClient hc5Leaky = RestClient.create(); // site:hc5Create
  private final RestClient hc5Exhausted = RestClient.create(); // site:hc5CreateForPool
  private final RestClient hc5Fixed = RestClient.builder().requestFactory(new HttpComponentsClientHttpRequestFactory(hc5WithTimeouts())).build(); // clean:hc5Shared
  private final RestTemplate restTemplateFixed = new RestTemplate(simpleFactoryWithTimeouts()); // clean:restTemplateShared
  private final OkHttpClient okhttp = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build(); // clean:okhttpShared

  public static void main(String[] args) {
    SpringApplication.run(SpringApp.class, args);
  }

  @EventListener
  void started(WebServerInitializedEvent event) {
    backend = URI.create("http://127.0.0.1:" + event.getWebServer().getPort() + "/backend/data");
    System.out.println("spring-app: port " + event.getWebServer().getPort());
  }

  @GetMapping("/backend/data")
  byte[] data() {
    return DATA;
  }

  // JDK HttpClient through RestClient on JdkClientHttpRequestFactory.

  @GetMapping("/jdk/client-per-request")
  int jdkClientPerRequest() {
    RestClient client = RestClient.builder().requestFactory(new JdkClientHttpRequestFactory()).build(); // site:jdkClientPerRequest
    return client.get().uri(backend).retrieve().body(byte[].class).length;
  }

  @GetMapping("/jdk/body-not-closed")
  int jdkBodyNotClosed() throws IOException {
    InputStream body = jdkFixed.get().uri(backend).exchange((request, response) -> response.getBody(), false); // site:jdkBodyNotClosed
    return body.read(); // one byte read, never closed
  }

  @GetMapping("/clean/jdk")
  int cleanJdk() {
    return jdkFixed.get().uri(backend).retrieve().body(byte[].class).length; // clean:jdk
  }

  // Apache HttpClient 5: RestClient.create() picks HttpComponentsClientHttpRequestFactory when it is on the class path.

  @GetMapping("/hc5/body-not-closed")
  int hc5BodyNotClosed() throws IOException {
    InputStream body = hc5Leaky.get().uri(backend).exchange((request, response) -> response.getBody(), false); // site:hc5BodyNotClosed
    return body.read();
  }

  /**
   * Five streams left open fill the route's pool (HC5: 5 per route); the sixth request waits until
   * one of them is closed, 300 ms after it started waiting.
   */
  @GetMapping("/hc5/pool-exhausted")
  int hc5PoolExhausted() throws IOException {
    List<InputStream> open = new ArrayList<>();
    for (int i = 0; i < 5; i++) open.add(hc5Exhausted.get().uri(backend).exchange((request, response) -> response.getBody(), false));
    // Close one 300 ms after this thread parks in HC5's pool, not 300 ms from now: on a loaded machine
    // the sixth request's first trip through RestClient can take longer than that, and then it never waits.
    Thread requester = Thread.currentThread();
    CompletableFuture.runAsync(() -> {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!parkedInPool(requester) && System.nanoTime() < deadline) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
      closeQuietly(open.get(0));
    });
    int n = hc5Exhausted.get().uri(backend).retrieve().body(byte[].class).length; // site:hc5PoolExhausted
    for (InputStream in : open) closeQuietly(in);
    return n;
  }

  @GetMapping("/clean/hc5")
  int cleanHc5() {
    return hc5Fixed.get().uri(backend).retrieve().body(byte[].class).length; // clean:hc5
  }

  // HttpURLConnection through RestTemplate and Spring's SimpleClientHttpRequestFactory.

  @GetMapping("/huc/no-timeout")
  int hucNoTimeout() {
    return new RestTemplate().getForObject(backend, byte[].class).length; // site:hucNoTimeout
  }

  @GetMapping("/huc/body-not-closed")
  int hucBodyNotClosed() throws IOException {
    ClientHttpResponse response = simpleFactoryWithTimeouts().createRequest(backend, HttpMethod.GET).execute(); // site:hucBodyNotClosed
    return response.getStatusCode().value(); // the stream is never read nor closed
  }

  @GetMapping("/clean/huc")
  int cleanHuc() {
    return restTemplateFixed.getForObject(backend, byte[].class).length; // clean:huc
  }

  // Server side, embedded Tomcat (issue 16): a controller that leaves a thread behind, and one that hangs.

  private final java.util.concurrent.CountDownLatch neverReleased = new java.util.concurrent.CountDownLatch(1);

  @GetMapping("/server/thread-leak")
  String serverThreadLeak() {
    Thread worker = new Thread(() -> {
      try {
        Thread.sleep(120_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "leaky-worker");
    worker.setDaemon(true);
    worker.start(); // site:serverThreadLeak
    return "started";
  }

  @GetMapping("/server/stuck")
  String serverStuck() throws InterruptedException {
    neverReleased.await(120, TimeUnit.SECONDS); // site:serverStuck
    return "released";
  }

  // OkHttp 4, straight.

  @GetMapping("/okhttp/not-closed")
  int okhttpNotClosed() throws IOException {
    Response response = okhttp.newCall(new Request.Builder().url(backend.toString()).build()).execute(); // site:okhttpNotClosed
    return response.code(); // never closed
  }

  @GetMapping("/clean/okhttp")
  int cleanOkhttp() throws IOException {
    try (Response response = okhttp.newCall(new Request.Builder().url(backend.toString()).build()).execute()) { // clean:okhttp
      return response.body().bytes().length;
    }
  }

  private static JdkClientHttpRequestFactory jdkFactoryWithTimeouts() {
    JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()); // clean:jdkFactory
    factory.setReadTimeout(Duration.ofSeconds(10));
    return factory;
  }

  private static CloseableHttpClient hc5WithTimeouts() {
    ConnectionConfig connection = ConnectionConfig.custom().setConnectTimeout(Timeout.ofSeconds(2)).setSocketTimeout(Timeout.ofSeconds(10)).build();
    RequestConfig request = RequestConfig.custom().setConnectionRequestTimeout(Timeout.ofSeconds(2)).setResponseTimeout(Timeout.ofSeconds(10)).build();
    return HttpClients.custom().setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create().setDefaultConnectionConfig(connection).build()).setDefaultRequestConfig(request).build(); // clean:hc5Client
  }

  private static SimpleClientHttpRequestFactory simpleFactoryWithTimeouts() {
    SimpleClientHttpRequestFactory factory = new SimpleClientHttpRequestFactory();
    factory.setConnectTimeout(Duration.ofSeconds(2));
    factory.setReadTimeout(Duration.ofSeconds(10));
    return factory;
  }

  private static boolean parkedInPool(Thread thread) {
    Thread.State state = thread.getState();
    if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) return false;
    for (StackTraceElement frame : thread.getStackTrace()) {
      // the lease waits on its future inside the connection manager (org.apache.hc.core5.pool below it)
      if (frame.getClassName().startsWith("org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager")) return true;
    }
    return false;
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // the test only needs the connection back
    }
  }
}
