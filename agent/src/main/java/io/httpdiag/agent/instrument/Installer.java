package io.httpdiag.agent.instrument;

import io.httpdiag.agent.Bootstrap;
import java.lang.instrument.Instrumentation;

/**
 * The name {@code Agent}, the JUnit extension's {@code AgentLoader} and the demo load reflectively
 * through the bootstrap loader; the wiring itself is {@link Bootstrap}'s.
 */
public final class Installer {
  private Installer() {}

  /** Called reflectively by {@code Agent.premain}/{@code agentmain}. */
  public static void install(String agentArgs, Instrumentation inst, boolean dynamic, String jarPath) {
    Bootstrap.install(agentArgs, inst, dynamic, jarPath);
  }

  /** Whether the agent was installed in this JVM. */
  public static boolean isInstalled() {
    return Bootstrap.isInstalled();
  }
}
