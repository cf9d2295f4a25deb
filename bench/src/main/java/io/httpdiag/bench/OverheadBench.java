package io.httpdiag.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The agent's overhead, measured marginally: the same JVM with the same JFR recording
 * (httpdiag.jfc) with and without the agent, CPU per request of the measured process as the
 * primary figure. Beside it: an A/A pair (two identical JFR-only JVMs: the noise floor), the
 * OpenTelemetry Java agent with exporters off on the same loop and the same recording (the
 * anchor), and on core-transport's server no recording at all and the agent with {@code
 * log=summary}. Every JVM of a workload warms up until steady ({@link Warmup}), then the
 * configurations are measured round by round, interleaved. Ends with first-use pauses, agent
 * start-up and the targets, each MET / NOT MET.
 */
final class OverheadBench {
  static final String JFR = "jfr";
  static final String JFR_AA = "jfr-aa";
  static final String AGENT = "agent+jfr";
  static final String OTEL = "otel+jfr";
  static final String NONE = "none";
  static final String SUMMARY = "agent-summary";
  /** Client libraries of the client rows; all but core-transport are instrumented by OpenTelemetry too. */
  static final List<String> CLIENTS = List.of("core", "jdk", "urlconnection", "okhttp", "apache", "apache4");
  /** Compiled for Java 17 from src/main/java17 (after this class): named, not referenced. */
  static final String FIRST_USE_MAIN = "io.httpdiag.bench.FirstUse";
  static final String JDK17 = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java";
  private static final Pattern RESULT = Pattern.compile(
      "RESULT requests=(\\d+) seconds=([0-9.]+) p50us=([0-9.]+) p99us=([0-9.]+) cpuUsPerReq=([0-9.]+) allocPerReq=(-?\\d+) threadAllocPerReq=(-?\\d+) jitMs=(-?\\d+)");
  private static final Pattern WARMUP = Pattern.compile("WARMUP ms=(\\d+) steady=(\\w+) windows=(\\d+)");
  private static final Pattern COUNTERS = Pattern.compile("COUNTERS jitMs=(-?\\d+) allocBytes=(-?\\d+)");
  private static final Pattern FIRSTUSE = Pattern.compile("FIRSTUSE firstMs=([0-9.]+) secondMs=([0-9.]+)");

  /**
   * One measured window of one configuration. Allocation in bytes per request; NaN when not
   * measured. {@code jitMillis}: CPU the JIT compiler threads used during the window (a warm JVM
   * shows next to none), -1 when unknown.
   */
  record Sample(double rps, double p50Micros, double p99Micros, double cpuMicrosPerRequest, double allocPerRequest,
      double threadAllocPerRequest, double jitMillis, String errors) {}

  /** The OpenTelemetry agent's version, from its manifest (for the labels). */
  private static String otelVersion = "";

  private OverheadBench() {}

  static String label(String config) {
    return switch (config) {
      case JFR -> "JFR only (A): no agent, JFR recording (httpdiag.jfc)";
      case JFR_AA -> "JFR only (B): A/A, the same as A";
      case AGENT -> "httpdiag: agent log=off + the same recording";
      case OTEL -> "OpenTelemetry agent " + otelVersion + ", exporters none + the same recording";
      case NONE -> "no agent, no recording";
      case SUMMARY -> "httpdiag log=summary,log.file=…, no recording";
      default -> config;
    };
  }

