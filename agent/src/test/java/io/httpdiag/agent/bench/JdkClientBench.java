package io.httpdiag.agent.bench;

import io.httpdiag.http.Server;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Overhead of the agent on the JDK HttpClient: the same loopback workload (GET of a 13-byte hello
 * from the core-transport server, {@code --threads} callers on one client, HTTP/1.1) in child JVMs
 * without and with the agent ({@code log=off}), JFR recording with httpdiag.jfc in both, alternating,
 * {@code --rounds} times each. Prints req/s, p99 and process CPU per request for each run, the medians
 * and the ratios. The warm-up is long on purpose: the instrumented JVM takes longer to reach its JIT
 * steady state, and a short warm-up measures that instead of the steady-state cost.
 *
 * <pre>java -cp agent/target/test-classes:core-transport/target/classes io.httpdiag.agent.bench.JdkClientBench</pre>
 * Options: {@code --jar agent/target/httpdiag-agent.jar --jfc agent/target/httpdiag.jfc --rounds 4
 * --seconds 8 --warmup 20 --threads 2 --java <path to bin/java>}, and {@code --aa} to run both sides
 * without the agent (the noise floor). Runs alternate which side goes first.
 */
public final class JdkClientBench {
  /** Extra agent options for experiments, e.g. -Dbench.agentOptions=,instrument.jdk=off */
  private static final String AGENT_EXTRA = System.getProperty("bench.agentOptions", "");
  /** Extra JVM arguments of the agent's children, space-separated, e.g. -Dbench.agentJvmArgs=-Xint */
  private static final String AGENT_JVM_ARGS = System.getProperty("bench.agentJvmArgs", "");

