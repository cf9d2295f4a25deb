package io.httpdiag.agent.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.Step;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every finding kind has a fix, and the fix speaks of the transport the finding was seen on only. */
class FixesTest {
  private static final long SECOND = 1_000_000_000L;
  /** Words that belong to one transport: a fix for the other one must not use them. */
  private static final List<String> CORE_WORDS = List.of("core-transport", "Client.builder", "Transport.builder",
      "Request.builder", "maxIdleConnsPerHost", "Middleware", "on the Response");
  private static final List<String> JDK_WORDS = List.of("HttpClient", "HttpRequest", "BodyHandlers", "jdk.httpclient",
      "response.body()", "connectTimeout");

  @BeforeEach
  void clear() {
    Findings.clear();
  }

  @Test
  void everyKindHasAFixInTheWordsOfEachTransportOnly() {
    for (Finding.Kind kind : Finding.Kind.values()) {
      for (HttpLibrary t : clientLibraries()) {
        String fix = Fixes.of(kind, t);
        assertNotNull(fix, kind + " on " + t);
        assertFalse(fix.isBlank(), kind + " on " + t);
        assertSpeaksOf(t, fix, kind + " on " + t);
      }
    }
  }

  @Test
  void findingsFromTheDetectorsCarryTheirTransportsFix() {
    for (HttpLibrary t : clientLibraries()) {
      Findings.clear();
      long base = t.base;
      TimeoutDetector timeouts = new TimeoutDetector(30 * SECOND);
      ExchangeState noDeadline = exchange(base + 1, "a.A.noDeadline(A.java:1)");
      timeouts.step(noDeadline, Step.EXCHANGE_START, 1);
      noDeadline.thread = Thread.currentThread();
      timeouts.inFlight(noDeadline, 100 * SECOND);

      BodyDetector bodies = new BodyDetector(30 * SECOND);
      ExchangeState open = exchange(base + 2, "a.A.open(A.java:2)");
      open.responseHeadersAt = 1;
      bodies.inFlight(open, 100 * SECOND);
      open.bodyEnded = true;
      open.bodyEndAt = 101 * SECOND;
      bodies.end(open);
      ExchangeState early = exchange(base + 3, "a.A.early(A.java:3)");
      early.bodyEnded = true;
      early.closedBy = t == HttpLibrary.JDK ? "closeBeforeEof" : "close";
      early.putIdleResult = "undrained";
      bodies.end(early);

      ChurnDetector churn = new ChurnDetector();
      long now = 1;
      for (int i = 0; i < 100; i++) {
        ExchangeState x = exchange(base + 100 + i, "a.A.churn(A.java:4)");
        x.getConnAt = ++now;
        churn.step(x, Step.GET_CONN, now);
        churn.step(x, Step.CONNECT_DONE, ++now);
        churn.end(x);
      }

      List<Finding> all = Findings.all();
      assertEquals(List.of("MISSING_TIMEOUT", "STUCK_EXCHANGE", "BODY_NOT_CLOSED", "BODY_CLOSED_LATE",
          "BODY_CLOSED_EARLY", "POOL_CHURN"), all.stream().map(f -> f.kind.name()).collect(java.util.stream.Collectors.toList()));
      for (Finding f : all) {
        assertNotNull(f.fix(), f.text());
        assertSpeaksOf(t, f.fix(), f.text());
      }
    }
  }

  @Test
  void configurationFindingsSpeakOfTheComponentsTransport() {
    new TimeoutDetector(30 * SECOND).configured("jdkClient", "a.A.build(A.java:1)", 0);
    ClientCreationDetector clients = new ClientCreationDetector();
    for (int i = 0; i < ClientCreationDetector.THRESHOLD; i++) clients.configured("jdkClient", "a.A.build(A.java:1)", 0);
    for (Finding f : Findings.all()) assertSpeaksOf(HttpLibrary.JDK, f.fix(), f.text());
    Findings.clear();
    new TimeoutDetector(30 * SECOND).configured("transport", "a.A.build(A.java:2)", 0);
    for (int i = 0; i < ClientCreationDetector.THRESHOLD; i++) clients.configured("transport", "a.A.build(A.java:2)", 0);
    assertEquals(2, Findings.all().size());
    for (Finding f : Findings.all()) assertSpeaksOf(HttpLibrary.CORE, f.fix(), f.text());
  }

  @Test
  void otherLibrariesClientsAreJudgedInTheirOwnTerms() {
    ClientCreationDetector clients = new ClientCreationDetector();
    new TimeoutDetector(30 * SECOND).configured("okhttpClient", "a.A.build(A.java:3)", 0, 0, 0);
    for (int i = 0; i < ClientCreationDetector.THRESHOLD; i++) {
      clients.configured("apache5Client", "a.A.build(A.java:4)", 0, 0, 0);
    }
    List<Finding> all = Findings.all();
    assertEquals(2, all.size());
    assertTrue(all.get(0).text().contains("OkHttpClient") && all.get(0).fix().contains("OkHttpClient"), all.get(0).text());
    assertTrue(all.get(1).text().contains("CloseableHttpClient") && all.get(1).fix().contains("HttpClients.custom()"),
        all.get(1).text());
    for (Finding f : all) assertSpeaksOf(HttpLibrary.OKHTTP, f.fix(), f.text());
  }

  /** Tomcat and Jetty are servers only: no client finding (body, pool, client timeout) is ever theirs. */
  private static List<HttpLibrary> clientLibraries() {
    List<HttpLibrary> out = new java.util.ArrayList<>(List.of(HttpLibrary.values()));
    out.removeAll(List.of(HttpLibrary.TOMCAT, HttpLibrary.JETTY));
    return out;
  }

  /** core-transport's words never appear in another library's fix; the JDK's never in core-transport's. */
  private static void assertSpeaksOf(HttpLibrary t, String fix, String what) {
    for (String w : t == HttpLibrary.CORE ? JDK_WORDS : CORE_WORDS) {
      assertFalse(fix.contains(w), what + ": a " + t + " fix names '" + w + "': " + fix);
    }
  }

  private static ExchangeState exchange(long id, String site) {
    ExchangeState x = new ExchangeState(id, false, 1);
    x.method = "GET";
    x.url = "http://svc:8080/items";
    x.hostPort = "svc:8080";
    x.callSite = site;
    x.connectionId = id;
    x.status = 200;
    return x;
  }
}