  static void run(Options o) throws Exception {
    System.out.println("\n## Agent overhead\n");
    Path agent = o.agent != null ? o.agent : Env.repoFile("agent/target/httpdiag-agent.jar");
    Path jfc = o.jfc != null ? o.jfc : Env.repoFile("agent/target/httpdiag.jfc");
    Path otel = o.otel != null ? o.otel : Env.repoFile("bench/target/otel/opentelemetry-javaagent.jar");
    if (agent == null || jfc == null || !Files.exists(agent) || !Files.exists(jfc)) {
      System.out.println("agent jar or httpdiag.jfc not found (build with `mvn -B -DskipTests package`, or pass --agent/--jfc): skipped");
      return;
    }
    if (otel != null && !Files.exists(otel)) {
      otel = null;
    }
    if (otel != null) {
      try (java.util.jar.JarFile jar = new java.util.jar.JarFile(otel.toFile())) {
        otelVersion = String.valueOf(jar.getManifest().getMainAttributes().getValue("Implementation-Version"));
      }
    }
    System.out.println("agent " + agent + "; JFR settings " + jfc + "; OpenTelemetry agent "
        + (otel != null ? otel : "not found (bench/target/otel/, copied by `mvn package`; or --otel): its rows are skipped"));
    System.out.println("Primary figure: CPU µs/request of the measured process (user+system), median of interleaved rounds. "
        + "Every JVM warms up until two consecutive windows agree on CPU/request within " + Table.pct(Warmup.CPU_TOLERANCE)
        + " and the JIT compiles for at most " + Table.pct(Warmup.JIT_FRACTION) + " of a window (capped; the warm-up column says which).");
    Path tmp = Files.createTempDirectory("httpdiag-bench-overhead");
    Targets targets = new Targets();
    try {
      Jvms jvms = new Jvms(agent, jfc, otel, tmp);
      List<String> withOtel = otel != null ? List.of(JFR, JFR_AA, AGENT, OTEL) : List.of(JFR, JFR_AA, AGENT);
      // OpenTelemetry does not instrument core-transport's server: its rows are no recording and log=summary instead.
      // --servers / --clients pick rows (e.g. to re-measure one); by default all, --quick fewer.
      List<String> servers = o.servers != null ? o.servers : o.quick ? List.of("core") : List.of("core", "jetty", "tomcat");
      if (servers.contains("core")) {
        Result core = serverWorkload(o, jvms, "core", List.of(JFR, JFR_AA, AGENT, NONE, SUMMARY));
        targets.ratio("server core-transport: httpdiag / JFR only, CPU/req", core, AGENT, JFR, 1.08);
        targets.ratio("server core-transport: log=summary / no agent, CPU/req", core, SUMMARY, NONE, 1.25);
      }
      // The servlet containers the agent instruments (a blocking handler on platform threads, as Spring MVC runs).
      for (String kind : servers.stream().filter(k -> k.equals("jetty") || k.equals("tomcat")).toList()) {
        Result r = serverWorkload(o, jvms, kind, withOtel);
        if (otel != null) {
          targets.belowOtel("server " + kind + " (not an issue target)", r);
        }
      }
      try (Servers.Running server = Servers.start("core", Env.serverJvmArgs())) {
        Load.run(server.port(), o.warmup(), o.jvmLoad);
        for (String client : o.clients != null ? o.clients : o.quick ? List.of("core", "jdk") : CLIENTS) {
          Result r = clientWorkload(o, jvms, client, server.url(), withOtel);
          if (client.equals("core")) {
            targets.ratio("client core-transport: httpdiag / JFR only, CPU/req", r, AGENT, JFR, 1.05);
          } else if (client.equals("jdk")) {
            targets.ratio("client JDK HttpClient: httpdiag / JFR only, CPU/req", r, AGENT, JFR, 1.05);
          }
          if (!client.equals("core") && otel != null) {
            targets.belowOtel("client " + ClientRun.label(client), r);
          }
        }
        firstUse(o, agent, server.url(), targets);
      }
      startup(o, agent, targets);
      try (Stream<Path> logs = Files.list(tmp)) {
        long bytes = logs.filter(p -> p.toString().endsWith(".log")).mapToLong(p -> p.toFile().length()).sum();
        System.out.printf("(summary logs written: %,d bytes)%n", bytes);
      }
      targets.add("idle server connection <= 8 KiB heap", "see the `idle` section (IdleBench): not measured by `overhead`", "–", "");
      targets.print();
    } finally {
      try (Stream<Path> all = Files.walk(tmp)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** JVM arguments of each configuration; each JVM gets its own file names. */
  record Jvms(Path agent, Path jfc, Path otel, Path tmp) {
    List<String> args(String config) {
      String id = config.replace('+', '-') + "-" + System.nanoTime();
      String recording = "-XX:StartFlightRecording:settings=" + jfc + ",filename=" + tmp.resolve(id + ".jfr");
      return switch (config) {
        case NONE -> List.of();
        case JFR, JFR_AA -> List.of(recording);
        case AGENT -> List.of("-javaagent:" + agent + "=log=off", recording);
        case OTEL -> List.of("-javaagent:" + otel, "-Dotel.traces.exporter=none", "-Dotel.metrics.exporter=none",
            "-Dotel.logs.exporter=none", "-Dotel.javaagent.logging=none", recording);
        case SUMMARY -> List.of("-javaagent:" + agent + "=log=summary,log.file=" + tmp.resolve(id + ".log"));
        default -> throw new IllegalArgumentException(config);
      };
    }
  }

  /** One workload's rounds: samples per configuration and how each JVM's warm-up ended. */
  record Result(String workload, List<String> configs, Map<String, List<Sample>> runs, Map<String, String> warmups) {
    double cpu(String config) {
      return median(runs.get(config), Sample::cpuMicrosPerRequest);
    }

    /** CPU/request of {@code config} over {@code base}'s. */
    double ratio(String config, String base) {
      return cpu(config) / cpu(base);
    }

    /**
     * The noise floor: how far apart two identical configurations (A/A) came out, as a fraction —
     * the larger of their medians' difference and the largest difference within one round.
     */
    double noise() {
      List<Sample> a = runs.get(JFR);
      List<Sample> b = runs.get(JFR_AA);
      if (a == null || b == null) {
        return Double.NaN;
      }
      double worst = Math.abs(ratio(JFR_AA, JFR) - 1);
      for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
        worst = Math.max(worst, Math.abs(b.get(i).cpuMicrosPerRequest() / a.get(i).cpuMicrosPerRequest() - 1));
      }
      return worst;
    }
  }

  private static Result serverWorkload(Options o, Jvms jvms, String kind, List<String> configs) throws Exception {
    double seconds = o.quick ? 1 : Math.max(1, o.duration / 2);
    System.out.println("\n### Server workload: " + PeerServer.label(kind) + ", " + (Load.useWrk(o.jvmLoad) ? "wrk -t1 -c" + Load.CONNECTIONS
        : "in-JVM load (" + Load.CONNECTIONS + " connections)") + ", " + Table.num(seconds, 1) + " s runs, " + o.rounds
        + " rounds interleaved   [" + Env.uptime() + "]");
    Map<String, Servers.Running> running = new LinkedHashMap<>();
    Map<String, String> warmups = new LinkedHashMap<>();
    try {
      for (String c : configs) {
        List<String> a = new ArrayList<>(Env.serverJvmArgs());
        a.addAll(jvms.args(c));
        Servers.Running s = Servers.start(kind, a, 180_000);
        running.put(c, s);
        warmups.put(c, warmServer(o, s));
      }
      Map<String, List<Sample>> runs = Rounds.interleave(configs, o.rounds, o.cvBound, c -> measureServer(running.get(c), seconds, o.jvmLoad),
          Sample::cpuMicrosPerRequest);
      Result r = new Result(kind.equals("core") ? "server" : "server-" + kind, configs, runs, warmups);
      print(r, o, false);
      return r;
    } finally {
      for (Servers.Running s : running.values()) {
        s.close();
      }
    }
  }

  /** Load windows until the server's CPU per request and JIT settle; returns the warm-up's description. */
  private static String warmServer(Options o, Servers.Running s) throws Exception {
    Warmup w = o.quick ? new Warmup(1_000, 3_000) : new Warmup(2_000, 10_000);
    double window = o.quick ? 0.5 : 1;
    while (true) {
      long[] c0 = counters(s);
      long cpu0 = s.child().cpuMicros();
      long t0 = System.nanoTime();
      Load.Result r = Load.run(s.port(), window, o.jvmLoad);
      long wall = (System.nanoTime() - t0) / 1_000_000;
      double cpu = (s.child().cpuMicros() - cpu0) / (double) Math.max(1, r.requests());
      long[] c1 = counters(s);
      if (w.done(wall, cpu, c0[0] < 0 ? -1 : c1[0] - c0[0])) {
        return w.describe();
      }
    }
  }

  private static Sample measureServer(Servers.Running s, double seconds, boolean jvmLoad) throws Exception {
    long[] c0 = counters(s);
    long cpu0 = s.child().cpuMicros();
    Load.Result r = Load.run(s.port(), seconds, jvmLoad);
    long cpu1 = s.child().cpuMicros();
    long[] c1 = counters(s);
    double n = Math.max(1, r.requests());
    double alloc = c0[1] < 0 ? Double.NaN : (c1[1] - c0[1]) / n;
    return new Sample(r.rps(), r.p50Micros(), r.p99Micros(), (cpu1 - cpu0) / n, alloc, Double.NaN, c0[0] < 0 ? -1 : c1[0] - c0[0],
        r.errors());
  }

  /** The server JVM's JIT ms and allocated bytes so far. */
  private static long[] counters(Servers.Running s) throws Exception {
    s.child().send("counters");
    Matcher m = COUNTERS.matcher(s.child().await(l -> l.startsWith("COUNTERS "), 30_000));
    if (!m.find()) {
      throw new IllegalStateException("bad counters line");
    }
    return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
  }

  private static Result clientWorkload(Options o, Jvms jvms, String client, String url, List<String> configs) throws Exception {
    long window = o.quick ? 500 : o.clientWindowMs() * 3 / 4; // 1.5 s at the default --duration: keeps the section near 12 min
    System.out.println("\n### Client workload: " + ClientRun.label(client) + ", 1 thread sequential keep-alive against core-transport Server"
        + " (another JVM, core " + Env.SERVER_CORE + "); one warm JVM per configuration on core " + Env.LOAD_CORE + "; " + window
        + " ms measured windows, " + o.rounds + " rounds interleaved   [" + Env.uptime() + "]");
    long windowMs = o.quick ? 250 : 500;
    long minMs = o.quick ? 1_000 : 2_000;
    long capMs = o.quick ? 4_000 : 12_000;
    Map<String, Child> running = new LinkedHashMap<>();
    Map<String, String> warmups = new LinkedHashMap<>();
    try {
      for (String c : configs) {
        List<String> jvm = new ArrayList<>(List.of("-XX:+UseSerialGC", "-Xms128m", "-Xmx128m"));
        jvm.addAll(jvms.args(c));
        Child child = Child.start("client-" + client + "-" + c, Env.LOAD_CORE, Child.java(jvm, SteadyClient.class.getName(), client, url,
            Long.toString(windowMs), Long.toString(minMs), Long.toString(capMs)));
        running.put(c, child);
        Matcher m = WARMUP.matcher(child.await(l -> l.startsWith("WARMUP "), capMs + 180_000));
        if (!m.find()) {
          throw new IllegalStateException("bad warm-up line");
        }
        warmups.put(c, String.format("%.1f s %s", Long.parseLong(m.group(1)) / 1000.0, Boolean.parseBoolean(m.group(2)) ? "steady" : "CAPPED"));
      }
      Map<String, List<Sample>> runs = Rounds.interleave(configs, o.rounds, o.cvBound, c -> measureClient(running.get(c), window),
          Sample::cpuMicrosPerRequest);
      Result r = new Result("client-" + client, configs, runs, warmups);
      print(r, o, true);
      return r;
    } finally {
      for (Child c : running.values()) {
        c.close();
      }
    }
  }

  private static Sample measureClient(Child c, long windowMs) throws Exception {
    c.send("measure " + windowMs);
    String line = c.await(l -> l.startsWith("RESULT "), windowMs + 60_000);
    Matcher m = RESULT.matcher(line);
    if (!m.find()) {
      throw new IllegalStateException("bad result line: " + line);
    }
    long requests = Long.parseLong(m.group(1));
    return new Sample(requests / Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)),
        Double.parseDouble(m.group(5)), Long.parseLong(m.group(6)), Long.parseLong(m.group(7)), Long.parseLong(m.group(8)), "");
  }

