package io.httpdiag.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code collect}'s arguments and its failures before any JVM is reached (the streaming itself: CollectIT). */
class CollectTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int collect(String... args) {
    return Collect.run(List.of(args), new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void noTargetIsBadUsage() {
    assertEquals(2, collect("--out", "x.jfr"));
    assertEquals(Collect.USAGE + System.lineSeparator(), err());
  }

  @Test
  void targetWithoutPortSaysWhatIsExpected() {
    assertEquals(2, collect("localhost"));
    assertEquals("httpdiag: bad target localhost: expected host:port of a JVM's JMX agent"
        + " (-Dcom.sun.management.jmxremote.port=<port>)" + System.lineSeparator(), err());
  }

  @Test
  void badDurationSaysWhatIsExpected() {
    assertEquals(2, collect("127.0.0.1:9010", "--duration", "10"));
    assertEquals("httpdiag: bad duration 10: expected a number and ms, s, m or h, e.g. 30s" + System.lineSeparator(), err());
  }

  @Test
  void durations() {
    assertEquals(Duration.ofMillis(500), Collect.duration("500ms"));
    assertEquals(Duration.ofSeconds(30), Collect.duration("30s"));
    assertEquals(Duration.ofMinutes(5), Collect.duration("5m"));
    assertEquals(Duration.ofHours(1), Collect.duration("1h"));
    assertNull(Collect.duration("-1s"));
    assertNull(Collect.duration("1d"));
  }

  @Test
  void unreachableJvmIsOneLineAndExitCodeOne() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertEquals(1, collect("127.0.0.1:" + closed, "--duration", "1s"));
    String[] lines = err().split(System.lineSeparator());
    assertEquals(2, lines.length, err());
    assertTrue(lines[0].startsWith("httpdiag: collect: cannot stream from 127.0.0.1:" + closed + ": "), err());
    assertEquals("httpdiag: collect: no JVM could be reached", lines[1]);
  }

  @Test
  void theJarsJfcEnablesEveryHttpdiagEvent() throws Exception {
    var settings = Collect.jfcSettings();
    for (String event : List.of("httpdiag.Exchange", "httpdiag.Connection", "httpdiag.ServerExchange", "httpdiag.Finding")) {
      assertEquals("true", settings.get(event + "#enabled"), event + " in " + settings);
    }
  }
}
