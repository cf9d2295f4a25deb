package io.httpdiag.bench;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Child-JVM main of the h2 client rows: one {@link H2Client} with N virtual threads each in a loop
 * of {@code GET url} (13-byte body), so that N requests are in flight at once. One request first
 * (the connection is set up once, not raced by N), then warm-up windows until {@link Warmup} says
 * steady (this JVM's CPU per request agrees between two windows and its JIT used at most 5% of the
 * process's CPU, see {@link H2Bench#jitAsShareOfCpu}), then one
 * measured window; prints {@code RESULT requests=N seconds=S p50us=.. p99us=.. allocPerReq=..
 * cpuUsPerReq=.. protocol=P warmup=<description> jitShare=<JIT CPU / process CPU in the window, -1 unknown>}. CPU is the whole process's (the client's own
 * threads, and the carriers of the calling virtual threads).
 *
 * <pre>java -cp httpdiag-bench.jar io.httpdiag.bench.H2ClientRun jdk https://127.0.0.1:PORT/ trust.p12 password warmupCapMs windowMs 64</pre>
 */
public final class H2ClientRun {
  private static final long WARMUP_WINDOW_MS = 500;

  private H2ClientRun() {}

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    URI url = URI.create(args[1]);
    SSLContext trust = trust(Path.of(args[2]), args[3].toCharArray());
    long warmupCapMs = Long.parseLong(args[4]);
    long windowMs = Long.parseLong(args[5]);
    int concurrency = Integer.parseInt(args[6]);
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (H2Client client = H2Client.open(kind, url, trust)) {
      check(client.get());
      Warmup warmup = new Warmup(Math.min(1_000, warmupCapMs), warmupCapMs);
      while (true) {
        long cpu0 = os.getProcessCpuTime();
        long jit0 = JitCpu.millis();
        long t0 = System.nanoTime();
        Histogram h = window(client, concurrency, WARMUP_WINDOW_MS);
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        long cpuNs = os.getProcessCpuTime() - cpu0;
        long jit = jit0 < 0 ? -1 : H2Bench.jitAsShareOfCpu(JitCpu.millis() - jit0, cpuNs / 1_000_000, wallMs);
        if (warmup.done(wallMs, cpuNs / (double) Math.max(1, h.count()), jit)) {
          break;
        }
      }
      long alloc0 = mx.getTotalThreadAllocatedBytes();
      long jit0 = JitCpu.millis();
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      Histogram h = window(client, concurrency, windowMs);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long alloc = mx.getTotalThreadAllocatedBytes() - alloc0;
      long cpu = os.getProcessCpuTime() - cpu0;
      long jitMs = jit0 < 0 ? -1 : JitCpu.millis() - jit0;
      double jitShare = jitMs < 0 || cpu <= 0 ? -1 : Math.min(1, jitMs * 1e6 / cpu);
      long n = Math.max(1, h.count());
      System.out.printf("RESULT requests=%d seconds=%.4f p50us=%.2f p99us=%.2f allocPerReq=%d cpuUsPerReq=%.2f protocol=%s warmup=%s jitShare=%.4f%n",
          h.count(), seconds, h.percentile(50) / 1e3, h.percentile(99) / 1e3, alloc / n, cpu / 1e3 / n, client.protocol(),
          warmup.describe().replace(' ', '_'), jitShare);
      System.out.flush();
    }
    System.exit(0); // a client's selector threads may not be daemons
  }

  /** Trusts the certificates of a PKCS#12 store (the bench's self-signed one). */
  static SSLContext trust(Path store, char[] password) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, password);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static void check(int length) {
    if (length != PeerServer.HELLO.length) {
      throw new IllegalStateException("expected " + PeerServer.HELLO.length + " bytes, got " + length);
    }
  }

  /** {@code threads} virtual threads calling {@code client} in a loop for {@code millis}. */
  private static Histogram window(H2Client client, int threads, long millis) throws Exception {
    long end = System.nanoTime() + millis * 1_000_000;
    List<Histogram> parts = new ArrayList<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Histogram h = new Histogram();
      parts.add(h);
      workers.add(Thread.ofVirtual().start(() -> {
        try {
          long t;
          while ((t = System.nanoTime()) - end < 0) {
            check(client.get());
            h.record(System.nanoTime() - t);
          }
        } catch (Throwable e) {
          error.compareAndSet(null, e);
        }
      }));
    }
    for (Thread w : workers) {
      w.join();
    }
    if (error.get() != null) {
      throw new IllegalStateException("h2 client, " + threads + " threads, failed", error.get());
    }
    return Histogram.merge(parts);
  }
}
