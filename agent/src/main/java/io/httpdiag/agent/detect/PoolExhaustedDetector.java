package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.Ids;
import io.httpdiag.agent.runtime.Step;

/**
 * Requests that waited for a connection because their pool was at its limit (the library reports
 * {@link Step#POOL_WAIT} only then): one aggregate per host and call site, naming the wait, the
 * limit, the connections leased and requests waiting, and the setting that raises it. Waits under
 * {@value #REPORT_AFTER_MILLIS} ms are not reported: a pool at its limit that hands a connection over
 * within a millisecond or two is doing its job. This is the cause behind "Timeout waiting for
 * connection from pool" (Apache HttpClient) and calls queued in OkHttp's dispatcher.
 */
final class PoolExhaustedDetector implements Detectors.Detector {
  static final long REPORT_AFTER_MILLIS = 10;

  @Override
  public java.util.Set<Step> steps() {
    return java.util.EnumSet.of(Step.POOL_WAIT);
  }

  @Override
  public void step(ExchangeState x, Step step, long nanos) {
    if (step != Step.POOL_WAIT || x.poolWaitNanos < REPORT_AFTER_MILLIS * 1_000_000L) return;
    String limit = x.poolLimit >= 0 ? "limit " + x.poolLimit : "limit unknown";
    if (x.poolLimitSetting != null) limit += " (" + x.poolLimitSetting + ")";
    String busy = (x.poolLeased >= 0 ? x.poolLeased + " leased" : "leased unknown")
        + (x.poolPending >= 0 ? ", " + x.poolPending + " waiting" : "");
    Findings.report(new Finding(Finding.Kind.POOL_EXHAUSTED, "pool|" + x.hostPort + "|" + x.callSite,
        (Ids.isOkHttp(x.id)
            ? "async call waited " + Format.duration(x.poolWaitNanos) + " in OkHttp's Dispatcher queue for "
                + x.hostPort + ": its per-host limit was reached: "
            : "request waited " + Format.duration(x.poolWaitNanos) + " for a connection to " + x.hostPort
                + ": the pool is at its limit: ") + x.method + " " + x.url,
        "sent at", x.callSite, new String[] {limit + "; " + busy},
        Fixes.of(Finding.Kind.POOL_EXHAUSTED, x), null));
  }
}
