package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.Ids;

/**
 * Response bodies never closed: by age (primary: a JDK HttpClient response whose large body was
 * never read stays reachable from the client's internals, so GC cannot tell), and at once when the
 * body object the caller held was garbage-collected before it ended (the backstop: core-transport
 * bodies, JDK {@code ofInputStream}/{@code ofLines} streams whose body was fully received). Both are
 * {@code BODY_NOT_CLOSED}: same mistake, same fix, one aggregate per call site. Also bodies closed
 * after all (HikariCP-style follow-up), and closed before EOF at the cost of the connection.
 */
final class BodyDetector implements Detectors.Detector {
  private final long afterNanos;

  BodyDetector(long afterNanos) {
    this.afterNanos = afterNanos;
  }

  @Override
  public void inFlight(ExchangeState x, long now) {
    if (x.server || x.responseHeadersAt == 0 || x.bodyEnded || x.bodyLeakReported || x.error != null) return;
    long open = now - x.responseHeadersAt;
    if (open < afterNanos) return;
    x.bodyLeakReported = true;
    open = System.nanoTime() - x.responseHeadersAt; // a check point runs ahead of the clock: show the real age
    String size = x.contentLength >= 0 ? Format.bytes(x.contentLength) + " declared" : "length unknown";
    Findings.report(new Finding(Finding.Kind.BODY_NOT_CLOSED, null,
        "response body not closed after " + Format.duration(open) + ": " + x.method + " " + x.url
            + " (status " + x.status + ", " + size + ", connection " + Ids.connection(x.connectionId) + " held)",
        "sent at", x.callSite, null, Fixes.of(Finding.Kind.BODY_NOT_CLOSED, x), null));
  }

  @Override
  public void end(ExchangeState x) {
    if (x.server) return;
    if (x.bodyCollectedAt != 0) {
      if (!x.bodyLeakReported) collectedUnclosed(x);
      return; // reported by age already: the collection adds nothing the user can act on
    }
    if (x.bodyLeakReported) {
      Findings.report(new Finding(Finding.Kind.BODY_CLOSED_LATE, null,
          "response body closed after all, " + Format.duration(x.bodyEndAt - x.responseHeadersAt)
              + " after its headers: " + x.method + " " + x.url + " (" + Format.bytes(x.responseBytes) + " read)",
          "sent at", x.callSite, null, Fixes.of(Finding.Kind.BODY_CLOSED_LATE, x), null));
      return;
    }
    closedEarly(x);
  }

  /** The GC backstop: the caller dropped the response (or its body) without reading it to the end or closing it. */
  private void collectedUnclosed(ExchangeState x) {
    x.bodyLeakReported = true;
    String size = x.contentLength >= 0 ? Format.bytes(x.contentLength) + " declared" : "length unknown";
    String conn = x.putIdleResult == null ? "connection " + Ids.connection(x.connectionId) + " never returned to the pool"
        : x.putIdleResult.equals("ok") ? "connection " + Ids.connection(x.connectionId) + " already back in the pool (body fully buffered)"
        : "connection " + Ids.connection(x.connectionId) + " " + x.putIdleResult;
    Findings.report(new Finding(Finding.Kind.BODY_NOT_CLOSED, null,
        "response body collected unclosed " + Format.duration(x.bodyCollectedAt - x.responseHeadersAt)
            + " after its headers: " + x.method + " " + x.url + " (status " + x.status + ", " + size + ", " + conn + ")",
        "sent at", x.callSite,
        new String[] {"found when the garbage collector reclaimed the unreferenced body, before the age threshold ("
            + Format.duration(afterNanos) + ")"},
        Fixes.of(Finding.Kind.BODY_NOT_CLOSED, x), null));
  }

  private void closedEarly(ExchangeState x) {
    boolean discarded = x.putIdleResult != null && !x.putIdleResult.equals("ok");
    // core-transport says "close"; the JDK client's ofInputStream/ofLines "closeBeforeEof".
    boolean closedEarly = "close".equals(x.closedBy) || "closeBeforeEof".equals(x.closedBy);
    if (x.bodyEnded && closedEarly && !x.drained && (discarded || x.putIdleResult == null)) {
      String unread = x.contentLength >= 0 ? Format.bytes(x.contentLength - Math.max(0, x.responseBytes)) + " unread"
          : "the rest unread (length unknown)";
      Findings.report(new Finding(Finding.Kind.BODY_CLOSED_EARLY, null,
          "response body closed before EOF: " + x.method + " " + x.url + " (status " + x.status + ", "
              + Format.bytes(Math.max(0, x.responseBytes)) + " read, " + unread + "; connection " + Ids.connection(x.connectionId)
              + " discarded, the next request dials again)",
          "sent at", x.callSite, null,
          Fixes.of(Finding.Kind.BODY_CLOSED_EARLY, x), null));
    }
  }
}