  private static void print(Result r, Options o, boolean client) {
    double noise = r.noise();
    List<String> header = new ArrayList<>(List.of("configuration", "warm-up", "JIT ms in window", "CPU µs/req", "vs JFR only", "p50", "p99", "req/s",
        "B/req all threads", "Δ B/req vs JFR only"));
    if (client) {
      header.add("B/req client thread");
    }
    header.add("CV CPU (runs)");
    Table t = new Table(header.toArray(String[]::new));
    double jfrAlloc = median(r.runs().get(JFR), Sample::allocPerRequest);
    for (String c : r.configs()) {
      List<Sample> s = r.runs().get(c);
      boolean marginal = c.equals(JFR_AA) || c.equals(AGENT) || c.equals(OTEL);
      String vs = "";
      if (marginal) {
        double ratio = r.ratio(c, JFR);
        vs = Table.ratio(ratio) + (!c.equals(JFR_AA) && Math.abs(ratio - 1) <= noise ? " (within A/A noise)" : "");
      } else if (c.equals(SUMMARY)) {
        vs = Table.ratio(r.ratio(SUMMARY, NONE)) + " vs no agent";
      }
      double alloc = median(s, Sample::allocPerRequest);
      List<String> cells = new ArrayList<>(List.of(label(c), r.warmups().getOrDefault(c, ""), Table.num(median(s, Sample::jitMillis), 0),
          Table.num(median(s, Sample::cpuMicrosPerRequest), 1), vs, Table.micros(median(s, Sample::p50Micros)),
          Table.micros(median(s, Sample::p99Micros)), Table.rps(median(s, Sample::rps)), bytes(alloc),
          marginal && !c.equals(JFR_AA) ? signedBytes(alloc - jfrAlloc) : ""));
      if (client) {
        cells.add(bytes(median(s, Sample::threadAllocPerRequest)));
      }
      cells.add(cvNote(s, o.cvBound) + " (" + s.size() + ")");
      t.row(cells.toArray());
    }
    System.out.println();
    System.out.print(t.render());
    StringBuilder line = new StringBuilder("Overhead (" + r.workload() + ", CPU/req vs JFR only): A/A noise ±" + Table.pct(noise)
        + "; httpdiag " + Table.ratio(r.ratio(AGENT, JFR)));
    if (r.runs().containsKey(OTEL)) {
      line.append("; OpenTelemetry ").append(Table.ratio(r.ratio(OTEL, JFR)));
    }
    line.append("; httpdiag allocates ").append(signedBytes(median(r.runs().get(AGENT), Sample::allocPerRequest) - jfrAlloc))
        .append(" B per exchange (all threads)");
    System.out.println(line);
  }

