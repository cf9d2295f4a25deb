package io.httpdiag.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class ConfigTest {
  @Test
  void defaultsAreFindingsTextStderrJfrOnRedactEverything() {
    Config c = Config.parse(null, new Properties());
    assertEquals(Config.LogLevel.FINDINGS, c.log);
    assertFalse(c.json);
    assertEquals(null, c.logFile);
    assertTrue(c.jfr);
    assertTrue(c.instrumentCore);
    assertTrue(c.instrumentJdk);
    assertEquals(Config.QueryRedaction.ALL, c.redactQuery);
    assertEquals(Config.DEFAULT_REDACTED_HEADERS, c.redactedHeaders);
  }

  @Test
  void pinnedDetectionIsOptInAndNeedsTheDetectors() {
    assertFalse(Config.parse(null, new Properties()).detectPinned, "off by default: it runs a JFR stream");
    Config on = Config.parse("detect.pinned=on,detect.pinned.after=50ms", new Properties());
    assertTrue(on.detectPinned);
    assertEquals(50_000_000L, on.pinnedAfterNanos);
    assertEquals(20_000_000L, Config.parse(null, new Properties()).pinnedAfterNanos);
    assertFalse(Config.parse("detect=off,detect.pinned=on", new Properties()).detectPinned);
  }

  @Test
  void agentArgumentsWinOverSystemProperties() {
    Properties p = new Properties();
    p.setProperty("httpdiag.log", "full");
    p.setProperty("httpdiag.jfr", "off");
    Config c = Config.parse("log=summary,log.format=json", p);
    assertEquals(Config.LogLevel.SUMMARY, c.log);
    assertTrue(c.json);
    assertFalse(c.jfr);
  }

  @Test
  void extraRedactedHeadersAreAddedCaseInsensitively() {
    Config c = Config.parse("redact=X-Api-Key;X-Token", null);
    assertTrue(c.redactedHeaders.contains("x-api-key"));
    assertTrue(c.redactedHeaders.contains("x-token"));
    assertTrue(c.redactedHeaders.contains("authorization"));
  }

  @Test
  void badOptionsGiveOnePreciseMessage() {
    assertEquals("bad option log=verbose: expected off|findings|summary|full",
        assertThrows(IllegalArgumentException.class, () -> Config.parse("log=verbose", null)).getMessage());
    assertEquals("bad option max.exchanges=3: expected an integer in 16..1000000",
        assertThrows(IllegalArgumentException.class, () -> Config.parse("max.exchanges=3", null)).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Config.parse("verbose", null)).getMessage()
        .startsWith("bad option verbose: expected key=value with key one of log, "));
    Properties p = new Properties();
    p.setProperty("httpdiag.nope", "1");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Config.parse("", p)).getMessage()
        .startsWith("unknown option -Dhttpdiag.nope=1: expected one of log, "));
  }

  @Test
  void controlCharactersInABadOptionAreEscapedSoTheMessageStaysOneLine() {
    // Found by ConfigFuzzTest: the agent prints the message as its one line of diagnosis.
    assertEquals("unknown option rlog.file=\\n\\u0085x: expected one of " + String.join(", ", Config.KEYS.keySet()),
        assertThrows(IllegalArgumentException.class, () -> Config.parse("rlog.file=\n\u0085x", null)).getMessage());
    assertEquals("bad option log=a\\r\\nb: expected off|findings|summary|full",
        assertThrows(IllegalArgumentException.class, () -> Config.parse("log=a\r\nb", null)).getMessage());
    Properties p = new Properties();
    p.setProperty("httpdiag.jfr", "o\u2028n");
    assertEquals("bad option -Dhttpdiag.jfr=o\\u2028n: expected on|off",
        assertThrows(IllegalArgumentException.class, () -> Config.parse(null, p)).getMessage());
  }

  @Test
  void durationsTooLongForNanosecondsAreBadOptionsNotNegativeDurations() {
    assertEquals(153_722_867L * 60_000_000_000L, Config.parse("detect.stuck.after=153722867m", null).stuckAfterNanos);
    assertEquals("bad option detect.stuck.after=999999999m: expected a duration such as 30s or 500ms",
        assertThrows(IllegalArgumentException.class, () -> Config.parse("detect.stuck.after=999999999m", null))
            .getMessage());
  }
}
