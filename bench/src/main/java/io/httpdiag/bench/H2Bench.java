package io.httpdiag.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The h2 section (issue 17). Servers: core-transport, Jetty 12 and Netty 4.1 speaking h2c, each in
 * its own JVM pinned to the server core, under {@code h2load -n N -c 4 -m 25} pinned to the load
 * core; the figure is server CPU µs per request (the child's CPU time over the requests answered),
 * after a warm-up that ends on a condition ({@link Warmup}), in interleaved rounds; core-transport's
 * HTTP/1.1 on the same server ({@code h2load --h1}) is a context row. Clients: 64 requests in flight
 * over one connection to Jetty 12 h2 over TLS, client CPU µs per request in a child JVM pinned to
 * the load core.
 */
final class H2Bench {
  static final int CLIENT_CONCURRENCY = 64;
  private static final String PASSWORD = "httpdiag-bench";
  private static final Pattern COUNTERS = Pattern.compile("COUNTERS jitMs=(-?\\d+) conns=(-?\\d+)");
  private static final Pattern RESULT = Pattern.compile("RESULT requests=(\\d+) seconds=([0-9.]+) p50us=([0-9.]+) p99us=([0-9.]+)"
      + " allocPerReq=(\\d+) cpuUsPerReq=([0-9.]+) protocol=(\\S+) warmup=(\\S+) jitShare=(-?[0-9.]+)");

  /** One measured client run: {@link Rounds.Run} plus what the table needs beside it. */
  record ClientRunResult(Rounds.Run run, String protocol, long connections, String warmup, double jitShare) {}

  private H2Bench() {}

  static void run(Options o) throws Exception {
    if (H2Load.H2LOAD == null) {
      System.out.println("\n## HTTP/2\n\nh2load not installed (Debian package nghttp2-client): server rows skipped");
    } else {
      servers(o);
    }
    clients(o);
  }

  /** Requests per measured h2load run. */
  static long requests(Options o) {
    return o.quick ? 15_000 : 40_000;
  }

  static void servers(Options o) throws Exception {
    System.out.println("\n## HTTP/2 server CPU per request\n");
    long n = requests(o);
    System.out.println("load: h2load -n " + n + " -c " + H2Load.CONNECTIONS + " -m " + H2Load.STREAMS + " on core " + Env.LOAD_CORE
        + "; servers on core " + Env.SERVER_CORE + " with " + String.join(" ", Env.serverJvmArgs()) + "; " + o.rounds
        + " rounds interleaved after a warm-up that ends when CPU/request is steady and the JIT quiet");
    System.out.println("[" + Env.uptime() + "]");
    Map<String, Child> children = new LinkedHashMap<>();
    Map<String, Integer> ports = new LinkedHashMap<>();
    List<String> failed = new ArrayList<>();
    try {
      for (String k : H2PeerServer.KINDS) {
        try {
          Child c = Child.start(k, Env.SERVER_CORE, Child.java(Env.serverJvmArgs(), H2PeerServer.class.getName(), k));
          children.put(k, c);
          ports.put(k, c.awaitPort(30_000));
        } catch (Exception e) {
          failed.add(k + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
          Child c = children.remove(k);
          if (c != null) {
            c.close();
          }
        }
      }
      List<String> targets = new ArrayList<>();
      for (String k : children.keySet()) {
        targets.add(k);
        if (k.equals("core-h2c")) {
          targets.add("core-h1");
        }
      }
      Map<String, String> warmups = new LinkedHashMap<>();
      for (String t : targets) {
        warmups.put(t, warmUp(children.get(server(t)), ports.get(server(t)), t.equals("core-h1"), o));
      }
      // Per target, the JIT's share of the server's CPU in each measured run: on a loaded machine the
      // warm-up may be capped with the JIT still busy, and this says how much of CPU µs/req is compiling.
      Map<String, List<Double>> jitShares = new LinkedHashMap<>();
      Map<String, List<Rounds.Run>> runs = Rounds.interleave(targets, o.rounds, o.cvBound, t -> {
        Child c = children.get(server(t));
        long jit0 = jitMillis(c);
        long cpu0 = c.cpuMicros();
        H2Load.Result r = H2Load.run(ports.get(server(t)), n, t.equals("core-h1"));
        long cpuMicros = c.cpuMicros() - cpu0;
        long jit = jitMillis(c) - jit0;
        jitShares.computeIfAbsent(t, k -> new ArrayList<>()).add(jit0 < 0 || cpuMicros <= 0 ? Double.NaN : Math.min(1, jit * 1000.0 / cpuMicros));
        return new Rounds.Run(r.rps(), r.meanMicros(), -1, cpuMicros / (double) Math.max(1, r.done()), 0, r.errors());
      }, Rounds.Run::cpuMicrosPerRequest);
      printServers(runs, warmups, jitShares, failed, o);
    } finally {
      for (Child c : children.values()) {
        c.close();
      }
    }
  }

  /** The server child a target runs on: core-h1 is core-h2c's server spoken to in HTTP/1.1. */
  static String server(String target) {
    return target.equals("core-h1") ? "core-h2c" : target;
  }

  /** h2load windows until the server's CPU per request is steady and its JIT quiet (or the cap); describes how it ended. */
  private static String warmUp(Child server, int port, boolean h1, Options o) throws Exception {
    Warmup w = o.quick ? new Warmup(1_000, 4_000) : new Warmup(2_000, 15_000);
    long window = o.quick ? 5_000 : 10_000;
    long jit0 = jitMillis(server);
    while (true) {
      long cpu0 = server.cpuMicros();
      long t0 = System.nanoTime();
      H2Load.Result r = H2Load.run(port, window, h1);
      long wallMs = (System.nanoTime() - t0) / 1_000_000;
      double cpu = (server.cpuMicros() - cpu0) / (double) Math.max(1, r.done());
      long jit = jitMillis(server);
      long cpuMs = (server.cpuMicros() - cpu0) / 1_000;
      boolean done = w.done(wallMs, cpu, jit0 < 0 || jit < 0 ? -1 : jitAsShareOfCpu(jit - jit0, cpuMs, wallMs));
      jit0 = jit;
      if (done) {
        return w.describe();
      }
    }
  }

  /**
   * JIT milliseconds scaled so that {@link Warmup}'s "JIT share of the window's wall time" becomes the
   * JIT's share of the process's CPU in the window: on a loaded machine a starved process compiles
   * for a small share of the wall clock while compiling is most of what it does.
   */
  static long jitAsShareOfCpu(long jitMs, long processCpuMs, long wallMs) {
    return processCpuMs <= 0 ? jitMs : Math.round(jitMs * (double) wallMs / processCpuMs);
  }

  private static long jitMillis(Child server) throws Exception {
    server.send("counters");
    Matcher m = COUNTERS.matcher(server.await(l -> l.startsWith("COUNTERS "), 10_000));
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static long connections(Child server) throws Exception {
    server.send("counters");
    Matcher m = COUNTERS.matcher(server.await(l -> l.startsWith("COUNTERS "), 10_000));
    return m.find() ? Long.parseLong(m.group(2)) : -1;
  }

  private static void printServers(Map<String, List<Rounds.Run>> runs, Map<String, String> warmups, Map<String, List<Double>> jitShares,
      List<String> failed, Options o) {
    double jetty = runs.containsKey("jetty-h2c") ? Rounds.median(runs.get("jetty-h2c"), Rounds.Run::cpuMicrosPerRequest) : Double.NaN;
    Table t = new Table("server", "protocol", "req/s", "mean latency", "CPU µs/req", "min–max", "CPU ratio this/Jetty", "CV CPU (runs)",
        "JIT share of CPU", "CPU µs/req excl. JIT", "warm-up");
    for (Map.Entry<String, List<Rounds.Run>> e : runs.entrySet()) {
      List<Rounds.Run> r = e.getValue();
      Samples cpu = Rounds.of(r, Rounds.Run::cpuMicrosPerRequest);
      t.row(H2PeerServer.label(e.getKey()), e.getKey().equals("core-h1") ? "HTTP/1.1" : "h2c",
          Table.rps(Rounds.median(r, Rounds.Run::rps)), Table.micros(Rounds.median(r, Rounds.Run::p50Micros)),
          Table.num(cpu.median(), 1), spread(r), Table.ratio(cpu.median() / jetty),
          cpuNote(r, o.cvBound), jitNote(jitShares.get(e.getKey())), Table.num(exclJit(r, jitShares.get(e.getKey())), 1),
          warmups.get(e.getKey()));
    }
    System.out.println();
    System.out.print(t.render());
    for (String f : failed) {
      System.out.println("could not start " + f);
    }
    System.out.println("CPU µs/req = server process CPU time (user + system, /proc) / requests answered (lower is better);"
        + " mean latency = h2load's mean time for request with 100 streams in flight;"
        + " JIT share of CPU = the server's JIT compiler threads' CPU over its whole CPU in the measured runs (median; near 0 when warm);"
        + " excl. JIT = CPU µs/req without the JIT threads' CPU (median): the figure to compare when a warm-up was CAPPED.");
    System.out.println(verdict(runs));
    if (runs.containsKey("core-h2c") && runs.containsKey("jetty-h2c")) {
      double core = exclJit(runs.get("core-h2c"), jitShares.get("core-h2c"));
      double jettyEx = exclJit(runs.get("jetty-h2c"), jitShares.get("jetty-h2c"));
      System.out.println("  the same excluding JIT threads' CPU: core-transport " + Table.ratio(core / jettyEx) + " of Jetty's ("
          + (core <= jettyEx ? "at or below" : "above") + ")");
    }
  }

  /** {@code "Verdict (h2c server CPU µs/req: core-transport <= Jetty 12): MET (0.83x)"}, or why it was not measured. */
  static String verdict(Map<String, List<Rounds.Run>> runs) {
    String head = "Verdict (h2c server CPU µs/req: core-transport <= Jetty 12): ";
    if (!runs.containsKey("core-h2c") || !runs.containsKey("jetty-h2c")) {
      return head + "not measured";
    }
    double core = Rounds.median(runs.get("core-h2c"), Rounds.Run::cpuMicrosPerRequest);
    double jetty = Rounds.median(runs.get("jetty-h2c"), Rounds.Run::cpuMicrosPerRequest);
    String errors = "";
    for (Rounds.Run r : runs.get("core-h2c")) {
      if (r.errors() != null && !r.errors().isEmpty()) {
        errors = " — but core-transport had errors: " + r.errors();
        break;
      }
    }
    String v = head + (core <= jetty && errors.isEmpty() ? "MET" : "NOT MET") + " (" + Table.ratio(core / jetty) + " of Jetty's)" + errors;
    if (runs.containsKey("netty-h2c")) {
      v += "; against Netty 4.1 (aim, no goal): " + Table.ratio(core / Rounds.median(runs.get("netty-h2c"), Rounds.Run::cpuMicrosPerRequest));
    }
    return v;
  }

  /** Median over the runs of CPU µs/req without the JIT's share; NaN when the server could not tell. */
  static double exclJit(List<Rounds.Run> runs, List<Double> shares) {
    if (shares == null || shares.size() != runs.size()) {
      return Double.NaN;
    }
    Samples s = new Samples();
    for (int i = 0; i < runs.size(); i++) {
      if (shares.get(i).isNaN()) {
        return Double.NaN;
      }
      s.add(runs.get(i).cpuMicrosPerRequest() * (1 - shares.get(i)));
    }
    return s.median();
  }

  /** The median JIT share, {@code "3%"}, or "–" when the server could not tell. */
  static String jitNote(List<Double> shares) {
    if (shares == null) {
      return "–";
    }
    Samples s = new Samples();
    shares.stream().filter(d -> !d.isNaN()).forEach(s::add);
    return shares.stream().allMatch(d -> d.isNaN()) ? "–" : String.format("%.0f%%", s.median() * 100);
  }

  /** {@code "41.2–44.0"}: the lowest and highest CPU µs/req of the runs. */
  static String spread(List<Rounds.Run> runs) {
    double min = runs.stream().mapToDouble(Rounds.Run::cpuMicrosPerRequest).min().orElse(Double.NaN);
    double max = runs.stream().mapToDouble(Rounds.Run::cpuMicrosPerRequest).max().orElse(Double.NaN);
    return Table.num(min, 1) + "–" + Table.num(max, 1);
  }

  /** The CV of the CPU figure, flagged over the bound, plus the first errors seen. */
  private static String cpuNote(List<Rounds.Run> runs, double cvBound) {
    double cv = Rounds.of(runs, Rounds.Run::cpuMicrosPerRequest).cv();
    StringBuilder b = new StringBuilder(Table.pct(cv));
    if (cv > cvBound) {
      b.append(" ⚠ noisy");
    }
    for (Rounds.Run r : runs) {
      if (r.errors() != null && !r.errors().isEmpty()) {
        b.append(" ⚠ ").append(r.errors().trim());
        break;
      }
    }
    return b.append(" (").append(runs.size()).append(')').toString();
  }

  static void clients(Options o) throws Exception {
    System.out.println("\n## HTTP/2 client: " + CLIENT_CONCURRENCY + " concurrent requests over one connection\n");
    Path dir = Files.createTempDirectory("httpdiag-bench-h2");
    Path store = dir.resolve("bench.p12");
    try {
      selfSigned(store);
      List<String> serverCmd = Child.java(Env.serverJvmArgs(), H2PeerServer.class.getName(), "jetty-h2-tls", store.toString(), PASSWORD);
      try (Child server = Child.start("jetty-h2-tls", Env.SERVER_CORE, serverCmd)) {
        int port = server.awaitPort(30_000);
        // Windows long enough for a few thousand requests at the JDK client's pace on a loaded machine.
        long warmupCap = o.quick ? 3_000 : 15_000;
        long window = o.quick ? 1_000 : 3_000;
        System.out.println("server: " + H2PeerServer.label("jetty-h2-tls") + " on core " + Env.SERVER_CORE + "; each client in its own JVM on core "
            + Env.LOAD_CORE + " (-XX:+UseSerialGC), " + CLIENT_CONCURRENCY + " virtual threads each looping GET; warm-up until steady (cap "
            + warmupCap + " ms) + " + window + " ms measured, " + o.clientRounds() + " rounds interleaved");
        System.out.println("[" + Env.uptime() + "]");
        String url = "https://127.0.0.1:" + port + "/";
        Map<String, List<ClientRunResult>> runs = Rounds.interleave(H2Client.KINDS, o.clientRounds(), o.cvBound, k -> {
          long conns0 = connections(server);
          ClientRunResult r = launch(k, url, store, warmupCap, window);
          return new ClientRunResult(r.run(), r.protocol(), connections(server) - conns0, r.warmup(), r.jitShare());
        }, c -> c.run().cpuMicrosPerRequest());
        printClients(runs, o);
      }
    } finally {
      Files.deleteIfExists(store);
      Files.deleteIfExists(dir);
    }
  }

  /** Runs {@link H2ClientRun} in a child JVM pinned to the load core (connections: -1, the caller counts them). */
  private static ClientRunResult launch(String kind, String url, Path store, long warmupCapMs, long windowMs) throws Exception {
    List<String> cmd = Child.java(List.of("-XX:+UseSerialGC", "-Xms128m", "-Xmx128m"), H2ClientRun.class.getName(), kind, url,
        store.toString(), PASSWORD, Long.toString(warmupCapMs), Long.toString(windowMs), Integer.toString(CLIENT_CONCURRENCY));
    try (Child c = Child.start("h2-client-" + kind, Env.LOAD_CORE, cmd)) {
      String line = c.await(l -> l.startsWith("RESULT "), warmupCapMs + windowMs + 60_000);
      Matcher m = RESULT.matcher(line);
      if (!m.find()) {
        throw new IllegalStateException("bad result line: " + line);
      }
      c.waitFor(10_000);
      Rounds.Run run = new Rounds.Run(Long.parseLong(m.group(1)) / Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
          Double.parseDouble(m.group(4)), Double.parseDouble(m.group(6)), Long.parseLong(m.group(5)), "");
      double jitShare = Double.parseDouble(m.group(9));
      return new ClientRunResult(run, m.group(7), -1, m.group(8).replace('_', ' '), jitShare < 0 ? Double.NaN : jitShare);
    }
  }

  private static void printClients(Map<String, List<ClientRunResult>> runs, Options o) {
    Table t = new Table("client", "protocol", "connections used", "req/s", "p50", "p99", "B/req", "CPU µs/req", "min–max", "CV CPU (runs)",
        "JIT share of CPU", "CPU µs/req excl. JIT", "warm-up (last run)");
    for (Map.Entry<String, List<ClientRunResult>> e : runs.entrySet()) {
      List<ClientRunResult> rs = e.getValue();
      List<Rounds.Run> r = rs.stream().map(ClientRunResult::run).toList();
      Samples cpu = Rounds.of(r, Rounds.Run::cpuMicrosPerRequest);
      long maxConns = rs.stream().mapToLong(ClientRunResult::connections).max().orElse(-1);
      String protocols = String.join(",", rs.stream().map(ClientRunResult::protocol).distinct().toList());
      t.row(H2Client.label(e.getKey()), protocols, maxConns, Table.rps(Rounds.median(r, Rounds.Run::rps)),
          Table.micros(Rounds.median(r, Rounds.Run::p50Micros)), Table.micros(Rounds.median(r, Rounds.Run::p99Micros)),
          Table.num(Rounds.median(r, x -> x.allocPerRequest()), 0), Table.num(cpu.median(), 1),
          spread(r), cpuNote(r, o.cvBound), jitNote(rs.stream().map(ClientRunResult::jitShare).toList()),
          Table.num(exclJit(r, rs.stream().map(ClientRunResult::jitShare).toList()), 1), rs.get(rs.size() - 1).warmup());
    }
    System.out.println();
    System.out.print(t.render());
    System.out.println("CPU µs/req = client JVM process CPU / requests (its own threads and the carriers of the " + CLIENT_CONCURRENCY
        + " calling virtual threads); connections used = TLS connections the server accepted during the client JVM's life (most of any run);"
        + " B/req = bytes allocated by all threads per request.");
  }

  /** A self-signed EC certificate for 127.0.0.1 and localhost, by the JDK's keytool, valid two days. */
  static void selfSigned(Path store) throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "bench", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("keytool failed: " + out);
    }
  }
}
