package io.httpdiag.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command-line options. */
final class Options {
  String command = "all";
  double duration = 5; // seconds per wrk run of the server table
  boolean quick;
  int rounds = 3;
  double cvBound = 0.10;
  boolean jvmLoad; // in-JVM load generator even when wrk is installed
  List<String> servers; // null: all
  List<String> clients; // null: all
  Path agent;
  Path jfc;
  Path otel;
  boolean durationSet;
  boolean roundsSet;

  static final String USAGE = String.join("\n",
      "usage: java -jar bench/target/httpdiag-bench.jar all|server|client|overhead|idle|h2 [options]",
      "  h2                 HTTP/2: h2c server CPU µs/req under h2load -c 4 -m 25 (core-transport, Jetty 12, Netty 4.1),"
          + " and 64 concurrent requests over one h2 connection per client (--quick ~2 min, else ~6; not part of all)",
      "  --duration 5s      length of each measured wrk run of the server table (overhead wrk runs are 0.5x, client windows 0.4x)",
      "  --quick            short runs (1 s, 2 rounds), for a look in a few minutes (overhead alone: ~3)",
      "  --rounds N         measured rounds per configuration, interleaved (default 3; the table shows medians)",
      "  --cv 10            coefficient of variation (%) above which a configuration is re-run, then flagged",
      "  --servers a,b      subset of " + PeerServer.KINDS + " + nginx (overhead: of core,jetty,tomcat)",
      "  --clients a,b      subset of " + ClientRun.KINDS + " (overhead: of " + OverheadBench.CLIENTS + ")",
      "  --jvm-load         in-JVM load generator instead of wrk",
      "  --agent PATH       agent jar (default: agent/target/httpdiag-agent.jar found upwards)",
      "  --jfc PATH         JFR settings (default: agent/target/httpdiag.jfc)",
      "  --otel PATH        OpenTelemetry Java agent, the overhead section's anchor (default: bench/target/otel/opentelemetry-javaagent.jar)");

  static Options parse(String... args) {
    Options o = new Options();
    List<String> rest = new ArrayList<>(List.of(args));
    if (!rest.isEmpty() && !rest.get(0).startsWith("--")) {
      o.command = rest.remove(0);
    }
    for (int i = 0; i < rest.size(); i++) {
      String f = rest.get(i);
      switch (f) {
        case "--quick" -> o.quick = true;
        case "--jvm-load" -> o.jvmLoad = true;
        case "--help", "-h" -> o.command = "help";
        default -> {
          if (i + 1 >= rest.size()) {
            throw new IllegalArgumentException(f + " needs a value\n" + USAGE);
          }
          String v = rest.get(++i);
          switch (f) {
            case "--duration" -> {
              o.duration = seconds(v);
              o.durationSet = true;
            }
            case "--rounds" -> {
              o.rounds = Integer.parseInt(v);
              o.roundsSet = true;
            }
            case "--cv" -> o.cvBound = Double.parseDouble(v) / 100;
            case "--servers" -> o.servers = List.of(v.split(","));
            case "--clients" -> o.clients = List.of(v.split(","));
            case "--agent" -> o.agent = Path.of(v);
            case "--jfc" -> o.jfc = Path.of(v);
            case "--otel" -> o.otel = Path.of(v);
            default -> throw new IllegalArgumentException("unknown option " + f + "\n" + USAGE);
          }
        }
      }
    }
    if (o.quick && !o.durationSet) {
      o.duration = 1;
    }
    if (o.quick && !o.roundsSet) {
      o.rounds = 2; // --quick must stay under 2 minutes; its tables are indicative anyway
    }
    if (!List.of("all", "server", "client", "overhead", "idle", "h2", "help").contains(o.command)) {
      throw new IllegalArgumentException("unknown command " + o.command + "\n" + USAGE);
    }
    if (o.duration <= 0 || o.rounds < 1) {
      throw new IllegalArgumentException("--duration and --rounds must be positive");
    }
    return o;
  }

  /** Warm-up before the measured rounds of one server or client. */
  double warmup() {
    return quick ? 1 : Math.min(2, duration);
  }

  /** Measured window of a client run, in ms. */
  long clientWindowMs() {
    return quick ? 300 : Math.max(300, (long) (duration * 400));
  }

  /** Rounds of the sections that start a client JVM per run: 2 with --quick, to stay within budget. */
  int clientRounds() {
    return quick ? Math.min(2, rounds) : rounds;
  }

  long clientWarmupMs() {
    return quick ? 300 : 800;
  }

  static double seconds(String v) {
    if (v.endsWith("ms")) {
      return Double.parseDouble(v.substring(0, v.length() - 2)) / 1000;
    }
    if (v.endsWith("s")) {
      return Double.parseDouble(v.substring(0, v.length() - 1));
    }
    if (v.endsWith("m")) {
      return Double.parseDouble(v.substring(0, v.length() - 1)) * 60;
    }
    return Double.parseDouble(v);
  }
}
