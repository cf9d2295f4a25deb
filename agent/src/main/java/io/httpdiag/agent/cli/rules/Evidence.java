package io.httpdiag.agent.cli.rules;

import java.util.List;
import java.util.Set;

/**
 * What the rules judge, read from one recording's httpdiag events: by the {@code report} command
 * from {@code jdk.jfr.consumer} and by the JMC rules from JMC's item collections. Plain values, no
 * JFR or JMC type, so both readers feed the same {@link HttpRules} code. Immutable; the lists are
 * not copied (the reader hands over lists it no longer touches).
 *
 * @param eventTypes the httpdiag event types the recording knows (registered, with or without
 *     events): a rule whose required types are missing is not applicable
 * @param exchanges client exchanges ({@code httpdiag.Exchange})
 * @param findings findings ({@code httpdiag.Finding}), one per event (a finding is recorded again
 *     at its 10th, 100th... occurrence with a growing count)
 * @param serverExchanges server exchanges ({@code httpdiag.ServerExchange})
 */
public record Evidence(Set<String> eventTypes, List<Exchange> exchanges, List<Finding> findings,
    List<ServerExchange> serverExchanges) {

  /**
   * One client exchange. Durations are nanoseconds, negative when the phase did not happen (the
   * event's {@code Long.MIN_VALUE}, JFR's N/A).
   *
   * @param startNanos start time, nanoseconds on any fixed epoch (only differences are used)
   * @param totalNanos the whole exchange (the event's duration)
   * @param waitNanos getConn to gotConn: pool wait, plus DNS, connect and TLS when it dialed
   * @param outcome {@code pooled}, or why the connection was not pooled, or {@code failed}...
   */
  public record Exchange(String host, long startNanos, long totalNanos, boolean reused, long dnsNanos,
      long connectNanos, long tlsNanos, long waitNanos, String outcome) {

    /** DNS + connect + TLS, 0 on a reused connection. */
    public long dialNanos() {
      return Math.max(0, dnsNanos) + Math.max(0, connectNanos) + Math.max(0, tlsNanos);
    }

    /**
     * Time waiting for a pooled connection: the whole wait of an exchange that got a reused
     * connection, 0 for one that dialed. A new connection's wait beyond its dial is mostly set-up
     * (the pool's creation, class loading, the agent's own first-use instrumentation: 0.4 s on the
     * first exchange of a JVM here), not a queue; a request that queued for a free slot of a full
     * pool is reported by the detectors as POOL_EXHAUSTED, which the pool-wait rule also reads.
     */
    public long poolWaitNanos() {
      return reused && waitNanos > 0 ? waitNanos : 0;
    }
  }

  /** One {@code httpdiag.Finding} event; {@code count} is the occurrences so far at its call site. */
  public record Finding(String kind, String title, String callSite, String fix, long count) {}

  /** One server exchange; {@code handlerNanos} negative when the handler did not run. */
  public record ServerExchange(String method, String target, int status, long handlerNanos) {}
}