  private static String cvNote(List<Sample> s, double bound) {
    double cv = of(s, Sample::cpuMicrosPerRequest).cv();
    String note = Table.pct(cv) + (cv > bound ? " ⚠ noisy" : "");
    for (Sample x : s) {
      if (x.errors() != null && !x.errors().isEmpty()) {
        return note + " ⚠ " + x.errors().trim();
      }
    }
    return note;
  }

  /** First-request latency in fresh JVMs with and without the agent (default options), per library and JDK. */
  private static void firstUse(Options o, Path agent, String url, Targets targets) throws Exception {
    int reps = o.quick ? 2 : 5;
    List<String> javas = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    if (!o.quick && Files.isExecutable(Path.of(JDK17))) {
      javas.add(0, JDK17);
    }
    System.out.println("\n### First use: latency of a fresh JVM's first request (building the client included) with and without"
        + " -javaagent (default options), " + reps + " JVMs each, alternating; medians. The difference is the agent's first-use pause"
        + " (instrumenting the library as it loads)   [" + Env.uptime() + "]\n");
    Table t = new Table("library", "JDK", "1st request, no agent", "1st request, agent", "pause (difference)", "2nd request, no agent / agent",
        "CV no agent / agent");
    for (String java : javas) {
      String version = javaVersion(java);
      for (String lib : List.of("core", "jdk")) {
        Samples without = new Samples();
        Samples with = new Samples();
        Samples secondWithout = new Samples();
        Samples secondWith = new Samples();
        for (int i = 0; i < reps; i++) {
          double[] a = firstUseRun(java, List.of(), lib, url);
          double[] b = firstUseRun(java, List.of("-javaagent:" + agent), lib, url);
          without.add(a[0]);
          secondWithout.add(a[1]);
          with.add(b[0]);
          secondWith.add(b[1]);
        }
        double pause = with.median() - without.median();
        String name = lib.equals("core") ? "core-transport Client" : "java.net.http HttpClient";
        t.row(name, version, Table.num(without.median(), 1) + " ms", Table.num(with.median(), 1) + " ms", signed(pause, 1) + " ms",
            Table.num(secondWithout.median(), 2) + " / " + Table.num(secondWith.median(), 2) + " ms",
            Table.pct(without.cv()) + " / " + Table.pct(with.cv()));
        targets.add("first-use pause <= 150 ms: " + name + ", JDK " + version, signed(pause, 0) + " ms", pause <= 150 ? "MET" : "NOT MET",
            "");
      }
    }
    System.out.print(t.render());
  }

