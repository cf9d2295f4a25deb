package io.httpdiag.bench;

/**
 * {@code java -jar bench/target/httpdiag-bench.jar all|server|client|overhead|idle|h2 [--duration 10s] [--quick]}:
 * core-transport against its peers and the agent's overhead, measured side by side in one run,
 * printed as markdown tables with a verdict per goal.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("httpdiag-bench: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (o.command.equals("help")) {
      System.out.println(Options.USAGE);
      return;
    }
    run(o);
  }

  private static void elapsed(long t0) {
    System.out.printf("(%.0f s so far)%n", (System.nanoTime() - t0) / 1e9);
  }

  static void run(Options o) throws Exception {
    long t0 = System.nanoTime();
    System.out.println("# httpdiag bench: " + o.command + (o.quick ? " --quick" : "") + "\n");
    System.out.println(Env.describe());
    System.out.println("machine load at start: " + Env.uptime());
    if (Env.SERVER_CORE < 0) {
      System.out.println("one core (or no taskset): server and load share the CPU; only ratios mean anything");
    }
    Rounds.extraRuns = o.quick ? 0 : 1;
    // Past a point in the run, noisy rows are flagged instead of re-run, to keep within budget. The
    // overhead section re-runs a noisy row with one more window of an already warm JVM (cheap), and
    // takes ~12 minutes itself.
    Rounds.rerunDeadline = t0 + (long) (switch (o.command) {
      case "overhead" -> 720e9;
      case "all" -> 900e9;
      default -> 300e9;
    });
    switch (o.command) {
      case "overhead" -> OverheadBench.run(o);
      case "server" -> ServerBench.run(o);
      case "client" -> ClientBench.run(o);
      case "idle" -> IdleBench.run(o);
      case "h2" -> H2Bench.run(o);
      default -> {
        OverheadBench.run(o);
        elapsed(t0);
        ServerBench.run(o);
        elapsed(t0);
        ClientBench.run(o);
        elapsed(t0);
        IdleBench.run(o);
      }
    }
    System.out.printf("%ntotal %.0f s; machine load at end: %s%n", (System.nanoTime() - t0) / 1e9, Env.uptime());
  }
}
