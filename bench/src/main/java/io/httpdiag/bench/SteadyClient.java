package io.httpdiag.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * Child-JVM main of the overhead section's client rows: one client ({@link ClientRun#call}) on this
 * JVM's main thread, sequential keep-alive {@code GET url}. It warms up until steady ({@link
 * Warmup}: CPU per request of consecutive windows agrees and the JIT has gone quiet, with a cap),
 * prints {@code WARMUP ...}, then stays warm and obeys stdin, so that the parent can interleave
 * measured windows of several configurations round by round without paying a warm-up per round:
 * {@code measure <ms>} runs a short unmeasured lead-in (the connection may have idled out), then a
 * measured window, and prints {@code RESULT ...}; end of input exits.
 *
 * <p>Allocation: {@code threadAllocPerReq} is what the client thread itself allocated per request
 * ({@code getCurrentThreadAllocatedBytes}), {@code allocPerReq} what every thread did (a client's
 * selector threads, the agent's and JFR's threads; {@code getTotalThreadAllocatedBytes}, JDK 21+,
 * else the live threads' sum).
 *
 * <pre>java -cp httpdiag-bench.jar io.httpdiag.bench.SteadyClient KIND URL warmupWindowMs warmupMinMs warmupCapMs</pre>
 */
public final class SteadyClient {
  /** Unmeasured requests before each measured window: reconnect and refill caches after idling. */
  static final long LEAD_IN_MS = 200;

  private SteadyClient() {}

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    String url = args[1];
    long windowMs = Long.parseLong(args[2]);
    Warmup warmup = new Warmup(Long.parseLong(args[3]), Long.parseLong(args[4]));
    ClientRun.Call call = ClientRun.call(kind, url);
    Meters meters = new Meters();
    long t0 = System.nanoTime();
    while (true) {
      Meters.Reading a = meters.read();
      long n = loop(call, windowMs, null);
      Meters.Reading b = meters.read();
      if (warmup.done(b.wallMillis() - a.wallMillis(), (b.cpuNanos() - a.cpuNanos()) / (double) Math.max(1, n), b.jitMillis() - a.jitMillis())) {
        break;
      }
    }
    System.out.printf("WARMUP ms=%d steady=%b windows=%d wall=%d%n", warmup.elapsedMillis(), warmup.steady(), warmup.windows(),
        (System.nanoTime() - t0) / 1_000_000);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (!line.startsWith("measure ")) {
        continue;
      }
      long ms = Long.parseLong(line.substring(8).trim());
      loop(call, LEAD_IN_MS, null);
      Histogram h = new Histogram();
      Meters.Reading a = meters.read();
      long n = Math.max(1, loop(call, ms, h));
      Meters.Reading b = meters.read();
      System.out.printf("RESULT requests=%d seconds=%.4f p50us=%.2f p99us=%.2f cpuUsPerReq=%.3f allocPerReq=%d threadAllocPerReq=%d jitMs=%d%n",
          h.count(), (b.wallMillis() - a.wallMillis()) / 1e3, h.percentile(50) / 1e3, h.percentile(99) / 1e3,
          (b.cpuNanos() - a.cpuNanos()) / 1e3 / n, (b.allBytes() - a.allBytes()) / n, (b.threadBytes() - a.threadBytes()) / n,
          b.jitMillis() - a.jitMillis());
      System.out.flush();
    }
    System.exit(0); // client pools hold non-daemon threads
  }

  /** Sequential calls for {@code millis}; returns how many. Records latencies when {@code h} is not null. */
  private static long loop(ClientRun.Call call, long millis, Histogram h) throws Exception {
    long end = System.nanoTime() + millis * 1_000_000;
    long n = 0;
    long t;
    while ((t = System.nanoTime()) - end < 0) {
      call.run();
      if (h != null) {
        h.record(System.nanoTime() - t);
      }
      n++;
    }
    return n;
  }

  /** The process's CPU, allocation and JIT counters. Read on the client thread (thread allocation is the caller's). */
  static final class Meters {
    record Reading(long wallMillis, long cpuNanos, long jitMillis, long allBytes, long threadBytes) {}

    private final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    Reading read() {
      return new Reading(System.nanoTime() / 1_000_000, os.getProcessCpuTime(), JitCpu.millis(), totalAllocatedBytes(threads),
          threads.getCurrentThreadAllocatedBytes());
    }
  }

  /**
   * Bytes allocated by all threads so far: {@code getTotalThreadAllocatedBytes} (JDK 21+; counts
   * threads that ended, and virtual threads through their carriers), else the sum over the threads
   * alive now (JDK 17: undercounts threads that ended in between).
   */
  static long totalAllocatedBytes(com.sun.management.ThreadMXBean threads) {
    try {
      return threads.getTotalThreadAllocatedBytes();
    } catch (UnsupportedOperationException | NoSuchMethodError e) {
      long sum = 0;
      for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
        sum += Math.max(0, b);
      }
      return sum;
    }
  }
}
