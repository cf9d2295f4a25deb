package io.httpdiag.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Server throughput: hello-world keep-alive under wrk -t1 -c50, each server in its own pinned JVM. */
final class ServerBench {
  private static final List<String> QUICK = List.of("core", "jdk-fixed", "jetty-nb", "netty", "helidon");

  private ServerBench() {}

  static void run(Options o) throws Exception {
    // --quick keeps one server of each design (and every goal's peer), to stay under 2 minutes.
    List<String> kinds = new ArrayList<>(o.servers != null ? o.servers : o.quick ? QUICK : PeerServer.KINDS);
    if (o.servers == null && Env.NGINX != null) {
      kinds.add("nginx");
    }
    System.out.println("\n## Server throughput\n");
    System.out.println("load: " + (Load.useWrk(o.jvmLoad) ? "wrk -t1 -c" + Load.CONNECTIONS + " on core " + Env.LOAD_CORE
        : "in-JVM generator, " + Load.CONNECTIONS + " keep-alive connections") + "; servers on core " + Env.SERVER_CORE
        + " with " + String.join(" ", Env.serverJvmArgs()) + "; " + Table.num(o.duration, 1) + " s runs, " + o.rounds + " rounds interleaved");
    if (Env.NGINX == null) {
      System.out.println("nginx not installed: no ceiling row");
    }
    if (Env.GO == null) {
      System.out.println("go not installed: Go net/http skipped");
    }
    System.out.println("[" + Env.uptime() + "]");
    Map<String, Servers.Running> running = new LinkedHashMap<>();
    List<String> failed = new ArrayList<>();
    try {
      for (String k : kinds) {
        try {
          running.put(k, Servers.start(k, Env.serverJvmArgs()));
        } catch (Exception e) {
          failed.add(k + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
      }
      for (Servers.Running s : running.values()) {
        Load.run(s.port(), o.warmup(), o.jvmLoad); // JIT warm-up, discarded
      }
      Map<String, List<Rounds.Run>> runs = Rounds.interleave(new ArrayList<>(running.keySet()), o.rounds, o.cvBound, k -> {
        Servers.Running s = running.get(k);
        long cpu0 = s.child().cpuMicros();
        Load.Result r = Load.run(s.port(), o.duration, o.jvmLoad);
        double cpu = (s.child().cpuMicros() - cpu0) / (double) Math.max(1, r.requests());
        return new Rounds.Run(r.rps(), r.p50Micros(), r.p99Micros(), cpu, 0, r.errors());
      });
      print(runs, o, failed);
    } finally {
      for (Servers.Running s : running.values()) {
        s.close();
      }
    }
  }

  private static void print(Map<String, List<Rounds.Run>> runs, Options o, List<String> failed) {
    double coreRps = runs.containsKey("core") ? Rounds.median(runs.get("core"), Rounds.Run::rps) : Double.NaN;
    double coreCpu = runs.containsKey("core") ? Rounds.median(runs.get("core"), Rounds.Run::cpuMicrosPerRequest) : Double.NaN;
    Table t = new Table("server", "req/s", "p50", "p99", "CPU µs/req", "req/s ratio core/peer", "CPU ratio peer/core", "CV (runs)");
    for (Map.Entry<String, List<Rounds.Run>> e : runs.entrySet()) {
      List<Rounds.Run> r = e.getValue();
      double rps = Rounds.median(r, Rounds.Run::rps);
      double cpu = Rounds.median(r, Rounds.Run::cpuMicrosPerRequest);
      t.row(PeerServer.label(e.getKey()), Table.rps(rps), Table.micros(Rounds.median(r, Rounds.Run::p50Micros)),
          Table.micros(Rounds.median(r, Rounds.Run::p99Micros)), Table.num(cpu, 1),
          e.getKey().equals("core") ? "1.00x" : Table.ratio(coreRps / rps), e.getKey().equals("core") ? "1.00x" : Table.ratio(cpu / coreCpu),
          Rounds.note(r, o.cvBound) + " (" + r.size() + ")");
    }
    System.out.println();
    System.out.print(t.render());
    for (String f : failed) {
      System.out.println("could not start " + f);
    }
    System.out.println("CPU µs/req = server process CPU time / requests (lower is better; ranks servers when wrk's one thread is the limit).");
    if (!runs.containsKey("core")) {
      return;
    }
    List<String> mustBeat = new ArrayList<>();
    for (String k : List.of("helidon", "jetty-nb", "jetty", "jetty-vt")) {
      if (runs.containsKey(k)) {
        mustBeat.add(k);
      }
    }
    System.out.println("Verdict (server >= 1.0x Helidon 4 and every Jetty mode): " + verdict(runs, mustBeat, coreRps, coreCpu));
    if (runs.containsKey("netty")) {
      System.out.println("Verdict (aim: server >= 1.0x Netty 4.1): " + verdict(runs, List.of("netty"), coreRps, coreCpu));
    }
  }

  private static String verdict(Map<String, List<Rounds.Run>> runs, List<String> peers, double coreRps, double coreCpu) {
    if (peers.isEmpty()) {
      return "not measured";
    }
    boolean rpsOk = true;
    boolean cpuOk = true;
    List<String> parts = new ArrayList<>();
    for (String p : peers) {
      double rps = Rounds.median(runs.get(p), Rounds.Run::rps);
      double cpu = Rounds.median(runs.get(p), Rounds.Run::cpuMicrosPerRequest);
      rpsOk &= coreRps >= rps;
      cpuOk &= coreCpu <= cpu;
      parts.add(p + " " + Table.ratio(coreRps / rps));
    }
    return (rpsOk ? "MET" : "NOT MET") + " on req/s (" + String.join(", ", parts) + "); "
        + (cpuOk ? "MET" : "NOT MET") + " on CPU µs/req";
  }
}
