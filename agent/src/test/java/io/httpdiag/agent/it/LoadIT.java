package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 1,000 concurrent keep-alive connections and a mixed workload ({@code testapp.LoadTraffic}) against
 * the core-transport server, in a child JVM with the agent and its detectors on: no errors, every
 * request answered and counted on both sides, heap after GC flat once warm, the agent's exchange
 * table drained; then a graceful shutdown under that load answers every request already in a
 * handler and refuses new connections.
 *
 * <p>Short by default (3 s warm-up + 8 s). The 60-second run, documented in agent/README.md:
 * {@code -Dhttpdiag.load.seconds=60} (heap sampled every 5 s).
 *
 * <p>Tagged {@code serial}: it keeps both cores busy, so failsafe runs it alone after the parallel ITs
 * (agent/pom.xml), where it neither starves their stuck thresholds nor is starved below its own.
 */
@Tag("serial")
class LoadIT {
  static final String APP = "io.httpdiag.agent.testapp.LoadTraffic";
  static final int CONNECTIONS = Integer.getInteger("httpdiag.load.connections", 1000);
  static final int SECONDS = Integer.getInteger("httpdiag.load.seconds", 8);
  /** Heap after GC may wander this much between samples (bodies and buffers in flight at the sample). */
  static final double HEAP_BAND_MIB = 24;
  /** The later half of the samples may sit at most this much above the earlier half (medians). */
  static final double HEAP_DRIFT_MIB = 8;

  @Test
  void thousandKeepAliveConnectionsWithTheAgentLoseNothingKeepHeapFlatAndShutDownGracefully() throws Exception {
    int sample = SECONDS >= 30 ? 5 : 1;
    ChildJvm.Result r = ChildJvm.simulated().mainClass(APP).fullJit().agent("detect=on").jvmArg("-Xmx512m")
        .args("--connections", Integer.toString(CONNECTIONS), "--seconds", Integer.toString(SECONDS), "--warmup", "3",
            "--sample", Integer.toString(sample))
        .run(SECONDS + 120).assertHealthy();
    List<String> report = r.stdout.stream().filter(l -> l.startsWith("testapp: load")).collect(Collectors.toList());
    report.forEach(System.out::println);
    List<String> findings = r.stderr.stream().filter(l -> l.matches("httpdiag [A-Z]+ .*")).collect(Collectors.toList());
    findings.forEach(f -> System.out.println("finding: " + f));

    Map<String, String> totals = fields("requests=" + r.testapp("load requests="));
    assertEquals("0", totals.get("loadErrors"), r::toString);
    assertEquals("0", totals.get("truncated"), r::toString);
    assertEquals("0", totals.get("lost"), r::toString);
    assertEquals(totals.get("ok"), totals.get("served"), "every request a handler completed was answered in full");
    for (String kind : List.of("small", "large", "upload", "close")) {
      assertTrue(Long.parseLong(totals.get(kind)) > 0, "no " + kind + " request succeeded: " + totals);
    }
    Map<String, String> throughput = fields("throughput=" + r.testapp("load throughput="));
    // Sampled every 50 ms; a worker between a Connection: close and its next dial has none for a moment.
    assertTrue(Integer.parseInt(throughput.get("peakOpenConnections")) >= CONNECTIONS * 95 / 100,
        "not (nearly) all connections open at once: " + throughput);

    List<Double> heap = r.stdout.stream().map(Pattern.compile("testapp: load heap t=\\d+s usedAfterGc=([0-9.]+)MiB.*")::matcher)
        .filter(Matcher::matches).map(m -> Double.parseDouble(m.group(1))).collect(Collectors.toList());
    assertTrue(heap.size() >= 4, "heap samples: " + heap);
    double min = heap.stream().mapToDouble(d -> d).min().orElseThrow();
    double max = heap.stream().mapToDouble(d -> d).max().orElseThrow();
    double drift = median(heap.subList(heap.size() / 2, heap.size())) - median(heap.subList(0, heap.size() / 2));
    System.out.printf("load: heap after GC %s MiB, band %.1f MiB, drift of medians %.1f MiB%n", heap, max - min, drift);
    assertTrue(max - min <= HEAP_BAND_MIB, "heap after GC not flat: " + heap);
    assertTrue(drift <= HEAP_DRIFT_MIB, "heap after GC grows: " + heap);

    Map<String, String> shutdown = fields(r.testapp("load shutdown"));
    assertEquals("true", shutdown.get("stillHeldWhenRefused"),
        "new connections refused while the requests in flight at shutdown were still running: " + shutdown);
    assertEquals("0", shutdown.get("forced"), shutdown::toString);
    assertEquals("0", shutdown.get("unanswered"), "a request whose handler ran got no full response: " + shutdown);
    assertTrue(Integer.parseInt(shutdown.get("activeAtStart")) >= Integer.parseInt(shutdown.get("held")), shutdown::toString);

    assertEquals("0", r.testapp("load agentInFlight="), "the agent's exchange table drained");
    assertTrue(findings.stream().noneMatch(f -> f.startsWith("httpdiag LEAK ") || f.startsWith("httpdiag STUCK ")),
        "no leak or stuck finding under load: " + findings);
  }

  private static Map<String, String> fields(String line) {
    return Pattern.compile("(\\w+)=([^\\s)]+)").matcher(line).results()
        .collect(Collectors.toMap(m -> m.group(1), m -> m.group(2).replaceAll("[(),]", ""), (a, b) -> a));
  }

  private static double median(List<Double> xs) {
    List<Double> s = xs.stream().sorted().collect(Collectors.toList());
    return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
  }
}
