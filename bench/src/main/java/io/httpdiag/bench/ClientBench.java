package io.httpdiag.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client throughput against nginx (else core-transport's server): each client in its own JVM pinned
 * to the load core, sequential keep-alive on one thread and 64 virtual threads; req/s, p99,
 * allocated bytes and CPU per request.
 */
final class ClientBench {
  static final int CONCURRENCY = 64;
  private static final Pattern RESULT = Pattern.compile(
      "RESULT threads=(\\d+) requests=(\\d+) seconds=([0-9.]+) p50us=([0-9.]+) p99us=([0-9.]+) allocPerReq=(\\d+) cpuUsPerReq=([0-9.]+)");

  private ClientBench() {}

  static void run(Options o) throws Exception {
    List<String> kinds = o.clients != null ? o.clients : ClientRun.KINDS;
    System.out.println("\n## Client throughput\n");
    try (Servers.Running server = Servers.start(Env.NGINX != null ? "nginx" : "core", Env.serverJvmArgs())) {
      System.out.println("server: " + PeerServer.label(server.kind()) + " on core " + Env.SERVER_CORE + "; each client in its own JVM on core "
          + Env.LOAD_CORE + " (-XX:+UseSerialGC), pool " + ClientRun.POOL + "; " + o.clientWarmupMs() + " ms warm-up + "
          + o.clientWindowMs() + " ms measured, " + o.clientRounds() + " rounds interleaved");
      System.out.println("[" + Env.uptime() + "]");
      List<String> targets = new ArrayList<>();
      for (String k : kinds) {
        targets.add(k + "/1");
        targets.add(k + "/" + CONCURRENCY);
      }
      Map<String, List<Rounds.Run>> runs = Rounds.interleave(targets, o.clientRounds(), o.cvBound, t -> {
        String[] kt = t.split("/");
        return launch(kt[0], server.url(), List.of(), o.clientWarmupMs(), o.clientWindowMs(), Integer.parseInt(kt[1]));
      });
      print(kinds, runs, o);
    }
  }

  /** Runs {@link ClientRun} in a child JVM pinned to the load core; one thread count. */
  static Rounds.Run launch(String kind, String url, List<String> extraJvmArgs, long warmupMs, long windowMs, int threads) throws Exception {
    List<String> jvm = new ArrayList<>(List.of("-XX:+UseSerialGC", "-Xms128m", "-Xmx128m"));
    jvm.addAll(extraJvmArgs);
    try (Child c = Child.start("client-" + kind, Env.LOAD_CORE, Child.java(jvm, ClientRun.class.getName(), kind, url,
        Long.toString(warmupMs), Long.toString(windowMs), Integer.toString(threads)))) {
      String line = c.await(l -> l.startsWith("RESULT "), warmupMs + windowMs + 60_000);
      Matcher m = RESULT.matcher(line);
      if (!m.find()) {
        throw new IllegalStateException("bad result line: " + line);
      }
      c.waitFor(10_000);
      long requests = Long.parseLong(m.group(2));
      return new Rounds.Run(requests / Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5)),
          Double.parseDouble(m.group(7)), Long.parseLong(m.group(6)), "");
    }
  }

  private static void print(List<String> kinds, Map<String, List<Rounds.Run>> runs, Options o) {
    Table t = new Table("client", "1 thread req/s", "p99", "B/req", "CPU µs/req", "ratio core/this",
        CONCURRENCY + " VT req/s", "p99", "B/req", "CPU µs/req", "ratio core/this", "CV 1 / " + CONCURRENCY);
    for (String k : kinds) {
      List<String> cells = new ArrayList<>(List.of(ClientRun.label(k)));
      for (int threads : new int[] {1, CONCURRENCY}) {
        List<Rounds.Run> r = runs.get(k + "/" + threads);
        double rps = Rounds.median(r, Rounds.Run::rps);
        double core = runs.containsKey("core/" + threads) ? Rounds.median(runs.get("core/" + threads), Rounds.Run::rps) : Double.NaN;
        cells.addAll(List.of(Table.rps(rps), Table.micros(Rounds.median(r, Rounds.Run::p99Micros)),
            Table.num(Rounds.median(r, x -> x.allocPerRequest()), 0), Table.num(Rounds.median(r, Rounds.Run::cpuMicrosPerRequest), 1),
            Table.ratio(core / rps)));
      }
      cells.add(Rounds.note(runs.get(k + "/1"), o.cvBound) + " / " + Rounds.note(runs.get(k + "/" + CONCURRENCY), o.cvBound));
      t.row(cells.toArray());
    }
    System.out.println();
    System.out.print(t.render());
    System.out.println("B/req = heap bytes allocated by all threads of the client JVM per request (getTotalThreadAllocatedBytes).");
    if (!kinds.contains("core")) {
      return;
    }
    for (int threads : new int[] {1, CONCURRENCY}) {
      double core = Rounds.median(runs.get("core/" + threads), Rounds.Run::rps);
      List<String> parts = new ArrayList<>();
      boolean peersOk = true;
      boolean peerSeen = false;
      for (String p : List.of("okhttp", "apache")) {
        if (runs.containsKey(p + "/" + threads)) {
          double r = Rounds.median(runs.get(p + "/" + threads), Rounds.Run::rps);
          peersOk &= core >= r;
          peerSeen = true;
          parts.add(p + " " + Table.ratio(core / r));
        }
      }
      String jdkPart = "";
      if (runs.containsKey("jdk/" + threads)) {
        double j = core / Rounds.median(runs.get("jdk/" + threads), Rounds.Run::rps);
        jdkPart = "; >= 3x JDK HttpClient: " + (j >= 3 ? "MET" : "NOT MET") + " (" + Table.ratio(j) + ")";
      }
      String name = threads == 1 ? "sequential, 1 thread" : CONCURRENCY + " virtual threads";
      System.out.println("Verdict (client, " + name + "): >= 1.0x fastest of OkHttp/Apache HC5: "
          + (peerSeen ? (peersOk ? "MET" : "NOT MET") + " (" + String.join(", ", parts) + ")" : "not measured") + jdkPart);
    }
  }
}
