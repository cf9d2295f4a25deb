package io.httpdiag.http.bench;

import io.httpdiag.http.Client;
import io.httpdiag.http.Request;
import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import io.httpdiag.http.Transport;
import io.httpdiag.http.internal.Threads;
import io.httpdiag.http.testing.Nginx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Loopback throughput of core-transport's client against the JDK's {@code java.net.http.HttpClient}
 * (HTTP/1.1), same server, same run: (a) one thread, sequential keep-alive; (b) 64 concurrent
 * virtual threads. The server is nginx returning 13 bytes when installed (one worker per core;
 * {@code -Dhttpdiag.nginxWorkers=N} to change), else core-transport's Server. Both clients send a
 * prebuilt GET; core-transport uses Go's default transport settings with 128 idle connections per
 * host ({@code -Dbench.production=true} for the production preset, whose response header timeout
 * makes every read a timed one). Run (after {@code mvn -pl core-transport test-compile}):
 *
 * <pre>
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -cp core-transport/target/classes:core-transport/target/test-classes io.httpdiag.http.bench.ClientBench [secondsPerRun]
 * </pre>
 */
public final class ClientBench {
  private interface Call {
    void run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    Nginx nginx = null;
    Server server = null;
    String url;
    if (System.getProperty("httpdiag.nginxWorkers") == null) {
      // One worker per core, so that nginx is not what limits the concurrent run.
      System.setProperty("httpdiag.nginxWorkers", Integer.toString(Runtime.getRuntime().availableProcessors()));
    }
    if (Nginx.available()) {
      nginx = Nginx.launch(false);
      url = nginx.url("/");
    } else {
      server = Server.builder().handler((w, r) -> w.write("hello, world\n")).build().start();
      url = server.url("/");
    }
    System.out.printf("server: %s (%s), %ds per run, virtual threads: %s, java %s%n", nginx != null ? "nginx" : "core-transport Server",
        url, seconds, Threads.virtual(), System.getProperty("java.version"));
    try (Transport transport = (Boolean.getBoolean("bench.production") ? Transport.production() : Transport.builder()).maxIdleConnsPerHost(128).build()) {
      Client ours = Client.builder().transport(transport).build();
      HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest jdkRequest = HttpRequest.newBuilder(URI.create(url)).build();
      // Both clients send a prebuilt GET. Ours is one per thread: a Request carries its cancellation
      // state, and one shared by 64 threads would serialize them on its cancel lock.
      ThreadLocal<Request> oursRequest = ThreadLocal.withInitial(() -> Request.builder("GET", url).build());
      Call oursCall = () -> {
        try (Response r = ours.send(oursRequest.get())) {
          if (r.body().readAllBytes().length != 13) {
            throw new IllegalStateException("unexpected body");
          }
        }
      };
      Call jdkCall = () -> {
        if (jdk.send(jdkRequest, HttpResponse.BodyHandlers.ofByteArray()).body().length != 13) {
          throw new IllegalStateException("unexpected body");
        }
      };
      for (int threads : new int[] {1, 64}) {
        run(oursCall, threads, 1); // warm-up
        run(jdkCall, threads, 1);
        double o = run(oursCall, threads, seconds);
        double j = run(jdkCall, threads, seconds);
        System.out.printf("%-28s core-transport %,9.0f req/s   JDK HttpClient %,9.0f req/s   ratio %.2fx%n",
            threads == 1 ? "(a) 1 thread sequential:" : "(b) " + threads + " virtual threads:", o, j, o / j);
      }
      System.out.println("core-transport pool after the run: " + transport.stats());
    } finally {
      if (nginx != null) {
        nginx.close();
      }
      if (server != null) {
        server.close();
      }
    }
  }

  /** Requests per second of {@code call} on {@code threads} threads for {@code seconds}. */
  private static double run(Call call, int threads, int seconds) throws Exception {
    LongAdder count = new LongAdder();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<Thread> workers = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < threads; i++) {
      workers.add(Threads.start("bench", () -> {
        try {
          while (System.nanoTime() - end < 0) {
            call.run();
            count.increment();
          }
        } catch (Throwable t) {
          synchronized (errors) {
            errors.add(t);
          }
        }
      }));
    }
    for (Thread t : workers) {
      t.join();
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException(errors.size() + " workers failed", errors.get(0));
    }
    return count.sum() / ((System.nanoTime() - start) / 1e9);
  }
}
