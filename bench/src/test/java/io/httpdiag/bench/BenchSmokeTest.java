package io.httpdiag.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The harness starts, measures one very short run and prints its table. No performance assertions. */
class BenchSmokeTest {
  @Test
  void serverBenchMeasuresCoreTransportWithTheInJvmLoad() throws Exception {
    String out = capture("server", "--servers", "core", "--jvm-load", "--duration", "1s", "--rounds", "1");
    assertTrue(out.contains("| core-transport Server"), out);
    assertTrue(out.contains("Verdict"), out);
  }

  @Test
  void clientBenchMeasuresTwoClientsInChildJvms() throws Exception {
    String out = capture("client", "--clients", "core,jdk", "--quick", "--rounds", "1");
    assertTrue(out.contains("| core-transport Client"), out);
    assertTrue(out.contains("| JDK HttpClient"), out);
    assertTrue(out.contains(">= 3x JDK HttpClient"), out);
  }

  @Test
  void histogramPercentilesAreWithinTwoPercent() {
    Histogram h = new Histogram();
    for (int i = 1; i <= 10_000; i++) {
      h.record(i * 1_000L);
    }
    assertEquals(5_000_000, h.percentile(50), 100_000);
    assertEquals(9_900_000, h.percentile(99), 200_000);
  }

  @Test
  void optionsParseDurationsAndQuick() {
    assertEquals(0.5, Options.parse("server", "--duration", "500ms").duration);
    assertEquals(1, Options.parse("all", "--quick").duration);
    assertEquals(2, Options.parse("all", "--quick").rounds);
    assertEquals(3, Options.parse("all", "--quick", "--rounds", "3").rounds);
    assertEquals(5, Options.parse().duration);
    assertEquals(3, Options.parse().rounds);
  }

  private static String capture(String... args) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      Main.run(Options.parse(args));
    } finally {
      System.setOut(old);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    old.print(out);
    return out;
  }
}
