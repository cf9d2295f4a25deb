package io.httpdiag.agent.cli.rules;

import java.util.List;

/**
 * The httpdiag analysis rules: one list, read by the {@code report} command and by the JMC rules
 * module ({@code httpdiag-jmc-rules.jar}), so both show the same verdicts with the same thresholds.
 * The JMC rule ids are {@link #id}; {@link HttpRules#evaluate} computes a verdict.
 */
public enum HttpRule {
  FINDINGS("HttpdiagFindings", "HTTP findings by kind and call site", List.of("httpdiag.Finding")),
  CONNECTION_REUSE("HttpdiagConnectionReuse", "HTTP connection reuse and churn per host", List.of("httpdiag.Exchange")),
  POOL_WAIT("HttpdiagPoolWait", "HTTP time waiting for a pooled connection", List.of("httpdiag.Exchange")),
  DIAL_TIME("HttpdiagDialTime", "HTTP DNS, connect and TLS share of exchange time per host",
      List.of("httpdiag.Exchange")),
  SERVER_HANDLERS("HttpdiagServerHandlers", "HTTP slow and stuck server handlers", List.of("httpdiag.ServerExchange"));

  /** The topic of every rule in JMC's Automated Analysis (no JMC page claims it: JMC lists it on its own). */
  public static final String TOPIC = "httpdiag";

  /** JMC's rule id: unique among all rules JMC loads. */
  public final String id;
  /** The name JMC and {@code report} show. */
  public final String label;
  /** JFR event types the rule reads; without them in a recording the rule is not applicable. */
  public final List<String> requiredEvents;

  HttpRule(String id, String label, List<String> requiredEvents) {
    this.id = id;
    this.label = label;
    this.requiredEvents = requiredEvents;
  }
}
