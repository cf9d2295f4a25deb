package io.httpdiag.jmc.rules;

import io.httpdiag.agent.cli.rules.HttpRule;

/** Share of exchange time spent on DNS, connect and TLS beyond the first connections, per host ({@link HttpRule#DIAL_TIME}). A service: JMC instantiates it by its public no-argument constructor. */
public final class DialTimeRule extends HttpdiagRule {
  public DialTimeRule() {
    super(HttpRule.DIAL_TIME);
  }
}
