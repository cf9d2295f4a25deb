package io.httpdiag.agent.testapp;

import io.httpdiag.agent.testkit.Await;
import io.httpdiag.http.Client;
import io.httpdiag.http.Request;
import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import io.httpdiag.http.Transport;
import io.httpdiag.http.internal.Threads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.SocketException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Load with the agent attached: {@code --connections} virtual-thread workers (default 1,000), each
 * looping over a mixed workload through one core-transport {@link Client} whose pool keeps a
 * keep-alive connection per worker, against a core-transport {@link Server} in this JVM. Every
 * request is counted on both sides and its response checked byte for byte. Heap after a full GC is
 * sampled every {@code --sample} seconds once {@code --warmup} is over; the load runs {@code --seconds}.
 * Then (unless {@code --no-shutdown}) a graceful {@code Server.shutdown} while the load still runs:
 * {@code --hold} workers are parked in a handler when it starts; every request whose handler ran
 * must get its full response, and new connections must be refused.
 *
 * <p>Workload, per worker, in turn: GET small (2 of 5), GET 64 KiB (chunked), POST a 16 KiB chunked
 * upload (echoed as length and sum), GET small; every 50th request overall is a GET small with
 * {@code Connection: close} (its worker dials a new connection next time).
 *
 * <p>Prints {@code testapp: load ...} lines: the IT parses them; the 60-second run is read by people.
 */
public final class LoadTraffic {
  static final byte[] LARGE = pattern(64 << 10, 7);
  static final byte[] UPLOAD = pattern(16 << 10, 13);
  static final String UPLOAD_ECHO = "len=" + UPLOAD.length + " sum=" + sum(UPLOAD);
  static final String[] KINDS = {"small", "large", "upload", "close"};

  final int connections;
  final long seconds;
  final long warmup;
  final long sample;
  final int hold;
  final boolean shutdownPhase;

  final AtomicLong[] served = counters(); // handler completed, by kind
  final AtomicLong[] ok = counters(); // full and correct response, by kind
  final AtomicLong begun = new AtomicLong();
  final AtomicLong loadErrors = new AtomicLong(); // before shutdown: must stay 0
  final AtomicLong truncated = new AtomicLong(); // headers arrived, body failed or wrong: must stay 0
  final AtomicLong failedBeforeResponse = new AtomicLong(); // after shutdown started only
  final ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
  final AtomicInteger peakOpen = new AtomicInteger();
  volatile boolean stop;
  volatile boolean shuttingDown;
  /** Ids of requests whose handler started, and of those answered in full, while shutdown is watched. */
  final Set<Long> entered = ConcurrentHashMap.newKeySet();
  final Set<Long> answered = ConcurrentHashMap.newKeySet();
  volatile boolean recordIds;
  final AtomicLong ids = new AtomicLong();
  final AtomicInteger held = new AtomicInteger();
  final CountDownLatch release = new CountDownLatch(1);
  final AtomicInteger holdTickets = new AtomicInteger();

  LoadTraffic(String[] args) {
    connections = intArg(args, "--connections", 1000);
    seconds = intArg(args, "--seconds", 8);
    warmup = intArg(args, "--warmup", 3);
    sample = intArg(args, "--sample", 1);
    hold = intArg(args, "--hold", 50);
    shutdownPhase = !Arrays.asList(args).contains("--no-shutdown");
  }

  public static void main(String[] args) throws Exception {
    new LoadTraffic(args).run();
    SimulatedTraffic.report();
  }

