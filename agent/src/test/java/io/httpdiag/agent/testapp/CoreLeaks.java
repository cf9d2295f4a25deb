package io.httpdiag.agent.testapp;

import io.httpdiag.agent.testkit.Await;
import io.httpdiag.http.Client;
import io.httpdiag.http.HttpTimeoutException;
import io.httpdiag.http.Request;
import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import io.httpdiag.http.Transport;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One program per finding, on core-transport, in a leaky and a fixed variant:
 * {@code CoreLeaks <scenario> leaky|fixed}. The fixed variants also configure every timeout, so a
 * fixed run must produce no finding at all. At the end the program runs a check point (the
 * age-based detectors as if an hour had passed) and prints every finding as
 * {@code testapp: finding <KIND> <callSite>} plus the full text.
 */
public final class CoreLeaks {
  private static final Duration T = Duration.ofSeconds(10);
  static boolean fixed;
  private static Server server;
  private static final List<Response> keptOpen = new ArrayList<>();

  private CoreLeaks() {}

  public static void main(String[] args) throws Exception {
    Scenarios.main(args, CoreLeaks::run);
  }

  private static void run(String scenario, String[] args) throws Exception {
    fixed = args[1].equals("fixed");
    CountDownLatch release = new CountDownLatch(1);
    Server.Builder sb = Server.builder().handler((w, r) -> {
      switch (r.path()) {
        case "/big":
          w.headers().set("Content-Length", Integer.toString(1 << 20));
          byte[] chunk = new byte[64 * 1024];
          for (int i = 0; i < 16; i++) w.write(chunk);
          break;
        case "/stall":
          release.await(20, TimeUnit.SECONDS);
          w.write("late");
          break;
        case "/spawn": {
          Thread worker = startWorker(release);
          if (fixed) {
            release.countDown();
            worker.join(10_000);
          }
          w.write("spawned");
          break;
        }
        case "/busy": // a handler that waits on something with no bound
          if (fixed) {
            release.await(200, TimeUnit.MILLISECONDS);
          } else {
            release.await(20, TimeUnit.SECONDS);
          }
          w.write("done");
          break;
        case "/slow": // a backend that takes its time
          release.await(150, TimeUnit.MILLISECONDS);
          w.write("slow");
          break;
        case "/think":
          Thread.sleep(1);
          w.write("ok");
          break;
        default:
          w.write("Hello, World!");
      }
    });
    if (fixed) sb.readHeaderTimeout(Duration.ofSeconds(5)).idleTimeout(Duration.ofSeconds(60));
    server = sb.build().start();
    try {
      switch (scenario) {
        case "bodyNotClosed": bodyNotClosed(); break;
        case "bodyClosedEarly": bodyClosedEarly(); break;
        case "transportPerRequest": transportPerRequest(); break;
        case "noTimeouts": noTimeouts(); break;
        case "stuck": stuck(release); break;
        case "churn": churn(); break;
        case "threadLeak": threadLeak(); break;
        case "stuckHandler": stuckHandler(release); break;
        case "bodyCollected": bodyCollected(); break;
        case "clientThreadLeak": clientThreadLeak(release); break;
        case "pinnedIo": Pinning.run(fixed, () -> System.out.println("testapp: " + RemoteConfig.VALUE), CoreLeaks::fetchSlow); break;
        default: throw new IllegalArgumentException("unknown scenario " + scenario);
      }
      checkpointAndPrint();
    } finally {
      release.countDown();
      for (Response r : keptOpen) r.close();
      keptOpen.clear();
      server.close();
    }
  }

  private static Client client() {
    Client.Builder b = Client.builder();
    if (fixed) b.timeout(T);
    return b.build();
  }

  static void bodyNotClosed() throws Exception {
    Client client = client();
    Response r = client.get(server.url("/big"));
    if (fixed) {
      try (InputStream in = r.body()) {
        in.readAllBytes();
      }
    } else {
      keptOpen.add(r); // never read, never closed (closed only at exit, after the check point)
    }
  }

