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
 * after all (HikariCP-style follow-up), and closed before EOF at the cost of the connection. On an
 * HTTP/2 stream the same kinds say what is held or lost there: a stream slot and its flow-control
 * window, not a connection; an early close costs a RST_STREAM(CANCEL), reported only if the
 * connection was lost too.
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
            + " (status " + x.status + ", " + size + ", " + held(x) + ")",
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
    String conn = x.streamId != 0 ? streamFate(x)
        : x.putIdleResult == null ? "connection " + Ids.connection(x.connectionId) + " never returned to the pool"
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

  /** What an open body holds: its connection (HTTP/1.1), or its stream on a connection (HTTP/2). */
  private static String held(ExchangeState x) {
    return x.streamId == 0 ? "connection " + Ids.connection(x.connectionId) + " held"
        : "stream " + x.streamId + " on connection " + Ids.connection(x.connectionId) + ": " + Http2Fixes.STREAM_HELD;
  }

  /** HTTP/2: what became of the stream of a body collected unclosed. */
  private static String streamFate(ExchangeState x) {
    String stream = "stream " + x.streamId + " on connection " + Ids.connection(x.connectionId);
    if ("ok".equals(x.putIdleResult)) return stream + " already ended (body fully received)";
    if (x.streamResetCode != null) return stream + " reset " + x.streamResetCode;
    return stream + " never ended: " + Http2Fixes.STREAM_HELD;
  }

  private void closedEarly(ExchangeState x) {
    if (x.streamId != 0) {
      closedEarlyOnStream(x);
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
              + Format.bytes(Math.max(0, x.responseBytes)) + " read, " + unread + "; connection " + Ids.connection(x.connectionId)
              + " discarded, the next request dials again)",
          "sent at", x.callSite, null,
          Fixes.of(Finding.Kind.BODY_CLOSED_EARLY, x), null));
    }
  }

  /**
   * HTTP/2: a body closed before its end resets its stream (RST_STREAM CANCEL) and normally keeps
   * the connection, which costs the server's bytes already in flight and nothing more: not a finding.
   * Reported only when the connection was lost as well (its putIdleConn named a reason), and then
   * says so; when how the connection fared is unknown, nothing is claimed.
   */
  private void closedEarlyOnStream(ExchangeState x) {
    boolean closedEarly = "close".equals(x.closedBy);
    boolean lost = x.putIdleResult != null && !x.putIdleResult.equals("ok");
    if (!x.bodyEnded || !closedEarly || x.drained || !lost) return;
    String unread = x.contentLength >= 0 ? Format.bytes(x.contentLength - Math.max(0, x.responseBytes)) + " unread"
        : "the rest unread (length unknown)";
    String reset = x.streamResetCode != null ? "stream " + x.streamId + " reset " + x.streamResetCode
        : "stream " + x.streamId;
    Findings.report(new Finding(Finding.Kind.BODY_CLOSED_EARLY, null,
        "response body closed before EOF: " + x.method + " " + x.url + " (status " + x.status + ", "
            + Format.bytes(Math.max(0, x.responseBytes)) + " read, " + unread + "; " + reset + ", and connection "
            + Ids.connection(x.connectionId) + " closed too: " + x.putIdleResult + ")",
        "sent at", x.callSite, null, Fixes.of(Finding.Kind.BODY_CLOSED_EARLY, x), null));
  }
}
