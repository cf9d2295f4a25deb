package io.httpdiag.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The h2 section's parsing and verdict, without starting anything (the section itself is run by hand: see README). */
class H2BenchTest {
  // h2load 1.x output (nghttp2-client on Debian), trimmed to the lines the parser reads and their neighbours.
  private static final String CLEAN = String.join("\n",
      "starting benchmark...",
      "spawning thread #0: 4 total client(s). 20000 total requests",
      "Application protocol: h2c",
      "progress: 10% done",
      "",
      "finished in 1.87s, 10710.93 req/s, 418.70KB/s",
      "requests: 20000 total, 20000 started, 20000 done, 20000 succeeded, 0 failed, 0 errored, 0 timeout",
      "status codes: 20000 2xx, 0 3xx, 0 4xx, 0 5xx",
      "traffic: 782.14KB (800910) total, 176.46KB (180690) headers (space savings 91.05%), 253.91KB (260000) data",
      "                     min         max         mean         sd        +/- sd",
      "time for request:      130us       2.98s     37.22ms    196.73ms    98.13%",
      "time for connect:      128us       383us       233us       108us    75.00%",
      "");
  private static final String ERRORED = String.join("\n",
      "Application protocol: h2c",
      "finished in 3.80s, 77.15 req/s, 3.06KB/s",
      "requests: 20000 total, 393 started, 293 done, 293 succeeded, 19707 failed, 19707 errored, 0 timeout",
      "status codes: 293 2xx, 0 3xx, 0 4xx, 0 5xx",
      "time for request:    47.45ms       1.35s    295.33ms    327.90ms    91.47%",
      "");

  @Test
  void h2loadSummaryIsParsed() throws IOException {
    H2Load.Result r = H2Load.parse(CLEAN);
    assertEquals(20_000, r.done());
    assertEquals(20_000, r.succeeded());
    assertEquals(1.87, r.seconds(), 1e-9);
    assertEquals(10_710.93, r.rps(), 1e-9);
    assertEquals(37_220, r.meanMicros(), 1e-6);
    assertEquals("h2c", r.protocol());
    assertEquals("", r.errors());
  }

  @Test
  void h2loadFailuresBecomeTheRunsErrors() throws IOException {
    H2Load.Result r = H2Load.parse(ERRORED);
    assertEquals(293, r.done());
    assertEquals(295_330, r.meanMicros(), 1e-6);
    assertTrue(r.errors().contains("19707 errored"), r.errors());
    assertTrue(r.errors().contains("19707 not 2xx"), r.errors());
  }

  @Test
  void h2loadWithoutASummaryFailsWithItsOutput() {
    IOException e = assertThrows(IOException.class, () -> H2Load.parse("connect error: Connection refused\nNo protocol negotiated\n"));
    assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
  }

  @Test
  void verdictComparesCoreTransportsMedianCpuWithJettys() {
    assertTrue(H2Bench.verdict(runs(List.of(30.0, 31.0, 29.0), List.of(40.0, 41.0, 39.0), "")).contains(": MET (0.75x"));
    assertTrue(H2Bench.verdict(runs(List.of(50.0, 51.0, 49.0), List.of(40.0, 41.0, 39.0), "")).contains(": NOT MET (1.25x"));
  }

  @Test
  void verdictIsNotMetWhenCoreTransportHadErrors() {
    String v = H2Bench.verdict(runs(List.of(30.0, 31.0, 29.0), List.of(40.0, 41.0, 39.0), "3 failed"));
    assertTrue(v.contains("NOT MET") && v.contains("3 failed"), v);
  }

  @Test
  void verdictWithoutJettyIsNotMeasured() {
    Map<String, List<Rounds.Run>> runs = runs(List.of(30.0), List.of(40.0), "");
    runs.remove("jetty-h2c");
    assertTrue(H2Bench.verdict(runs).endsWith("not measured"));
  }

  @Test
  void jitIsJudgedAgainstTheProcesssCpuNotTheWallClock() {
    // 40 ms of JIT in a 1 s window where the process got 200 ms of CPU: 20% of its CPU, though only 4% of the window.
    Warmup w = new Warmup(0, 10_000);
    w.done(1_000, 10.0, H2Bench.jitAsShareOfCpu(40, 200, 1_000));
    assertTrue(!w.done(1_000, 10.0, H2Bench.jitAsShareOfCpu(40, 200, 1_000)), "JIT at 20% of the CPU is not steady");
    assertTrue(w.done(1_000, 10.0, H2Bench.jitAsShareOfCpu(5, 200, 1_000)), "JIT at 2.5% of the CPU is");
    assertEquals(7, H2Bench.jitAsShareOfCpu(7, 0, 1_000));
  }

  @Test
  void cpuExcludingJitTakesEachRunsShareOut() {
    List<Rounds.Run> runs = List.of(new Rounds.Run(1, 1, -1, 20, 0, ""), new Rounds.Run(1, 1, -1, 10, 0, ""), new Rounds.Run(1, 1, -1, 40, 0, ""));
    assertEquals(10, H2Bench.exclJit(runs, List.of(0.5, 0.0, 0.9)), 1e-9); // 10, 10, 4 -> median 10
    assertTrue(Double.isNaN(H2Bench.exclJit(runs, List.of(0.5, Double.NaN, 0.9))));
  }

  @Test
  void h2IsACommand() {
    assertEquals("h2", Options.parse("h2", "--quick").command);
    assertEquals(2, Options.parse("h2", "--quick").rounds);
    assertEquals("core-h2c", H2Bench.server("core-h1"));
  }

  private static Map<String, List<Rounds.Run>> runs(List<Double> core, List<Double> jetty, String coreErrors) {
    Map<String, List<Rounds.Run>> m = new LinkedHashMap<>();
    m.put("core-h2c", core.stream().map(c -> new Rounds.Run(1, 1, -1, c, 0, coreErrors)).toList());
    m.put("jetty-h2c", jetty.stream().map(c -> new Rounds.Run(1, 1, -1, c, 0, "")).toList());
    return m;
  }
}