  /** The GC backstop: a response dropped unread is reported once collected, long before detect.body.after. */
  static void bodyCollected() throws Exception {
    dropOrReadResponse();
    long start = System.nanoTime(); // the response is unreachable from here on
    awaitCollectedFinding(start);
  }

  private static void dropOrReadResponse() throws Exception {
    Response r = client().get(server.url("/big"));
    if (fixed) {
      try (InputStream in = r.body()) {
        in.readAllBytes();
      }
    }
    // leaky: r is dropped here, never read nor closed
  }

  /**
   * Leaky: collects garbage until the sweeper reports the body as collected unclosed, and prints how
   * long that took. Fixed: collects garbage and runs a check point: nothing may be found.
   */
  static void awaitCollectedFinding(long start) throws Exception {
    Class<?> findings = Class.forName("io.httpdiag.agent.runtime.Findings");
    if (fixed) {
      Await.repeatFor(Duration.ofSeconds(2), () -> {
        System.gc();
        findings.getMethod("sweep", long.class).invoke(null, 0L); // the sweeper's pass, now
      });
      return;
    }
    Await.until(Duration.ofSeconds(20), () -> {
      System.gc();
      return findings().stream().anyMatch(f -> f[0].equals("BODY_NOT_CLOSED") && f[2].contains("collected unclosed"));
    }, () -> "a collected-unclosed BODY_NOT_CLOSED");
    System.out.println("testapp: gc backstop latency " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
  }

  static void bodyClosedEarly() throws Exception {
    Client client = client();
    try (Response r = client.get(server.url("/big"))) {
      InputStream in = r.body();
      if (fixed) {
        in.readAllBytes();
      } else {
        in.readNBytes(1000); // then closed by try-with-resources with ~1 MiB left
      }
    }
  }

  static void transportPerRequest() throws Exception {
    Transport shared = Transport.builder().build();
    for (int i = 0; i < 8; i++) {
      Transport t = fixed ? shared : Transport.builder().build();
      Client c = Client.builder().transport(t).timeout(fixed ? T : Duration.ZERO).build();
      try (Response r = c.get(server.url("/"))) {
        r.body().readAllBytes();
      }
      if (!fixed) t.close();
    }
  }

  static void noTimeouts() throws Exception {
    try (Response r = client().get(server.url("/"))) {
      r.body().readAllBytes();
    }
  }

  static void stuck(CountDownLatch release) throws Exception {
    Client client = fixed ? Client.builder().timeout(Duration.ofMillis(300)).build() : client();
    Thread caller = new Thread(() -> {
      try (Response r = client.get(server.url("/stall"))) {
        r.body().readAllBytes();
      } catch (HttpTimeoutException expected) {
        System.out.println("testapp: timed out as configured: " + expected.getMessage());
      } catch (Exception e) {
        System.out.println("testapp: " + e);
      }
    }, "stuck-caller");
    caller.start();
    if (!fixed) {
      awaitFinding("STUCK_EXCHANGE"); // the sweeper reports it once detect.stuck.after has passed
    }
    caller.join(TimeUnit.SECONDS.toMillis(10));
    releaseStalledHandler(release);
  }

  /** The stalling server is scenery, not the subject: let its handler finish before the check point. */
  static void releaseStalledHandler(CountDownLatch release) throws Exception {
    releaseAndDrain(release, server);
  }

  /** Releases the handlers parked on {@code release} and waits (at most 10 s) until the server has no connection left. */
  static void releaseAndDrain(CountDownLatch release, Server server) throws Exception {
    release.countDown();
    Await.within(Duration.ofSeconds(10), () -> server.activeConnections() == 0);
  }

  /** A worker the handler starts: virtual where the JVM has them (found reflectively: this compiles for 17). */
  static Thread startWorker(CountDownLatch release) throws Exception {
    Runnable task = () -> {
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    try {
      Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
      return (Thread) Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class).invoke(builder, task);
    } catch (NoSuchMethodException jdk17) {
      Thread t = new Thread(task, "handler-worker");
      t.setDaemon(true);
      t.start();
      return t;
    }
  }

  static void stuckHandler(CountDownLatch release) throws Exception {
    Thread caller = new Thread(() -> {
      try (Response r = client().get(server.url("/busy"))) {
        r.body().readAllBytes();
      } catch (Exception e) {
        System.out.println("testapp: " + e);
      }
    });
    caller.start();
    if (!fixed) {
      awaitFinding("STUCK_EXCHANGE", "lambda$run$"); // the handler's (a lambda in run), not the client's
      release.countDown();
    }
    caller.join(TimeUnit.SECONDS.toMillis(15));
  }

  /**
   * A thread started while a client exchange is in flight on this thread (between the request and
   * the end of its body) that outlives it. Fixed: stopped before the body is done with. Both variants
   * use a client with a timeout, so core-transport's own timer thread starts inside the exchange too
   * (and must not be reported).
   */
  static void clientThreadLeak(CountDownLatch release) throws Exception {
    Client c = Client.builder().timeout(T).build();
    try (Response r = c.get(server.url("/big"))) {
      Thread progress = startProgressReporter(release);
      r.body().readAllBytes();
      if (fixed) {
        progress.interrupt();
        progress.join(10_000);
      }
    }
  }

  static Thread startProgressReporter(CountDownLatch release) {
    Thread t = new Thread(() -> {
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "progress-reporter");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Configuration fetched over HTTP in a static initializer: pins the virtual thread that first touches it. */
  static final class RemoteConfig {
    static final String VALUE = fetchSlow();
  }

  static String fetchSlow() {
    try (Response r = Client.builder().timeout(T).build().get(server.url("/slow"))) {
      return new String(r.body().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void threadLeak() throws Exception {
    try (Response r = client().get(server.url("/spawn"))) {
      r.body().readAllBytes();
    }
  }

  static void churn() throws Exception {
    Transport t = Transport.builder().maxIdleConnsPerHost(fixed ? 100 : 2).build();
    Client client = Client.builder().transport(t).timeout(fixed ? T : Duration.ZERO).build();
    Thread[] workers = new Thread[50];
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Thread(() -> {
        while (System.nanoTime() < until) {
          try (Response r = client.get(server.url("/think"))) {
            r.body().readAllBytes();
            Thread.sleep(1); // think time: without it a tight loop hides the churn (DESIGN.md section 8)
          } catch (Exception e) {
            System.out.println("testapp: " + e);
            return;
          }
        }
      });
      workers[i].start();
    }
    for (Thread w : workers) w.join();
    System.out.println("testapp: stats " + t.stats());
    t.close();
  }

  private static void awaitFinding(String kind) throws Exception {
    awaitFinding(kind, "");
  }

  private static void awaitFinding(String kind, String siteContains) throws Exception {
    Await.until(Duration.ofSeconds(20), () -> findings().stream().anyMatch(f -> f[0].equals(kind) && f[1].contains(siteContains)),
        () -> "a " + kind + " finding");
  }

  /** Runs a check point, then prints the findings. Reflection: the runtime is the agent's boot-loaded copy. */
  static void checkpointAndPrint() throws Exception {
    Class<?> findings = Class.forName("io.httpdiag.agent.runtime.Findings");
    findings.getMethod("sweep", long.class).invoke(null, TimeUnit.HOURS.toNanos(1));
    for (String[] f : findings()) {
      System.out.println("testapp: finding " + f[0] + " " + f[1]);
    }
    @SuppressWarnings("unchecked")
    List<String> texts = (List<String>) findings.getMethod("texts").invoke(null);
    for (String text : texts) System.out.println(text);
  }

  /** Every finding so far as {kind, call site, title}. */
  static List<String[]> findings() throws Exception {
    Class<?> findings = Class.forName("io.httpdiag.agent.runtime.Findings");
    List<?> all = (List<?>) findings.getMethod("all").invoke(null);
    List<String[]> out = new ArrayList<>();
    for (Object f : all) {
      String kind = f.getClass().getField("kind").get(f).toString();
      String site = (String) f.getClass().getMethod("callSite").invoke(f);
      String title = (String) f.getClass().getMethod("title").invoke(f);
      out.add(new String[] {kind, site, title});
    }
    return out;
  }

  static String describe(String[] f) {
    return Arrays.toString(f);
  }
}
