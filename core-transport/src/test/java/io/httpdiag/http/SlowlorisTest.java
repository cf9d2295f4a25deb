package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.internal.Threads;
import io.httpdiag.http.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Many slow clients at once (slowloris): each connects, sends a request line and then one header
 * line every {@link #TRICKLE}, never the blank line that ends the headers. {@code readHeaderTimeout}
 * is one absolute deadline from a request's first byte, so every one of them must be cut at the
 * deadline however much it trickles, while an ordinary client keeps being served (on a new
 * connection per request: the accept loop is not starved either). Without the timeout they all
 * stay open.
 *
 * <p>{@code -Dhttpdiag.slowloris.connections=N} (default 200) and
 * {@code -Dhttpdiag.slowloris.timeoutMillis=T} (default 1000) size the attack.
 */
class SlowlorisTest {
  static final int CONNECTIONS = Integer.getInteger("httpdiag.slowloris.connections", 200);
  static final Duration HEADER_TIMEOUT = Duration.ofMillis(Long.getLong("httpdiag.slowloris.timeoutMillis", 1000));
  /** Scheduling slack on a shared 2-core machine: the cut may come this much after the deadline. */
  static final Duration SLACK = Duration.ofMillis(1500);
  static final Duration TRICKLE = Duration.ofMillis(100);
  /** The ordinary client's slowest request allowed during the attack. */
  static final Duration NORMAL_MAX_LATENCY = Duration.ofMillis(1000);
  static final Duration WAIT = Duration.ofSeconds(30);

  private final AtomicInteger slowRequestsServed = new AtomicInteger();
  private final List<SlowClient> clients = new ArrayList<>();
  private ScheduledExecutorService trickler;
  private Server server;

  @AfterEach
  void tearDown() throws Exception {
    if (trickler != null) trickler.shutdownNow();
    for (SlowClient c : clients) c.close();
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " connections open");
    }
  }

  @Test
  void readHeaderTimeoutCutsEverySlowClientAtItsDeadlineWhileANormalClientIsServed() throws Exception {
    server = start(Server.builder().readHeaderTimeout(HEADER_TIMEOUT));
    attack();

    // Meanwhile an ordinary client, one new connection per request, until every slow client is cut.
    List<Long> latencies = new ArrayList<>();
    try (Transport t = Transport.builder().disableKeepAlives(true).build()) {
      Client client = Client.builder().transport(t).timeout(Duration.ofSeconds(10)).build();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (clients.stream().anyMatch(c -> !c.closed()) || latencies.size() < 10) {
        assertTrue(System.nanoTime() - deadline < 0, "slow clients still open after " + WAIT + ": " + openCount());
        long t0 = System.nanoTime();
        try (Response r = client.get(server.url("/hello"))) {
          assertEquals(200, r.status());
          assertEquals("hello", new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        latencies.add(System.nanoTime() - t0);
      }
    }

    long[] cuts = clients.stream().mapToLong(SlowClient::cutAfterNanos).sorted().toArray();
    long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf("slowloris: %d connections, readHeaderTimeout=%d ms, trickle every %d ms; cut after"
            + " min=%d p50=%d p99=%d max=%d ms; normal client: %d requests during the attack, latency p50=%.1f"
            + " p99=%.1f max=%.1f ms%n", CONNECTIONS, HEADER_TIMEOUT.toMillis(), TRICKLE.toMillis(), ms(cuts[0]),
        ms(pct(cuts, 50)), ms(pct(cuts, 99)), ms(cuts[cuts.length - 1]), lat.length, pct(lat, 50) / 1e6,
        pct(lat, 99) / 1e6, lat[lat.length - 1] / 1e6);
    // Cut no earlier than the deadline (the client's clock starts before the server's) and no later than the slack.
    assertTrue(cuts[0] >= HEADER_TIMEOUT.minusMillis(20).toNanos(), "cut before the deadline: " + ms(cuts[0]) + " ms");
    assertTrue(cuts[cuts.length - 1] <= HEADER_TIMEOUT.plus(SLACK).toNanos(),
        "cut too late: " + ms(cuts[cuts.length - 1]) + " ms, all: " + Arrays.toString(Arrays.stream(cuts).map(SlowlorisTest::ms).toArray()));
    assertTrue(clients.stream().allMatch(c -> c.trickled.get() >= 3),
        "every slow client kept trickling until it was cut (so only the absolute deadline can have cut it)");
    assertTrue(clients.stream().allMatch(c -> c.received.isEmpty()), "nothing is answered to a request never finished");
    assertEquals(0, slowRequestsServed.get());
    assertTrue(lat[lat.length - 1] <= NORMAL_MAX_LATENCY.toNanos(),
        "normal client too slow during the attack: " + lat[lat.length - 1] / 1e6 + " ms");
  }

  @Test
  void withoutReadTimeoutsEverySlowClientStaysOpen() throws Exception {
    server = start(Server.builder()); // readHeaderTimeout and readTimeout zero: Go's default, no limit
    attack();
    CountDownLatch anyClosed = new CountDownLatch(1);
    for (SlowClient c : clients) c.onClose = anyClosed;
    // Twice as long as the protected server took at most: still all open, still trickling.
    Duration bound = HEADER_TIMEOUT.plus(SLACK).multipliedBy(2);
    assertFalse(anyClosed.await(bound.toMillis(), TimeUnit.MILLISECONDS) || clients.stream().anyMatch(SlowClient::closed),
        openCount() + " of " + CONNECTIONS + " still open after " + bound);
    assertEquals(CONNECTIONS, server.openConnections());
    assertTrue(clients.stream().allMatch(c -> c.trickled.get() >= bound.toMillis() / TRICKLE.toMillis() / 2),
        "the slow clients kept sending");
    System.out.printf("slowloris: no read timeouts: %d of %d connections still open after %d ms%n", openCount(),
        CONNECTIONS, bound.toMillis());
    server.close();
    Await.until(WAIT, () -> clients.stream().allMatch(SlowClient::closed), () -> openCount() + " open after close()");
  }

  private Server start(Server.Builder b) throws IOException {
    return b.handler((w, r) -> {
      if (!r.path().equals("/hello")) slowRequestsServed.incrementAndGet();
      w.write("hello");
    }).build().start();
  }

  /** Connects every slow client, sends each a request line, and trickles a header line to each every TRICKLE. */
  private void attack() throws IOException {
    for (int i = 0; i < CONNECTIONS; i++) clients.add(new SlowClient(server.port(), i));
    trickler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "slowloris-trickler");
      t.setDaemon(true);
      return t;
    });
    trickler.scheduleAtFixedRate(() -> clients.forEach(SlowClient::trickle), TRICKLE.toMillis(), TRICKLE.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private long openCount() {
    return clients.stream().filter(c -> !c.closed()).count();
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static long pct(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  /** One slow connection: a reader thread notices the close; the trickler writes from outside. */
  static final class SlowClient implements AutoCloseable {
    final Socket socket = new Socket();
    final OutputStream out;
    final long firstByteAt;
    final AtomicInteger trickled = new AtomicInteger();
    final AtomicBoolean writeFailed = new AtomicBoolean();
    final StringBuilder received = new StringBuilder(); // written by the reader thread only, read after it ended
    volatile long closedAt;
    volatile CountDownLatch onClose;
    private final int n;

    SlowClient(int port, int n) throws IOException {
      this.n = n;
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      firstByteAt = System.nanoTime();
      out.write(("GET /slow-" + n + " HTTP/1.1\r\nHost: x\r\n").getBytes(StandardCharsets.ISO_8859_1));
      Threads.start("slowloris-reader", () -> { // virtual on 21+: 200 blocked readers cost little
        byte[] buf = new byte[512];
        try {
          for (int r; (r = in.read(buf)) >= 0; ) received.append(new String(buf, 0, r, StandardCharsets.ISO_8859_1));
        } catch (IOException closedOrReset) {
          // the server closed (a reset counts) or we did
        }
        closedAt = System.nanoTime();
        CountDownLatch l = onClose;
        if (l != null) l.countDown();
      });
    }

    void trickle() {
      if (closedAt != 0 || writeFailed.get()) return;
      try {
        out.write(("X-Slow-" + trickled.get() + ": " + n + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        trickled.incrementAndGet();
      } catch (IOException e) {
        writeFailed.set(true); // the server is gone; the reader sees it too
      }
    }

    boolean closed() {
      return closedAt != 0;
    }

    long cutAfterNanos() {
      return closedAt - firstByteAt;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
