package io.httpdiag.agent.cli.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The verdict logic on hand-made evidence: each rule's warning, its OK, and not applicable without
 * its events. (JMC's engine on real recordings: jmc-rules' JmcRulesIT.)
 */
class HttpRulesTest {
  static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  static final Set<String> ALL_TYPES = Set.of("httpdiag.Exchange", "httpdiag.Finding", "httpdiag.ServerExchange");

  @Test
  void everyRuleIsNotApplicableWithoutItsEvents() {
    for (Verdict v : HttpRules.evaluateAll(new Evidence(Set.of(), List.of(), List.of(), List.of()))) {
      assertEquals(Verdict.Level.NOT_APPLICABLE, v.level(), v.toString());
    }
  }

  @Test
  void everyRuleIsOkWhenTheAgentSawNothingWrong() {
    List<Evidence.Exchange> xs = new ArrayList<>();
    for (int i = 0; i < 20; i++) xs.add(exchange(i * 10 * MS, 5 * MS, i > 0, i == 0 ? 2 * MS : -1, "pooled"));
    Evidence e = new Evidence(ALL_TYPES, xs, List.of(), List.of(new Evidence.ServerExchange("GET", "/", 200, 3 * MS)));
    for (Verdict v : HttpRules.evaluateAll(e)) assertEquals(Verdict.Level.OK, v.level(), v.toString());
  }

  @Test
  void aLeakIsAWarningWithItsFixAndAClientPerRequestAnInformation() {
    Verdict leak = HttpRules.evaluate(HttpRule.FINDINGS, findings(
        new Evidence.Finding("CLIENT_PER_REQUEST", "5 clients", "a.B.c(B.java:1)", "share one client", 5),
        new Evidence.Finding("BODY_NOT_CLOSED", "body not closed", "a.B.d(B.java:2)", "close the body", 1)));
    assertEquals(Verdict.Level.WARNING, leak.level());
    assertTrue(leak.summary().contains("BODY_NOT_CLOSED at a.B.d(B.java:2)"), leak.summary());
    assertTrue(leak.solution().startsWith("BODY_NOT_CLOSED at a.B.d(B.java:2): close the body"), leak.solution());
    Verdict misuse = HttpRules.evaluate(HttpRule.FINDINGS, findings(
        new Evidence.Finding("CLIENT_PER_REQUEST", "5 clients", "a.B.c(B.java:1)", "share one client", 5)));
    assertEquals(Verdict.Level.INFO, misuse.level());
  }

  @Test
  void repeatedFindingEventsAtOneCallSiteCountOnceWithTheirLatestCount() {
    Verdict v = HttpRules.evaluate(HttpRule.FINDINGS, findings(
        new Evidence.Finding("THREAD_LEAK", "t", "a.B.c(B.java:1)", "join", 1),
        new Evidence.Finding("THREAD_LEAK", "t", "a.B.c(B.java:1)", "join", 10)));
    assertTrue(v.summary().startsWith("1 finding at 1 call site"), v.summary());
    assertTrue(v.summary().endsWith("(10 times)."), v.summary());
  }

  @Test
  void aDialPerSequentialRequestIsChurnButOneDialPerConcurrentCallerIsNot() {
    List<Evidence.Exchange> sequential = new ArrayList<>();
    for (int i = 0; i < 6; i++) sequential.add(exchange(i * 10 * MS, 5 * MS, false, 2 * MS, "pooled"));
    assertEquals(Verdict.Level.WARNING, HttpRules.evaluate(HttpRule.CONNECTION_REUSE, exchanges(sequential)).level());
    List<Evidence.Exchange> concurrent = new ArrayList<>();
    for (int i = 0; i < 6; i++) concurrent.add(exchange(0, 5 * MS, false, 2 * MS, "pooled")); // 6 at once
    for (int i = 0; i < 6; i++) concurrent.add(exchange(10 * MS, 5 * MS, true, -1, "pooled"));
    assertEquals(Verdict.Level.OK, HttpRules.evaluate(HttpRule.CONNECTION_REUSE, exchanges(concurrent)).level());
  }

  @Test
  void connectionsDiscardedBecauseTheIdlePoolIsFullAreChurn() {
    List<Evidence.Exchange> xs = new ArrayList<>();
    for (int i = 0; i < 10; i++) xs.add(exchange(0, 5 * MS, false, MS / 10, i < 8 ? "poolFull" : "pooled"));
    Verdict v = HttpRules.evaluate(HttpRule.CONNECTION_REUSE, exchanges(xs));
    assertEquals(Verdict.Level.WARNING, v.level(), v.explanation());
    assertTrue(v.explanation().contains("8 discarded after use"), v.explanation());
  }

