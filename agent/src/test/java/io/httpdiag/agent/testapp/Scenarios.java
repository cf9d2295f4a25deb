package io.httpdiag.agent.testapp;

/**
 * Runs a test program's scenarios one after another in one JVM: {@code <Program> a,b,c leaky|fixed}.
 * Starting a JVM with the agent costs more CPU (loading and transforming) than most scenarios, so the
 * findings ITs run a group of scenarios per child instead of one child per scenario.
 *
 * <p>Each scenario runs as it would alone (its own server, its check point, its clean-up) between the
 * lines {@code testapp: scenario <name>} and {@code testapp: scenario end <name>}; the findings are
 * cleared after it, so a block's findings are the ones reported while that scenario ran. A scenario
 * that throws prints {@code testapp: scenario failed <name>} and its stack trace in its block, the
 * others still run, and the JVM exits with status 1. A single scenario runs exactly as before: no
 * block lines, and its exception ends the program.
 */
public final class Scenarios {
  /** One scenario of a program; {@code args} are the program's own (the variant, maybe more). */
  public interface Program {
    void run(String scenario, String[] args) throws Exception;
  }

  /** What a program does once, after its scenarios. */
  public interface Step {
    void run() throws Exception;
  }

  private Scenarios() {}

  /** Runs the comma-separated scenarios of {@code args[0]}, then prints the runtime's counters. */
  public static void main(String[] args, Program program) throws Exception {
    main(args, program, () -> { });
  }

  /**
   * As {@link #main(String[], Program)}, with {@code afterAll} run after the last scenario (or after a
   * single one fails): what the program keeps for its whole run, such as a fixed variant's one shared
   * client (built again per scenario, it would be a client per request).
   */
  public static void main(String[] args, Program program, AutoCloseable afterAll) throws Exception {
    main(args, program, afterAll, SimulatedTraffic::report);
  }

  /** As {@link #main(String[], Program, AutoCloseable)}, ending with the program's own {@code report}. */
  public static void main(String[] args, Program program, AutoCloseable afterAll, Step report) throws Exception {
    String[] names = args[0].split(",");
    if (names.length == 1) {
      try {
        program.run(names[0], args);
      } finally {
        afterAll.close();
      }
      report.run();
      return;
    }
    boolean failed = false;
    for (String name : names) {
      System.out.println("testapp: scenario " + name);
      try {
        program.run(name, args);
      } catch (Throwable t) {
        failed = true;
        System.out.println("testapp: scenario failed " + name + ": " + t);
        t.printStackTrace(System.out);
      }
      // Forget this scenario's findings (and their repeat counts): the next block starts from none.
      Class.forName("io.httpdiag.agent.runtime.Findings").getMethod("clear").invoke(null);
      System.out.println("testapp: scenario end " + name);
    }
    afterAll.close();
    report.run();
    if (failed) System.exit(1);
  }
}
