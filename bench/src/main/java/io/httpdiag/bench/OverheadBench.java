package io.httpdiag.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The agent's overhead on both transports. Four configurations of the same JVM: no agent; no agent
 * with the JFR recording (httpdiag.jfc) running; the agent with {@code log=off} and that same
 * recording; the agent with {@code log=summary} to a file and no recording. The agent's marginal
 * cost is (agent + JFR) / (JFR alone): same recording settings on both sides.
 */
final class OverheadBench {
  static final List<String> CONFIGS = List.of("none", "jfr", "agent+jfr", "agent-summary");

  private OverheadBench() {}

  static String label(String config) {
    return switch (config) {
      case "none" -> "no agent";
      case "jfr" -> "no agent, JFR recording (httpdiag.jfc)";
      case "agent+jfr" -> "agent log=off, JFR recording (httpdiag.jfc)";
      case "agent-summary" -> "agent log=summary,log.file=…, no recording";
      default -> config;
    };
  }

  static void run(Options o) throws Exception {
    System.out.println("\n## Agent overhead\n");
    Path agent = o.agent != null ? o.agent : Env.repoFile("agent/target/httpdiag-agent.jar");
    Path jfc = o.jfc != null ? o.jfc : Env.repoFile("agent/target/httpdiag.jfc");
    if (agent == null || jfc == null || !Files.exists(agent) || !Files.exists(jfc)) {
      System.out.println("agent jar or httpdiag.jfc not found (build with `mvn -B -DskipTests package`, or pass --agent/--jfc): skipped");
      return;
    }
    Path tmp = Files.createTempDirectory("httpdiag-bench-overhead");
    try {
      Map<String, List<String>> jvmArgs = new LinkedHashMap<>();
      for (String c : CONFIGS) {
        jvmArgs.put(c, args(c, agent, jfc, tmp));
      }
      System.out.println("agent " + agent + "; JFR settings " + jfc);
      serverWorkload(o, jvmArgs, "core");
      if (!o.quick) {
        // The servlet containers the agent instruments (a blocking handler on platform threads, as Spring MVC runs).
        serverWorkload(o, jvmArgs, "jetty");
        serverWorkload(o, jvmArgs, "tomcat");
      }
      clientWorkload(o, jvmArgs);
      startup(o, agent);
      try (Stream<Path> logs = Files.list(tmp)) {
        long bytes = logs.filter(p -> p.toString().endsWith(".log")).mapToLong(p -> p.toFile().length()).sum();
        System.out.printf("(summary logs written: %,d bytes)%n", bytes);
      }
    } finally {
      try (Stream<Path> all = Files.walk(tmp)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static List<String> args(String config, Path agent, Path jfc, Path tmp) {
    // Each JVM gets its own file names: the child's pid is unknown here, so use a counter.
    String id = Long.toString(System.nanoTime());
    String recording = "-XX:StartFlightRecording:settings=" + jfc + ",filename=" + tmp.resolve(config + "-" + id + ".jfr");
    return switch (config) {
      case "none" -> List.of();
      case "jfr" -> List.of(recording);
      case "agent+jfr" -> List.of("-javaagent:" + agent + "=log=off", recording);
      case "agent-summary" -> List.of("-javaagent:" + agent + "=log=summary,log.file=" + tmp.resolve("summary-" + id + ".log"));
      default -> throw new IllegalArgumentException(config);
    };
  }

  private static void serverWorkload(Options o, Map<String, List<String>> jvmArgs, String kind) throws Exception {
    double seconds = Math.max(1, o.duration / 2);
    System.out.println("\n### Server workload: " + PeerServer.label(kind) + ", " + (Load.useWrk(o.jvmLoad) ? "wrk -t1 -c" + Load.CONNECTIONS : "in-JVM load")
        + ", " + Table.num(seconds, 1) + " s runs, " + o.rounds + " rounds interleaved   [" + Env.uptime() + "]");
    Map<String, Servers.Running> running = new LinkedHashMap<>();
    try {
      for (String c : CONFIGS) {
        List<String> a = new ArrayList<>(Env.serverJvmArgs());
        a.addAll(jvmArgs.get(c));
        running.put(c, Servers.start(kind, a));
      }
      for (Servers.Running s : running.values()) {
        Load.run(s.port(), o.warmup(), o.jvmLoad);
      }
      Map<String, List<Rounds.Run>> runs = Rounds.interleave(CONFIGS, o.rounds, o.cvBound, c -> {
        Servers.Running s = running.get(c);
        long cpu0 = s.child().cpuMicros();
        Load.Result r = Load.run(s.port(), seconds, o.jvmLoad);
        return new Rounds.Run(r.rps(), r.p50Micros(), r.p99Micros(), (s.child().cpuMicros() - cpu0) / (double) Math.max(1, r.requests()), 0, r.errors());
      });
      print(kind.equals("core") ? "server" : "server-" + kind, runs, o);
    } finally {
      for (Servers.Running s : running.values()) {
        s.close();
      }
    }
  }

  private static void clientWorkload(Options o, Map<String, List<String>> jvmArgs) throws Exception {
    System.out.println("\n### Client workload: 1 thread sequential keep-alive against core-transport Server (another JVM, core "
        + Env.SERVER_CORE + "); client JVM per run on core " + Env.LOAD_CORE + "; " + o.overheadClientWarmupMs() + " ms warm-up + "
        + o.clientWindowMs() + " ms measured   [" + Env.uptime() + "]");
    try (Servers.Running server = Servers.start("core", Env.serverJvmArgs())) {
      Load.run(server.port(), o.warmup(), o.jvmLoad);
      // --quick leaves out the other libraries to stay within its 2 minutes.
      for (String client : o.quick ? List.of("core") : List.of("core", "jdk", "urlconnection", "okhttp", "apache", "apache4")) {
        Map<String, List<Rounds.Run>> runs = Rounds.interleave(CONFIGS, o.clientRounds(), o.cvBound,
            c -> ClientBench.launch(client, server.url(), jvmArgs.get(c), o.overheadClientWarmupMs(), o.clientWindowMs(), 1));
        System.out.println("\n" + ClientRun.label(client));
        print("client-" + client, runs, o);
      }
    }
  }

  private static void print(String workload, Map<String, List<Rounds.Run>> runs, Options o) {
    double noneRps = Rounds.median(runs.get("none"), Rounds.Run::rps);
    double noneP99 = Rounds.median(runs.get("none"), Rounds.Run::p99Micros);
    double jfrRps = Rounds.median(runs.get("jfr"), Rounds.Run::rps);
    double jfrP99 = Rounds.median(runs.get("jfr"), Rounds.Run::p99Micros);
    Table t = new Table("configuration", "req/s", "p50", "p99", "CPU µs/req", "req/s vs no agent", "p99 vs no agent",
        "req/s vs JFR only", "p99 vs JFR only", "CV (runs)");
    for (String c : CONFIGS) {
      List<Rounds.Run> r = runs.get(c);
      double rps = Rounds.median(r, Rounds.Run::rps);
      double p99 = Rounds.median(r, Rounds.Run::p99Micros);
      boolean withJfr = c.equals("agent+jfr");
      t.row(label(c), Table.rps(rps), Table.micros(Rounds.median(r, Rounds.Run::p50Micros)), Table.micros(p99),
          Table.num(Rounds.median(r, Rounds.Run::cpuMicrosPerRequest), 1), Table.ratio(rps / noneRps), Table.ratio(p99 / noneP99),
          withJfr ? Table.ratio(rps / jfrRps) : "", withJfr ? Table.ratio(p99 / jfrP99) : "", Rounds.note(r, o.cvBound) + " (" + r.size() + ")");
    }
    System.out.println();
    System.out.print(t.render());
    double tput = Rounds.median(runs.get("agent+jfr"), Rounds.Run::rps) / jfrRps;
    double p99 = Rounds.median(runs.get("agent+jfr"), Rounds.Run::p99Micros) / jfrP99;
    boolean noisy = Rounds.of(runs.get("agent+jfr"), Rounds.Run::rps).cv() > o.cvBound || Rounds.of(runs.get("jfr"), Rounds.Run::rps).cv() > o.cvBound;
    System.out.printf("Verdict (%s, agent log=off + JFR vs same JFR without agent): throughput %s >= 0.97x: %s; p99 %s <= 1.05x: %s%s%n",
        workload, Table.ratio(tput), tput >= 0.97 ? "MET" : "NOT MET", Table.ratio(p99), p99 <= 1.05 ? "MET" : "NOT MET",
        noisy ? " (noisy: CV over " + Table.pct(o.cvBound) + ", treat as indicative)" : "");
    if (workload.equals("server")) {
      summaryVerdict(runs, o);
    }
  }

  /** Issue 19: log=summary costs the core-transport server at most 1.25x the CPU per request of no agent. */
  private static void summaryVerdict(Map<String, List<Rounds.Run>> runs, Options o) {
    double cpu = Rounds.median(runs.get("agent-summary"), Rounds.Run::cpuMicrosPerRequest)
        / Rounds.median(runs.get("none"), Rounds.Run::cpuMicrosPerRequest);
    boolean noisy = Rounds.of(runs.get("agent-summary"), Rounds.Run::rps).cv() > o.cvBound
        || Rounds.of(runs.get("none"), Rounds.Run::rps).cv() > o.cvBound;
    System.out.printf("Verdict (server, agent log=summary vs no agent, both without a recording): CPU µs/req %s <= 1.25x: %s%s%n",
        Table.ratio(cpu), cpu <= 1.25 ? "MET" : "NOT MET", noisy ? " (noisy: CV over " + Table.pct(o.cvBound) + ", treat as indicative)" : "");
  }

  private static void startup(Options o, Path agent) throws Exception {
    int n = o.quick ? 3 : 7;
    System.out.println("\n### Agent start-up: `java -cp … Hello` with and without -javaagent (default options), " + n
        + " runs each, alternating, wall time to exit (Hello does no HTTP: the agent's instrumentation, ~0.3-0.5 s, is paid at"
        + " a JVM's first use of core-transport or java.net.http instead)   [" + Env.uptime() + "]\n");
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
    System.out.printf("Verdict (agent start-up < 300 ms): %s (+%.0f ms)%n", delta < 300 ? "MET" : "NOT MET", delta);
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
}