  void run() throws Exception {
    Server server = Server.builder()
        .readHeaderTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(30))
        .writeTimeout(Duration.ofSeconds(30)).idleTimeout(Duration.ofSeconds(120))
        .handler(this::serve).build().start();
    Transport transport = Transport.builder().maxIdleConnsPerHost(connections * 2).maxIdleConns(connections * 2)
        .responseHeaderTimeout(Duration.ofSeconds(30)).dialTimeout(Duration.ofSeconds(10)).build();
    Client client = Client.builder().transport(transport).timeout(Duration.ofSeconds(60)).build();
    System.out.printf("testapp: load start connections=%d seconds=%d warmup=%d java=%s maxHeap=%dMiB%n", connections,
        seconds, warmup, System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);

    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      int w = i;
      workers.add(Threads.start("load-worker", () -> work(client, server, w)));
    }
    long start = System.nanoTime();
    long sampleEvery = TimeUnit.SECONDS.toNanos(sample);
    long next = start + TimeUnit.SECONDS.toNanos(warmup);
    long end = start + TimeUnit.SECONDS.toNanos(warmup + seconds);
    long okAtWarmup = 0;
    List<Long> heap = new ArrayList<>();
    while (true) {
      long now = System.nanoTime();
      peakOpen.accumulateAndGet(server.openConnections(), Math::max);
      if (now - next >= 0) {
        if (heap.isEmpty()) okAtWarmup = total(ok);
        long used = heapAfterGc();
        heap.add(used);
        System.out.printf(Locale.ROOT, "testapp: load heap t=%.0fs usedAfterGc=%.1fMiB open=%d ok=%d%n",
            (now - start) / 1e9, used / 1048576.0, server.openConnections(), total(ok));
        if (now - end >= 0) break;
        next += sampleEvery;
      }
      TimeUnit.MILLISECONDS.sleep(50); // the sampler's own pace, not a wait for a condition
    }
    long measuredNanos = System.nanoTime() - start - TimeUnit.SECONDS.toNanos(warmup);
    long okMeasured = total(ok) - okAtWarmup;

    String shutdownLine = shutdownPhase ? shutdownUnderLoad(server) : "skipped";
    stop = true;
    for (Thread t : workers) {
      t.join(60_000);
      if (t.isAlive()) throw new IllegalStateException("worker still running: " + t);
    }
    if (shutdownPhase) {
      Set<Long> unanswered = ConcurrentHashMap.newKeySet();
      unanswered.addAll(entered);
      unanswered.removeAll(answered);
      shutdownLine += String.format(" entered=%d answered=%d unanswered=%d", entered.size(), answered.size(),
          unanswered.size());
    }
    if (!shutdownPhase) server.shutdown(Duration.ofSeconds(10));
    transport.close();

    long min = heap.stream().mapToLong(Long::longValue).min().orElse(0);
    long max = heap.stream().mapToLong(Long::longValue).max().orElse(0);
    System.out.printf(Locale.ROOT, "testapp: load requests=%d ok=%d (small=%d large=%d upload=%d close=%d)"
            + " served=%d loadErrors=%d truncated=%d failedBeforeResponse=%d lost=%d%n",
        begun.get(), total(ok), ok[0].get(), ok[1].get(), ok[2].get(), ok[3].get(), total(served), loadErrors.get(),
        truncated.get(), failedBeforeResponse.get(), begun.get() - total(ok) - loadErrors.get() - truncated.get()
            - failedBeforeResponse.get());
    System.out.printf(Locale.ROOT, "testapp: load throughput=%.0f/s over %.1fs peakOpenConnections=%d%n",
        okMeasured / (measuredNanos / 1e9), measuredNanos / 1e9, peakOpen.get());
    System.out.printf(Locale.ROOT, "testapp: load heapAfterGc first=%.1fMiB last=%.1fMiB min=%.1fMiB max=%.1fMiB"
            + " samples=%d%n", heap.get(0) / 1048576.0, heap.get(heap.size() - 1) / 1048576.0, min / 1048576.0,
        max / 1048576.0, heap.size());
    System.out.println("testapp: load shutdown " + shutdownLine);
    for (String e : errorSamples) System.out.println("testapp: load error " + e);
    System.out.println("testapp: load agentInFlight=" + agentInFlight());
  }

  /**
   * Parks {@code hold} workers in a handler, starts a graceful shutdown with the rest still loading,
   * checks that new connections are refused, and releases the parked handlers. Whether every request
   * whose handler started was answered in full is counted once the workers have stopped.
   */
  private String shutdownUnderLoad(Server server) throws Exception {
    recordIds = true;
    holdTickets.set(hold);
    Await.until(Duration.ofSeconds(60), () -> held.get() == hold, () -> "held " + held.get() + " of " + hold);
    int activeAtStart = server.activeConnections();
    AtomicReference<Integer> forced = new AtomicReference<>();
    long t0 = System.nanoTime();
    shuttingDown = true;
    // A platform thread, as a signal handler or a shutdown hook would be: a new virtual thread queues behind
    // the 1,000 busy workers for the scheduler (seconds, measured here) before it even starts the shutdown.
    Thread shutdown = new Thread(() -> forced.set(server.shutdown(Duration.ofSeconds(30))), "load-shutdown");
    shutdown.start();
    long refusedAfter = -1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (refusedAfter < 0 && System.nanoTime() - deadline < 0) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 1000);
      } catch (java.net.SocketTimeoutException backlogFull) {
        // the listener is still open (shutdown not started yet) and its backlog full: try again
      } catch (SocketException refused) {
        // ConnectException, or a reset: the listener closed with this connection still in its backlog
        refusedAfter = System.nanoTime() - t0;
      }
    }
    boolean stillHeld = held.get() == hold && shutdown.isAlive(); // shutdown is waiting for the parked handlers
    release.countDown();
    shutdown.join(40_000);
    if (shutdown.isAlive()) throw new IllegalStateException("shutdown did not return");
    long took = System.nanoTime() - t0;
    return String.format(Locale.ROOT, "activeAtStart=%d held=%d stillHeldWhenRefused=%s newConnectionRefusedAfter=%.1fms"
            + " forced=%d took=%.0fms", activeAtStart, hold, stillHeld, refusedAfter / 1e6, forced.get(), took / 1e6);
  }

  private void serve(io.httpdiag.http.ResponseWriter w, Request r) throws Exception {
    String id = r.headers().get("X-Req");
    if (recordIds && id != null) entered.add(Long.parseLong(id));
    int kind;
    switch (r.path()) {
      case "/small":
        kind = r.headers().containsToken("Connection", "close") ? 3 : 0;
        w.write("ok " + id);
        break;
      case "/large":
        kind = 1;
        w.write(LARGE);
        break;
      case "/upload":
        kind = 2;
        long[] lenSum = lengthAndSum(r.body());
        w.write("len=" + lenSum[0] + " sum=" + lenSum[1]);
        break;
      case "/hold":
        kind = 0;
        held.incrementAndGet();
        release.await(60, TimeUnit.SECONDS);
        w.write("ok " + id);
        break;
      default:
        w.writeHeader(404);
        return;
    }
    served[kind].incrementAndGet();
  }

  private void work(Client client, Server server, int worker) {
    String base = server.url("");
    byte[] buf = new byte[8192];
    for (long n = 0; !stop; n++) {
      long id = ids.incrementAndGet();
      boolean holdThis = holdTickets.get() > 0 && holdTickets.getAndDecrement() > 0;
      int kind = holdThis ? 0 : id % 50 == 0 ? 3 : new int[] {0, 1, 2, 0}[(int) (n % 4)];
      Request.Builder b;
      String expected;
      if (kind == 2) {
        b = Request.builder("POST", base + "/upload").body(new ByteArrayInputStream(UPLOAD), -1); // chunked
        expected = UPLOAD_ECHO;
      } else {
        b = Request.builder("GET", base + (holdThis ? "/hold" : kind == 1 ? "/large" : "/small"));
        expected = "ok " + id;
      }
      if (kind == 3) b.header("Connection", "close");
      b.header("X-Req", Long.toString(id));
      boolean afterShutdown = shuttingDown;
      begun.incrementAndGet();
      Response resp;
      try {
        resp = client.send(b.build());
      } catch (IOException e) {
        if (afterShutdown || shuttingDown) {
          failedBeforeResponse.incrementAndGet();
          return; // refused: this client goes away, as a real one would, rather than spin on the closed port
        }
        loadErrors.incrementAndGet();
        sampleError("send " + KINDS[kind] + ": " + e);
        continue;
      }
      try (resp) {
        // The large body is compared as it streams through one small buffer: heap samples show state, not bodies.
        long got = kind == 1 ? compare(resp.body(), LARGE, buf) : -1;
        String text = kind == 1 ? null : new String(resp.body().readAllBytes(), StandardCharsets.UTF_8);
        boolean good = resp.status() == 200 && (kind == 1 ? got == LARGE.length : expected.equals(text));
        if (good) {
          ok[kind].incrementAndGet();
          if (recordIds) answered.add(id);
        } else {
          truncated.incrementAndGet();
          sampleError("wrong " + KINDS[kind] + " status=" + resp.status() + " body " + (kind == 1 ? got + " bytes" : text));
        }
      } catch (IOException e) {
        truncated.incrementAndGet();
        sampleError("body " + KINDS[kind] + ": " + e);
      }
    }
  }

  private void sampleError(String e) {
    if (errorSamples.size() < 10) errorSamples.add(e);
  }

  static long heapAfterGc() {
    System.gc();
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  /** The agent runtime's exchanges in flight, once they have drained (deadline 10 s); -1 without the agent. */
  static int agentInFlight() throws Exception {
    Class<?> events;
    try {
      events = Class.forName("io.httpdiag.agent.runtime.Events");
    } catch (ClassNotFoundException e) {
      return -1;
    }
    java.lang.reflect.Method inFlight = events.getMethod("inFlight");
    Await.within(Duration.ofSeconds(10), () -> (Integer) inFlight.invoke(null) == 0); // the IT asserts the value
    return (Integer) inFlight.invoke(null);
  }

  private static AtomicLong[] counters() {
    AtomicLong[] a = new AtomicLong[KINDS.length];
    for (int i = 0; i < a.length; i++) a[i] = new AtomicLong();
    return a;
  }

  private static long total(AtomicLong[] a) {
    long n = 0;
    for (AtomicLong x : a) n += x.get();
    return n;
  }

  static byte[] pattern(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + seed + (i >> 8));
    return b;
  }

  /** Reads {@code in} to the end; the number of bytes if they equal {@code expected}, else -1. */
  static long compare(java.io.InputStream in, byte[] expected, byte[] buf) throws IOException {
    long pos = 0;
    boolean same = true;
    for (int n; (n = in.read(buf)) >= 0; pos += n) {
      same &= pos + n <= expected.length && Arrays.equals(buf, 0, n, expected, (int) pos, (int) pos + n);
    }
    return same ? pos : -1;
  }

  static long[] lengthAndSum(java.io.InputStream in) throws IOException {
    byte[] buf = new byte[4096];
    long len = 0;
    long sum = 0;
    for (int n; (n = in.read(buf)) >= 0; len += n) {
      for (int i = 0; i < n; i++) sum += buf[i] & 0xff;
    }
    return new long[] {len, sum};
  }

  static long sum(byte[] b) {
    long s = 0;
    for (byte x : b) s += x & 0xff;
    return s;
  }

  private static int intArg(String[] args, String name, int def) {
    for (int i = 0; i < args.length - 1; i++) if (args[i].equals(name)) return Integer.parseInt(args[i + 1]);
    return def;
  }
}