  private static double[] firstUseRun(String java, List<String> jvmArgs, String lib, String url) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FIRST_USE_MAIN, lib, url));
    try (Child c = Child.start("first-use-" + lib, Env.LOAD_CORE, cmd)) {
      Matcher m = FIRSTUSE.matcher(c.await(l -> l.startsWith("FIRSTUSE "), 60_000));
      if (!m.find()) {
        throw new IllegalStateException("bad first-use line");
      }
      c.waitFor(30_000);
      return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
    }
  }

  private static String javaVersion(String java) {
    try {
      Process p = new ProcessBuilder(java, "-XshowSettings:properties", "-version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      Matcher m = Pattern.compile("java\\.version = (\\S+)").matcher(out);
      return m.find() ? m.group(1) : java;
    } catch (Exception e) {
      return java;
    }
  }

  private static void startup(Options o, Path agent, Targets targets) throws Exception {
    int n = o.quick ? 3 : 7;
    System.out.println("\n### Agent start-up: `java -cp … Hello` with and without -javaagent (default options), " + n
        + " runs each, alternating, wall time to exit (Hello does no HTTP: instrumenting a library is paid at its first use,"
        + " above)   [" + Env.uptime() + "]\n");
    Samples without = new Samples();
    Samples with = new Samples();
    List<String> agentArgs = List.of("-javaagent:" + agent);
    for (int i = 0; i < n + 1; i++) {
      double a = launchMillis(List.of());
      double b = launchMillis(agentArgs);
      if (i > 0) { // the first pair warms the page cache
        without.add(a);
        with.add(b);
      }
    }
    Table t = new Table("JVM", "median ms", "CV");
    t.row("no agent", Table.num(without.median(), 0), Table.pct(without.cv()));
    t.row("-javaagent:httpdiag-agent.jar", Table.num(with.median(), 0), Table.pct(with.cv()));
    System.out.print(t.render());
    double delta = with.median() - without.median();
    targets.add("agent start-up < 300 ms", signed(delta, 0) + " ms", delta < 300 ? "MET" : "NOT MET", "");
  }

  private static double launchMillis(List<String> jvmArgs) throws Exception {
    long t0 = System.nanoTime();
    try (Child c = Child.start("hello", -1, Child.java(jvmArgs, Hello.class.getName()))) {
      c.waitFor(60_000);
      double ms = (System.nanoTime() - t0) / 1e6;
      c.await(l -> l.equals("hello"), 5_000);
      return ms;
    }
  }

  static Samples of(List<Sample> runs, java.util.function.ToDoubleFunction<Sample> f) {
    Samples s = new Samples();
    for (Sample r : runs) {
      s.add(f.applyAsDouble(r));
    }
    return s;
  }

  static double median(List<Sample> runs, java.util.function.ToDoubleFunction<Sample> f) {
    return runs == null ? Double.NaN : of(runs, f).median();
  }

  private static String bytes(double b) {
    return Double.isNaN(b) ? "–" : String.format("%,.0f", b);
  }

  private static String signedBytes(double b) {
    return Double.isNaN(b) ? "–" : String.format("%+,.0f", b);
  }

  private static String signed(double v, int decimals) {
    return Double.isNaN(v) ? "–" : String.format("%+,." + decimals + "f", v);
  }

  /** The targets, filled in as the workloads finish, printed last. */
  static final class Targets {
    private final Table table = new Table("target", "measured", "verdict", "A/A noise");

    void add(String target, String measured, String verdict, String noise) {
      table.row(target, measured, verdict, noise);
    }

    /** {@code config}'s CPU/request over {@code base}'s at most {@code limit}. */
    void ratio(String target, Result r, String config, String base, double limit) {
      double ratio = r.ratio(config, base);
      double noise = r.noise();
      add(target + " <= " + Table.ratio(limit), Table.ratio(ratio), verdict(ratio <= limit, Math.abs(ratio - limit) <= noise), "±" + Table.pct(noise));
    }

    /** httpdiag's overhead below OpenTelemetry's on the same loop. */
    void belowOtel(String target, Result r) {
      double agent = r.ratio(AGENT, JFR);
      double otel = r.ratio(OTEL, JFR);
      double noise = r.noise();
      add(target + ": httpdiag below OpenTelemetry", "httpdiag " + Table.ratio(agent) + ", OTel " + Table.ratio(otel),
          verdict(agent < otel, Math.abs(agent - otel) <= noise), "±" + Table.pct(noise));
    }

    static String verdict(boolean met, boolean withinNoise) {
      return (met ? "MET" : "NOT MET") + (withinNoise ? " (within A/A noise)" : "");
    }

    void print() {
      System.out.println("\n### Targets (issue 19)\n");
      System.out.print(table.render());
      System.out.println("A/A noise: how far two identical JFR-only JVMs came out on the same workload (largest of the medians' and any one"
          + " round's difference); a verdict marked within it could flip on a re-run.");
    }
  }
}