  private JdkClientBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      return;
    }
    String jar = opt(args, "--jar", "agent/target/httpdiag-agent.jar");
    String jfc = opt(args, "--jfc", "agent/target/httpdiag.jfc");
    String java = opt(args, "--java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    int rounds = Integer.parseInt(opt(args, "--rounds", "4"));
    String seconds = opt(args, "--seconds", "8");
    String warmup = opt(args, "--warmup", "20");
    String threads = opt(args, "--threads", "2");
    for (String f : List.of(jar, jfc)) {
      if (!new File(f).isFile()) throw new IllegalArgumentException(f + " not found: run mvn -pl agent -am package first");
    }
    List<double[]> base = new ArrayList<>();
    List<double[]> agent = new ArrayList<>();
    // --aa: the "agent" runs get no agent either: the noise floor of this machine.
    String agentJar = List.of(args).contains("--aa") ? null : jar;
    for (int i = 0; i < rounds; i++) {
      // Alternate which goes first (ABBA...): on a shared machine the second run of a pair is often slower.
      if (i % 2 == 0) {
        base.add(run(java, null, jfc, warmup, seconds, threads));
        agent.add(run(java, agentJar, jfc, warmup, seconds, threads));
      } else {
        agent.add(run(java, agentJar, jfc, warmup, seconds, threads));
        base.add(run(java, null, jfc, warmup, seconds, threads));
      }
    }
    double baseRps = median(base, 0), agentRps = median(agent, 0);
    double baseP99 = median(base, 1), agentP99 = median(agent, 1);
    System.out.printf("bench: java %s, %s threads, %s s per run, %d rounds, median of each%n",
        java, threads, seconds, rounds);
    double baseCpu = median(base, 2), agentCpu = median(agent, 2);
    System.out.printf("bench: no agent   %10.0f req/s  p99 %8.1f us  cpu %6.1f us/req%n", baseRps, baseP99, baseCpu);
    System.out.printf("bench: agent      %10.0f req/s  p99 %8.1f us  cpu %6.1f us/req%n", agentRps, agentP99, agentCpu);
    System.out.printf("bench: throughput ratio %.3f (goal >= 0.97), p99 ratio %.3f (goal <= 1.05), cpu ratio %.3f%n",
        agentRps / baseRps, agentP99 / baseP99, agentCpu / baseCpu);
  }

  private static double[] run(String java, String jar, String jfc, String warmup, String seconds, String threads)
      throws Exception {
    Path rec = Files.createTempFile("httpdiag-bench", ".jfr");
    List<String> cmd = new ArrayList<>(List.of(java));
    if (jar != null) {
      cmd.add("-javaagent:" + jar + "=log=off" + AGENT_EXTRA);
      if (!AGENT_JVM_ARGS.isBlank()) cmd.addAll(List.of(AGENT_JVM_ARGS.trim().split(" +")));
    }
    cmd.add("-XX:StartFlightRecording:settings=" + jfc + ",filename=" + rec);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), JdkClientBench.class.getName(), "--child",
        warmup, seconds, threads));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IllegalStateException("child failed: " + out);
    Files.deleteIfExists(rec);
    String line = out.lines().filter(l -> l.startsWith("bench-child:")).findFirst()
        .orElseThrow(() -> new IllegalStateException("no result: " + out));
    String[] f = line.split(" ");
    double rps = Double.parseDouble(f[1]);
    double p99 = Double.parseDouble(f[2]);
    double cpu = Double.parseDouble(f[3]);
    System.out.printf("bench: %-8s %10.0f req/s  p99 %8.1f us  cpu %6.1f us/req%n", jar == null ? "no agent" : "agent",
        rps, p99, cpu);
    return new double[] {rps, p99, cpu};
  }

  /** In the child: warm up, then measure; prints "bench-child: <req/s> <p99 microseconds>". */
  private static void child(int warmupSeconds, int seconds, int threads) throws Exception {
    byte[] hello = "hello, world\n".getBytes(StandardCharsets.UTF_8);
    try (Server server = Server.builder().host("127.0.0.1").port(0).handler((w, r) -> {
      w.headers().set("Content-Length", "13");
      w.write(hello);
    }).build().start()) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest request = HttpRequest.newBuilder(URI.create(server.url("/hello"))).build();
      load(client, request, threads, warmupSeconds, null);
      long[][] latencies = new long[threads][];
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      long cpu0 = os.getProcessCpuTime();
      long start = System.nanoTime();
      int n = load(client, request, threads, seconds, latencies);
      double elapsed = (System.nanoTime() - start) / 1e9;
      double cpuPerRequest = (os.getProcessCpuTime() - cpu0) / 1000.0 / n;
      long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
      long p99 = all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)];
      System.out.printf("bench-child: %.1f %.1f %.1f%n", n / elapsed, p99 / 1000.0, cpuPerRequest);
    }
  }

  private static int load(HttpClient client, HttpRequest request, int threads, int seconds, long[][] latencies)
      throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Thread[] workers = new Thread[threads];
    int[] counts = new int[threads];
    for (int t = 0; t < threads; t++) {
      int id = t;
      workers[t] = new Thread(() -> {
        long[] lat = new long[1 << 16];
        int n = 0;
        try {
          while (System.nanoTime() < end) {
            long s = System.nanoTime();
            String body = client.send(request, BodyHandlers.ofString()).body();
            if (body.length() != 13) throw new IllegalStateException("body " + body.length());
            if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
            lat[n++] = System.nanoTime() - s;
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        counts[id] = n;
        if (latencies != null) latencies[id] = Arrays.copyOf(lat, n);
      });
      workers[t].start();
    }
    int total = 0;
    for (int t = 0; t < threads; t++) {
      workers[t].join();
      total += counts[t];
    }
    return total;
  }

  private static double median(List<double[]> runs, int field) {
    double[] v = runs.stream().mapToDouble(r -> r[field]).sorted().toArray();
    return v[v.length / 2];
  }

  private static String opt(String[] args, String name, String dflt) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) return args[i + 1];
    }
    return dflt;
  }
}
