package io.httpdiag.jmc.rules;

import io.httpdiag.agent.cli.rules.HttpRule;

/** Slow server handlers (p99) and handlers reported stuck ({@link HttpRule#SERVER_HANDLERS}). A service: JMC instantiates it by its public no-argument constructor. */
public final class ServerHandlersRule extends HttpdiagRule {
  public ServerHandlersRule() {
    super(HttpRule.SERVER_HANDLERS);
  }
}
