package io.httpdiag.jmc.rules;

import io.httpdiag.agent.cli.rules.HttpRule;

/** Time exchanges waited for a pooled connection, and exhausted pools ({@link HttpRule#POOL_WAIT}). A service: JMC instantiates it by its public no-argument constructor. */
public final class PoolWaitRule extends HttpdiagRule {
  public PoolWaitRule() {
    super(HttpRule.POOL_WAIT);
  }
}
