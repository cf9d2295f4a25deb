package io.httpdiag.agent.instrument.jetty;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.httpdiag.agent.instrument.AdviceByName;
import io.httpdiag.agent.instrument.AdviceByName.Hook;
import io.httpdiag.agent.instrument.Library;
import io.httpdiag.agent.runtime.Config;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * Jetty 12.0 (Spring Boot 3.5's) and 12.1 (core {@code Handler}s, and ee10 servlets, which run inside them), HTTP/1.1: the hooks
 * below, advised by {@link JettyAdvice}, report through {@link JettyExchanges}. HTTP/2 exchanges go
 * through the same channel and are seen; their connections are first met at their first request.
 */
public final class JettyLibrary implements Library {
  private static final String ADVICE = JettyLibrary.class.getPackageName() + ".JettyAdvice$";
  private static final String CHANNEL = "org.eclipse.jetty.server.internal.HttpChannelState";

  /** What is advised, where. */
  static final List<Hook> HOOKS = List.of(
      new Hook("org.eclipse.jetty.server.internal.HttpConnection", named("onOpen").and(takesArguments(0)),
          ADVICE + "ConnOpened"),
      new Hook("org.eclipse.jetty.io.AbstractConnection", named("onClose").and(takesArguments(1)),
          ADVICE + "ConnClosed"),
      new Hook(CHANNEL + "$HandlerInvoker", named("run").and(takesArguments(0)), ADVICE + "HandlerInvoked"),
      new Hook(CHANNEL + "$ChannelResponse", named("lockedPrepareResponse").and(takesArguments(2)),
          ADVICE + "Committed"),
      // Where the stream completes moved between 12.0 (the handler invoker) and 12.1 (the channel).
      new Hook(CHANNEL, named("completeStream").and(takesArguments(2)), ADVICE + "StreamCompleted"),
      new Hook(CHANNEL + "$HandlerInvoker", named("completeStream").and(takesArguments(2)),
          ADVICE + "InvokerStreamCompleted"),
      new Hook("org.eclipse.jetty.server.AbstractConnector", named("doStart").and(takesArguments(0)),
          ADVICE + "ConnectorStarted"));

  @Override
  public boolean enabled(Config config) {
    return config.instrumentJetty;
  }

  @Override
  public boolean firstUse(String internalName) {
    return internalName.startsWith("org/eclipse/jetty/server/");
  }

  @Override
  public AgentBuilder builder(Config config, ClassFileLocator agentJar) {
    return AdviceByName.builder(HOOKS, agentJar);
  }
}
