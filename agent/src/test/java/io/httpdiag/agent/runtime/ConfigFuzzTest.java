package io.httpdiag.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * Fuzzes the agent's option parser. The input is UTF-8 text split at NUL characters: the agent
 * arguments first, then pairs of system property name (after {@code httpdiag.}) and value. In a
 * normal build it runs on the seeds under {@code ConfigFuzzTestInputs/parse/} only.
 *
 * <p>Invariants: the only exception is an {@link IllegalArgumentException} whose message is one
 * non-empty line (the agent prints it as is); an accepted configuration has values in their
 * documented ranges; a configuration given as agent arguments reads back from its own
 * {@code toString()}.
 */
class ConfigFuzzTest {
  @FuzzTest
  @DictionaryEntries({"log=", "log.file=", "log.format=", "jfr=", "instrument.core=", "instrument.jdk=", "redact=",
      "redact.query=", "max.exchanges=", "stacks=", "detect=", "detect.body=", "detect.timeouts=", "detect.churn=",
      "detect.clients=", "detect.threads=", "detect.threads.after=", "detect.body.after=", "detect.stuck.after=",
      "on", "off", "full", "summary", "findings", "json", "text", "all", "values", "sampled", "ms", "s", "m", ","})
  void parse(byte[] input) {
    String[] parts = new String(input, StandardCharsets.UTF_8).split("\u0000", -1);
    Properties props = new Properties();
    for (int i = 1; i + 1 < parts.length; i += 2) {
      props.setProperty("httpdiag." + parts[i], parts[i + 1]);
    }
    Config c;
    try {
      c = Config.parse(parts[0], props);
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      assertTrue(m != null && !m.isEmpty(), "no message");
      assertFalse(m.contains("\n") || m.contains("\r"), "the agent prints one line, got: " + m);
      assertTrue(m.startsWith("bad option ") || m.startsWith("unknown option "), m);
      return;
    }
    assertNotNull(c.log);
    assertNotNull(c.stacks);
    assertNotNull(c.redactQuery);
    assertTrue(c.maxExchanges >= 16 && c.maxExchanges <= 1_000_000, "max.exchanges " + c.maxExchanges);
    assertTrue(c.threadLeakAfterNanos >= 0, "detect.threads.after " + c.threadLeakAfterNanos);
    assertTrue(c.bodyLeakAfterNanos >= 0, "detect.body.after " + c.bodyLeakAfterNanos);
    assertTrue(c.stuckAfterNanos >= 0, "detect.stuck.after " + c.stuckAfterNanos);
    assertTrue(c.redactedHeaders.containsAll(Config.DEFAULT_REDACTED_HEADERS));
    for (String h : c.redactedHeaders) {
      assertFalse(h.isEmpty() || h.contains(";"), "redacted header name " + h);
    }
    if (props.isEmpty()) {
      assertEquals(c.toString(), Config.parse(c.toString(), null).toString(), "toString reads back");
    }
  }
}
