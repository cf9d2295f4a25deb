package io.httpdiag.bench;

import io.httpdiag.http.Client;
import io.httpdiag.http.Request;
import io.httpdiag.http.Response;
import io.httpdiag.http.Transport;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * Child-JVM main: one HTTP client in a loop of {@code GET url} (13-byte body, keep-alive) on 1
 * thread, then on N virtual threads. For each: a warm-up window, then a measured one; prints
 * {@code RESULT threads=T requests=N seconds=S p50us=.. p99us=.. allocPerReq=.. cpuUsPerReq=..}.
 * Allocation is {@code getTotalThreadAllocatedBytes} (every thread, including a client's own
 * selector threads and the carriers of virtual threads) over requests.
 *
 * <pre>java -cp httpdiag-bench.jar io.httpdiag.bench.ClientRun core|jdk|okhttp|apache|urlconnection|apache4 URL warmupMs windowMs 1,64</pre>
 */
public final class ClientRun {
  static final List<String> KINDS = List.of("core", "jdk", "okhttp", "apache", "urlconnection");
  static final int POOL = 128;

  interface Call {
    void run() throws Exception;
  }

  private ClientRun() {}

  static String label(String kind) {
    return switch (kind) {
      case "core" -> "core-transport Client";
      case "jdk" -> "JDK HttpClient (HTTP/1.1)";
      case "okhttp" -> "OkHttp 4.12";
      case "apache" -> "Apache HttpClient 5 (classic)";
      case "urlconnection" -> "JDK HttpURLConnection (keep-alive cache)";
      case "apache4" -> "Apache HttpClient 4.5";
      default -> kind;
    };
  }

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    String url = args[1];
    long warmupMs = Long.parseLong(args[2]);
    long windowMs = Long.parseLong(args[3]);
    List<Integer> threadCounts = new ArrayList<>();
    for (String t : args[4].split(",")) {
      threadCounts.add(Integer.parseInt(t));
    }
    Call call = call(kind, url);
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (int threads : threadCounts) {
      window(call, threads, warmupMs);
      long alloc0 = mx.getTotalThreadAllocatedBytes();
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      Histogram h = window(call, threads, windowMs);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long alloc = mx.getTotalThreadAllocatedBytes() - alloc0;
      long cpu = os.getProcessCpuTime() - cpu0;
      long n = Math.max(1, h.count());
      System.out.printf("RESULT threads=%d requests=%d seconds=%.4f p50us=%.2f p99us=%.2f allocPerReq=%d cpuUsPerReq=%.2f%n",
          threads, h.count(), seconds, h.percentile(50) / 1e3, h.percentile(99) / 1e3, alloc / n, cpu / 1e3 / n);
      System.out.flush();
    }
    System.exit(0); // client pools hold non-daemon threads
  }

  static Call call(String kind, String url) {
    switch (kind) {
      case "core": {
        Client client = Client.builder().transport(Transport.builder().maxIdleConnsPerHost(POOL).build()).build();
        Request request = Request.builder("GET", url).build();
        return () -> {
          try (Response r = client.send(request)) {
            check(r.body().readAllBytes().length);
          }
        };
      }
      case "jdk": {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).build();
        return () -> check(client.send(request, HttpResponse.BodyHandlers.ofByteArray()).body().length);
      }
      case "okhttp": {
        OkHttpClient client = new OkHttpClient.Builder().connectionPool(new ConnectionPool(POOL, 5, TimeUnit.MINUTES)).build();
        okhttp3.Request request = new okhttp3.Request.Builder().url(url).build();
        return () -> {
          try (okhttp3.Response r = client.newCall(request).execute()) {
            check(r.body().bytes().length);
          }
        };
      }
      case "apache": {
        CloseableHttpClient client = HttpClients.custom()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create().setMaxConnTotal(POOL).setMaxConnPerRoute(POOL).build())
            .build();
        return () -> check(client.execute(new HttpGet(url), r -> EntityUtils.toByteArray(r.getEntity())).length);
      }
      case "urlconnection": {
        return () -> {
          java.net.URL u = URI.create(url).toURL(); // per request, as callers of new URL(...).openConnection() do
          java.net.HttpURLConnection c = (java.net.HttpURLConnection) u.openConnection();
          try (java.io.InputStream in = c.getInputStream()) {
            check(in.readAllBytes().length);
          }
        };
      }
      case "apache4": {
        // Overhead section only (not in KINDS): HC4 with a pool as large as the others'.
        org.apache.http.impl.client.CloseableHttpClient client = org.apache.http.impl.client.HttpClients.custom()
            .setMaxConnTotal(POOL).setMaxConnPerRoute(POOL).build();
        return () -> check(client.execute(new org.apache.http.client.methods.HttpGet(url),
            r -> org.apache.http.util.EntityUtils.toByteArray(r.getEntity())).length);
      }
      default:
        throw new IllegalArgumentException("unknown client " + kind + "; one of " + KINDS + " or apache4");
    }
  }

  private static void check(int length) {
    if (length != 13) {
      throw new IllegalStateException("expected 13 bytes, got " + length);
    }
  }

  /** Runs {@code call} on {@code threads} threads (virtual when more than one) for {@code millis}. */
  private static Histogram window(Call call, int threads, long millis) throws Exception {
    long end = System.nanoTime() + millis * 1_000_000;
    List<Histogram> parts = new ArrayList<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Histogram h = new Histogram();
      parts.add(h);
      Runnable loop = () -> {
        try {
          long t;
          while ((t = System.nanoTime()) - end < 0) {
            call.run();
            h.record(System.nanoTime() - t);
          }
        } catch (Throwable e) {
          error.compareAndSet(null, e);
        }
      };
      workers.add(threads == 1 ? Thread.ofPlatform().name("bench-1").start(loop) : Thread.ofVirtual().start(loop));
    }
    for (Thread w : workers) {
      w.join();
    }
    if (error.get() != null) {
      throw new IllegalStateException("client " + threads + " threads failed", error.get());
    }
    return Histogram.merge(parts);
  }
}
