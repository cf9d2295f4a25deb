package io.httpdiag.jmc.rules;

import io.httpdiag.agent.cli.rules.HttpRule;

/** Connections dialed beyond the concurrency seen, per host ({@link HttpRule#CONNECTION_REUSE}). A service: JMC instantiates it by its public no-argument constructor. */
public final class ConnectionReuseRule extends HttpdiagRule {
  public ConnectionReuseRule() {
    super(HttpRule.CONNECTION_REUSE);
  }
}
