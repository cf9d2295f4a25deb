package io.httpdiag.jmc.rules;

import io.httpdiag.agent.cli.rules.HttpRule;

/** Findings by kind and call site, scored by the worst kind (leaks and stuck exchanges are warnings) ({@link HttpRule#FINDINGS}). A service: JMC instantiates it by its public no-argument constructor. */
public final class FindingsRule extends HttpdiagRule {
  public FindingsRule() {
    super(HttpRule.FINDINGS);
  }
}
