package io.httpdiag.bench;

/**
 * When a warm-up is over: it runs in windows, and ends on a condition, not after a fixed time. The
 * agent instruments on first use and the JIT then recompiles (and deoptimizes) the advised code for
 * seconds; a fixed warm-up either bills that work to the agent's steady cost or wastes time. So a
 * warm-up is steady once the CPU per request of two consecutive windows agrees within
 * {@link #cpuTolerance} and the JIT spent at most {@link #jitFraction} of the last window compiling;
 * it gives up at {@link #capMillis} (and says so). Not thread-safe: one per warm-up.
 */
final class Warmup {
  /** Relative difference of CPU per request between consecutive windows that counts as agreeing. */
  static final double CPU_TOLERANCE = 0.05;
  /** Share of a window's wall time the JIT may still spend compiling once steady. */
  static final double JIT_FRACTION = 0.05;

  final long minMillis;
  final long capMillis;
  final double cpuTolerance;
  final double jitFraction;
  private long elapsedMillis;
  private int windows;
  private double lastCpuPerRequest = Double.NaN;
  private double lastJitShare = Double.NaN;
  private boolean steady;

  Warmup(long minMillis, long capMillis) {
    this(minMillis, capMillis, CPU_TOLERANCE, JIT_FRACTION);
  }

  Warmup(long minMillis, long capMillis, double cpuTolerance, double jitFraction) {
    if (minMillis < 0 || capMillis < minMillis) {
      throw new IllegalArgumentException("warm-up min " + minMillis + " ms, cap " + capMillis + " ms");
    }
    this.minMillis = minMillis;
    this.capMillis = capMillis;
    this.cpuTolerance = cpuTolerance;
    this.jitFraction = jitFraction;
  }

  /**
   * Records one finished window and says whether to stop warming up: steady, or the cap reached.
   *
   * @param wallMillis the window's wall time
   * @param cpuPerRequest CPU time of the measured process per request in that window (any unit)
   * @param jitMillis JIT compilation time spent in the window (CompilationMXBean; summed over
   *     compiler threads), or a negative number when unknown (then only CPU agreement counts)
   */
  boolean done(long wallMillis, double cpuPerRequest, long jitMillis) {
    windows++;
    elapsedMillis += wallMillis;
    double jitShare = jitMillis < 0 ? 0 : jitMillis / (double) Math.max(1, wallMillis);
    boolean agrees = !Double.isNaN(lastCpuPerRequest) && lastCpuPerRequest > 0
        && Math.abs(cpuPerRequest - lastCpuPerRequest) / lastCpuPerRequest <= cpuTolerance;
    lastCpuPerRequest = cpuPerRequest;
    lastJitShare = jitShare;
    steady = agrees && jitShare <= jitFraction && elapsedMillis >= minMillis;
    return steady || elapsedMillis >= capMillis;
  }

  long elapsedMillis() {
    return elapsedMillis;
  }

  /** {@code "6.5 s steady (13 windows)"} or {@code "15.0 s CAPPED (JIT 12%)"}: for the tables. */
  String describe() {
    return String.format("%.1f s %s", elapsedMillis / 1000.0,
        steady ? "steady" : String.format("CAPPED (JIT %.0f%%)", lastJitShare * 100));
  }

  boolean steady() {
    return steady;
  }

  int windows() {
    return windows;
  }
}
