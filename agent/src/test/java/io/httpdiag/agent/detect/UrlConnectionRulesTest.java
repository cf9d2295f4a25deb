package io.httpdiag.agent.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.Step;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** HttpURLConnection's rules in the shared detectors: both timeouts must be set; a full keep-alive cache's fix. */
class UrlConnectionRulesTest {
  private static final long MS = 1_000_000L;

  @BeforeEach
  void clear() {
    Findings.clear();
  }

  @ParameterizedTest(name = "connect={0}ms read={1}ms")
  @CsvSource({
      "0, 0, without connect and read timeouts",
      "0, 10000, without connect timeout",
      "5000, 0, without read timeout",
      "5000, 10000, "})
  void aMissingConnectOrReadTimeoutIsAFinding(long connectMs, long readMs, String expected) {
    ExchangeState x = exchange(HttpLibrary.URLCONNECTION.id(1), "a.A.get(A.java:1)");
    x.connectTimeoutNanos = connectMs * MS;
    x.readTimeoutNanos = readMs * MS;
    new TimeoutDetector(30_000 * MS).step(x, Step.EXCHANGE_START, 1);
    List<Finding> all = Findings.all();
    if (expected == null) {
      assertEquals(List.of(), all.stream().map(Finding::title).collect(Collectors.toList()));
      return;
    }
    assertEquals(1, all.size(), all.toString());
    Finding f = all.get(0);
    assertEquals(Finding.Kind.MISSING_TIMEOUT, f.kind);
    assertTrue(f.title().startsWith("HttpURLConnection " + expected + ": GET http://svc:8080/items"), f.title());
    assertTrue(f.fix().contains("setConnectTimeout") && f.fix().contains("setReadTimeout"), f.fix());
  }

  @Test
  void aFullKeepAliveCacheSaysHttpMaxConnections() {
    ChurnDetector churn = new ChurnDetector();
    ExchangeState x = exchange(HttpLibrary.URLCONNECTION.id(2), "a.A.get(A.java:2)");
    churn.step(x, Step.GET_CONN, 1);
    x.putIdleResult = "poolFull";
    churn.step(x, Step.PUT_IDLE_CONN, 2);
    Finding f = Findings.all().get(0);
    assertEquals(Finding.Kind.POOL_CHURN, f.kind);
    assertTrue(f.fix().contains("-Dhttp.maxConnections"), f.fix());
    assertTrue(!f.fix().contains("maxIdleConnsPerHost") && !f.text().contains("configured at"), f.text());
  }

  private static ExchangeState exchange(long id, String site) {
    ExchangeState x = new ExchangeState(id, false, 1);
    x.method = "GET";
    x.url = "http://svc:8080/items";
    x.hostPort = "svc:8080";
    x.callSite = site;
    return x;
  }
}
