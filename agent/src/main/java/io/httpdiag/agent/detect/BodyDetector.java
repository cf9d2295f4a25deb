package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;

/**
 * Response bodies never closed (by age: the response stays reachable from the transport, so GC
 * cannot tell), closed after all (HikariCP-style follow-up), and closed before EOF at the cost of
 * the connection.
 */
final class BodyDetector implements Detectors.Detector {
  static final String CLOSE_FIX =
      "close the body (try-with-resources on the response) or read it to the end; the connection returns to the pool only then";
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
            + " (status " + x.status + ", " + size + ", connection c" + x.connectionId + " held)",
        "sent at", x.callSite, null, CLOSE_FIX, null));
  }

  @Override
  public void end(ExchangeState x) {
    if (x.server) return;
    if (x.bodyLeakReported) {
      Findings.report(new Finding(Finding.Kind.BODY_CLOSED_LATE, null,
          "response body closed after all, " + Format.duration(x.bodyEndAt - x.responseHeadersAt)
              + " after its headers: " + x.method + " " + x.url + " (" + Format.bytes(x.responseBytes) + " read)",
          "sent at", x.callSite, null, null, null));
      return;
    }
    boolean discarded = x.putIdleResult != null && !x.putIdleResult.equals("ok");
    // core-transport says "close"; the JDK client's ofInputStream/ofLines "closeBeforeEof".
    boolean closedEarly = "close".equals(x.closedBy) || "closeBeforeEof".equals(x.closedBy);
    if (x.bodyEnded && closedEarly && !x.drained && (discarded || x.putIdleResult == null)) {
      String unread = x.contentLength >= 0 ? Format.bytes(x.contentLength - Math.max(0, x.responseBytes)) + " unread"
          : "the rest unread (length unknown)";
      Findings.report(new Finding(Finding.Kind.BODY_CLOSED_EARLY, null,
          "response body closed before EOF: " + x.method + " " + x.url + " (status " + x.status + ", "
              + Format.bytes(Math.max(0, x.responseBytes)) + " read, " + unread + "; connection c" + x.connectionId
              + " discarded, the next request dials again)",
          "sent at", x.callSite, null,
          "read the body to the end before closing it (or ask for less: HEAD, Range, a smaller page); "
              + "closing early throws the connection away",
          null));
    }
  }
}
