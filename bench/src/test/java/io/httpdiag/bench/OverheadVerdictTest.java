package io.httpdiag.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.httpdiag.bench.OverheadBench.Result;
import io.httpdiag.bench.OverheadBench.Sample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ratios, the A/A noise floor and verdicts of the overhead section, from made-up CPU figures. */
class OverheadVerdictTest {
  @Test
  void noiseIsTheWorstDifferenceBetweenTheTwoIdenticalConfigurations() {
    // Round 1: B 2% above A; round 2: B 6% below A; medians 2% apart.
    Result r = result(Map.of(OverheadBench.JFR, List.of(100.0, 100.0), OverheadBench.JFR_AA, List.of(102.0, 94.0)));
    assertEquals(0.06, r.noise(), 1e-9);
  }

  @Test
  void ratioIsMedianCpuPerRequestOverTheBase() {
    Result r = result(Map.of(OverheadBench.JFR, List.of(100.0, 110.0, 90.0), OverheadBench.AGENT, List.of(120.0, 130.0, 500.0)));
    assertEquals(1.30, r.ratio(OverheadBench.AGENT, OverheadBench.JFR), 1e-9); // 130 / 100: one outlier round does not move it
  }

  @Test
  void verdictSaysWhenItIsWithinTheNoise() {
    assertEquals("MET", OverheadBench.Targets.verdict(true, false));
    assertEquals("NOT MET (within A/A noise)", OverheadBench.Targets.verdict(false, true));
  }

  @Test
  void optionsTakeTheOpenTelemetryAgentPath() {
    assertEquals("x/otel.jar", Options.parse("overhead", "--otel", "x/otel.jar").otel.toString());
  }

  private static Result result(Map<String, List<Double>> cpu) {
    Map<String, List<Sample>> runs = new LinkedHashMap<>();
    cpu.forEach((config, values) -> {
      List<Sample> s = new ArrayList<>();
      for (double v : values) {
        s.add(new Sample(1, 1, 1, v, Double.NaN, Double.NaN, 0, ""));
      }
      runs.put(config, s);
    });
    return new Result("test", new ArrayList<>(runs.keySet()), runs, Map.of());
  }
}
