package io.httpdiag.agent.testapp;

import io.httpdiag.http.Server;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The findings on the JDK's HttpURLConnection, leaky and fixed: {@code UrlConnectionLeaks <scenario>
 * leaky|fixed}. Fixed variants set both timeouts, read every stream to the end and close it, and (churn)
 * size the keep-alive cache for the concurrency, so a fixed run must produce no finding. Ends with a
 * check point and the findings, like {@link CoreLeaks}.
 */
public final class UrlConnectionLeaks {
  static final int BIG = 4 << 20;
  /** Within http.KeepAlive.remainingData (512 KiB): the JDK drains the rest of an early close. */
  static final int MEDIUM = 256 << 10;
  private static boolean fixed;
  private static Server server;
  private static final List<InputStream> keptOpen = new ArrayList<>();
  /** Counted down when the stalling handler has the request: the caller is now waiting. */
  private static final CountDownLatch STALLED = new CountDownLatch(1);

  private UrlConnectionLeaks() {}

  public static void main(String[] args) throws Exception {
    Scenarios.main(args, UrlConnectionLeaks::run);
  }

  private static void run(String scenario, String[] args) throws Exception {
    fixed = args[1].equals("fixed");
    if (fixed && scenario.equals("churn")) {
      System.setProperty("http.maxConnections", "64"); // as -Dhttp.maxConnections=64: read at first use
    }
    CountDownLatch release = new CountDownLatch(1);
    server = Server.builder().readHeaderTimeout(Duration.ofSeconds(5)).handler((w, r) -> {
      switch (r.path()) {
        case "/big":
          w.headers().set("Content-Length", Integer.toString(BIG));
          byte[] chunk = new byte[64 * 1024];
          for (int i = 0; i < BIG / chunk.length; i++) w.write(chunk);
          break;
        case "/medium":
          w.headers().set("Content-Length", Integer.toString(MEDIUM));
          w.write(new byte[MEDIUM]);
          break;
        case "/stall":
          STALLED.countDown();
          release.await(20, TimeUnit.SECONDS);
          w.write("late");
          break;
        case "/think":
          Thread.sleep(2);
          w.write("ok");
          break;
        default:
          w.write("Hello, World!");
      }
    }).build().start();
    try {
      switch (scenario) {
        case "bodyNotClosed": bodyNotClosed(); break;
        case "bodyCollected": bodyCollected(); break;
        case "bodyClosedEarly": bodyClosedEarly(); break;
        case "smallRestDrained": smallRestDrained(); break;
        case "noTimeouts": noTimeouts(); break;
        case "churn": churn(); break;
        case "stuck": stuck(release); break;
        default: throw new IllegalArgumentException("unknown scenario " + scenario);
      }
      CoreLeaks.checkpointAndPrint();
    } finally {
      release.countDown();
      for (InputStream in : keptOpen) in.close();
      keptOpen.clear();
      server.close();
    }
  }

  private static HttpURLConnection open(String path) throws Exception {
    HttpURLConnection c = (HttpURLConnection) new URL(server.url(path)).openConnection();
    if (fixed) {
      c.setConnectTimeout(5_000);
      c.setReadTimeout(path.equals("/stall") ? 300 : 10_000);
    }
    return c;
  }

  /** Leaky: a body never read nor closed, kept referenced: its connection never goes back (found by age). */
  static void bodyNotClosed() throws Exception {
    HttpURLConnection c = open("/big");
    InputStream in = c.getInputStream();
    if (fixed) {
      try (in) {
        in.readAllBytes();
      }
    } else {
      keptOpen.add(in); // never read, never closed (closed only at exit, after the check point)
    }
  }

  /** The GC backstop: a small body dropped unread with its connection is reported once collected. */
  static void bodyCollected() throws Exception {
    dropOrReadSmallBody();
    long start = System.nanoTime(); // the stream and its connection are unreachable from here on
    CoreLeaks.fixed = fixed;
    CoreLeaks.awaitCollectedFinding(start);
  }

  private static void dropOrReadSmallBody() throws Exception {
    HttpURLConnection c = open("/");
    InputStream in = c.getInputStream();
    if (fixed) {
      try (in) {
        in.readAllBytes();
      }
    }
  }

  /** Leaky: 1000 bytes of a 4 MiB body, then close(): more than remainingData is left, the JDK closes the connection. */
  static void bodyClosedEarly() throws Exception {
    HttpURLConnection c = open("/big");
    try (InputStream in = c.getInputStream()) {
      if (fixed) {
        in.readAllBytes();
      } else {
        in.readNBytes(1000);
      }
    }
  }

  /**
   * Both variants: closing a 256 KiB body after 1000 bytes is no finding: the JDK skips or drains the
   * rest (Content-Length within http.KeepAlive.remainingData) and keeps the connection.
   */
  static void smallRestDrained() throws Exception {
    for (int i = 0; i < 3; i++) {
      HttpURLConnection c = open("/medium");
      try (InputStream in = c.getInputStream()) {
        in.readNBytes(1000);
      }
    }
    HttpURLConnection c = open("/");
    try (InputStream in = c.getInputStream()) {
      in.readAllBytes();
    }
  }

  static void noTimeouts() throws Exception {
    HttpURLConnection c = open("/");
    try (InputStream in = c.getInputStream()) {
      in.readAllBytes();
    }
  }

  /**
   * Leaky: no read timeout, the server stalls: the caller waits forever (the watchdog shows where).
   * Fixed: a 300 ms read timeout ends it with SocketTimeoutException.
   */
  static void stuck(CountDownLatch release) throws Exception {
    Thread caller = new Thread(() -> {
      try {
        HttpURLConnection c = open("/stall");
        try (InputStream in = c.getInputStream()) {
          in.readAllBytes();
        }
      } catch (Exception e) {
        System.out.println("testapp: stuck caller: " + e);
      }
    }, "stuck-caller");
    caller.setDaemon(true);
    caller.start();
    if (fixed) {
      caller.join(10_000);
      return;
    }
    // Once the server has the request, the check point's watchdog (detect.stuck.after=500ms) reports it.
    if (!STALLED.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("the request never reached the server");
  }

  /**
   * 20 threads at once against a keep-alive cache of http.maxConnections = 5 idle connections per host
   * (the default): every round returns 20 connections, the cache closes 15. Fixed: -Dhttp.maxConnections=64.
   */
  static void churn() throws Exception {
    Thread[] workers = new Thread[20];
    AtomicInteger failures = new AtomicInteger();
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Thread(() -> {
        while (System.nanoTime() < until) {
          try {
            HttpURLConnection c = open("/think");
            try (InputStream in = c.getInputStream()) {
              in.readAllBytes();
            }
            Thread.sleep(1); // think time: without it a tight loop hides the churn (DESIGN.md section 8)
          } catch (Exception e) {
            if (failures.getAndIncrement() == 0) System.out.println("testapp: " + e);
            return;
          }
        }
      });
      workers[i].start();
    }
    for (Thread t : workers) t.join();
  }
}