  @Test
  void aHandshakePerRequestIsAWarningOneHandshakeThenReuseIsNot() {
    List<Evidence.Exchange> every = new ArrayList<>();
    for (int i = 0; i < 6; i++) every.add(exchange(i * 100 * MS, 40 * MS, false, 30 * MS, "pooled"));
    assertEquals(Verdict.Level.WARNING, HttpRules.evaluate(HttpRule.DIAL_TIME, exchanges(every)).level());
    List<Evidence.Exchange> once = new ArrayList<>();
    for (int i = 0; i < 6; i++) once.add(exchange(i * 100 * MS, i == 0 ? 40 * MS : 2 * MS, i > 0, i == 0 ? 30 * MS : -1, "pooled"));
    assertEquals(Verdict.Level.OK, HttpRules.evaluate(HttpRule.DIAL_TIME, exchanges(once)).level());
  }

  @Test
  void poolWaitCountsReusedConnectionsOnlyAndAnExhaustedPoolIsAWarning() {
    List<Evidence.Exchange> xs = new ArrayList<>();
    xs.add(new Evidence.Exchange("h:1", 0, 800 * MS, false, -1, MS, -1, 430 * MS, "pooled")); // first-use set-up
    Verdict setUp = HttpRules.evaluate(HttpRule.POOL_WAIT, exchanges(xs));
    assertEquals(Verdict.Level.OK, setUp.level(), setUp.toString());
    for (int i = 0; i < 4; i++) xs.add(new Evidence.Exchange("h:1", MS, 200 * MS, true, -1, -1, -1, 150 * MS, "pooled"));
    assertEquals(Verdict.Level.WARNING, HttpRules.evaluate(HttpRule.POOL_WAIT, exchanges(xs)).level());
    Evidence exhausted = new Evidence(ALL_TYPES, List.of(), List.of(new Evidence.Finding("POOL_EXHAUSTED", "waited",
        "a.B.c(B.java:1)", "close responses", 1)), List.of());
    Verdict v = HttpRules.evaluate(HttpRule.POOL_WAIT, exhausted);
    assertEquals(Verdict.Level.WARNING, v.level());
    assertEquals("close responses", v.solution());
  }

  @Test
  void aStuckHandlerIsAWarningAndASlowOneAnInformation() {
    Evidence stuck = new Evidence(ALL_TYPES, List.of(), List.of(new Evidence.Finding("STUCK_EXCHANGE",
        "handler still running after 1.0s: GET /stall", "a.H.serve(H.java:9)", "bound what it waits for", 1)), List.of());
    assertEquals(Verdict.Level.WARNING, HttpRules.evaluate(HttpRule.SERVER_HANDLERS, stuck).level());
    Evidence clientStuck = new Evidence(ALL_TYPES, List.of(), List.of(new Evidence.Finding("STUCK_EXCHANGE",
        "exchange in flight for 3ms with no deadline", "a.C.call(C.java:9)", "set a timeout", 1)), List.of());
    assertEquals(Verdict.Level.OK, HttpRules.evaluate(HttpRule.SERVER_HANDLERS, clientStuck).level());
    Evidence slow = new Evidence(ALL_TYPES, List.of(), List.of(),
        List.of(new Evidence.ServerExchange("GET", "/slow", 200, 2_000 * MS)));
    assertEquals(Verdict.Level.INFO, HttpRules.evaluate(HttpRule.SERVER_HANDLERS, slow).level());
  }

  @Test
  void peakConcurrencyCountsOverlapsNotTouchingIntervals() {
    assertEquals(1, HttpRules.peakConcurrency(List.of(exchange(0, 10, false, -1, "pooled"),
        exchange(10, 10, true, -1, "pooled"))));
    assertEquals(2, HttpRules.peakConcurrency(List.of(exchange(0, 10, false, -1, "pooled"),
        exchange(9, 10, false, -1, "pooled"))));
  }

  static Evidence.Exchange exchange(long start, long total, boolean reused, long connect, String outcome) {
    return new Evidence.Exchange("h:1", start, total, reused, -1, connect, -1, reused ? 0 : Math.max(0, connect), outcome);
  }

  static Evidence findings(Evidence.Finding... f) {
    return new Evidence(ALL_TYPES, List.of(), List.of(f), List.of());
  }

  static Evidence exchanges(List<Evidence.Exchange> xs) {
    return new Evidence(ALL_TYPES, xs, List.of(), List.of());
  }
}
