package io.httpdiag.agent.instrument.tomcat;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.httpdiag.agent.instrument.AdviceByName;
import io.httpdiag.agent.instrument.AdviceByName.Hook;
import io.httpdiag.agent.instrument.Library;
import io.httpdiag.agent.runtime.Config;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * Embedded Tomcat 10.1 and 11 (the servlet container of Spring Boot 3 and 4), HTTP/1.1 over the NIO
 * connector (Tomcat's default): the hooks below, advised by {@link TomcatAdvice}, report through
 * {@link TomcatExchanges}. Not seen: HTTP/2 streams (their exchanges have no connection), the NIO2
 * and APR connectors' accept and close (their exchanges are seen, on a connection first met when
 * its first request is processed), AJP.
 */
public final class TomcatLibrary implements Library {
  private static final String ADVICE = TomcatLibrary.class.getPackageName() + ".TomcatAdvice$";
  private static final String WRAPPER = "org.apache.tomcat.util.net.NioEndpoint$NioSocketWrapper";
  private static final String ADAPTER = "org.apache.catalina.connector.CoyoteAdapter";

  /** What is advised, where. */
  static final List<Hook> HOOKS = List.of(
      new Hook("org.apache.tomcat.util.net.NioEndpoint",
          named("setSocketOptions").and(takesArgument(0, named("java.nio.channels.SocketChannel"))),
          ADVICE + "ConnAccepted"),
      new Hook(WRAPPER, named("doClose").and(takesArguments(0)), ADVICE + "ConnClosed"),
      new Hook("org.apache.coyote.http11.Http11Processor", named("service").and(takesArguments(1)),
          ADVICE + "ProcessorService"),
      new Hook(ADAPTER, named("service").and(takesArguments(2)), ADVICE + "AdapterService"),
      new Hook(ADAPTER, named("asyncDispatch").and(takesArguments(3)), ADVICE + "AdapterAsyncDispatch"),
      new Hook("org.apache.coyote.Response", named("setCommitted").and(takesArguments(boolean.class)),
          ADVICE + "Committed"),
      new Hook("org.apache.catalina.connector.Connector", named("startInternal").and(takesArguments(0)),
          ADVICE + "ConnectorStarted"));

  @Override
  public boolean enabled(Config config) {
    return config.instrumentTomcat;
  }

  @Override
  public boolean firstUse(String internalName) {
    return internalName.startsWith("org/apache/catalina/") || internalName.startsWith("org/apache/coyote/");
  }

  @Override
  public AgentBuilder builder(Config config, ClassFileLocator agentJar) {
    return AdviceByName.builder(HOOKS, agentJar);
  }
}
