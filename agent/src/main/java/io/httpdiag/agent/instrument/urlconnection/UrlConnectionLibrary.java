package io.httpdiag.agent.instrument.urlconnection;

import io.httpdiag.agent.instrument.AgentBuilders;
import io.httpdiag.agent.instrument.Library;
import io.httpdiag.agent.runtime.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * The JDK's {@code HttpURLConnection} ({@code sun.net.www.protocol.http}, java.base): on with the JDK
 * HttpClient ({@code instrument.jdk}), both being the JDK's. Only the hooks of
 * {@link UrlConnectionInstrumentation#HOOKS} present on this JDK are instrumented; the missing ones are
 * named in one warning line.
 *
 * <p>First use: the JDK loads {@code sun.net.www.protocol.http.HttpURLConnection} when an http(s)
 * URL is first opened (no JVM loads it at start-up), and its {@code HttpClient}, {@code KeepAliveCache}
 * and streams after it, so all are transformed as they load. Classes already loaded when the agent is
 * attached are retransformed ({@link AgentBuilders#agentBuilder()}).
 */
public final class UrlConnectionLibrary implements Library {
  @Override
  public boolean enabled(Config config) {
    return config.instrumentJdk;
  }

  @Override
  public boolean firstUse(String internalName) {
    return internalName.equals("sun/net/www/protocol/http/HttpURLConnection");
  }

  /** Null when no hook is present. */
  @Override
  public AgentBuilder builder(Config config, ClassFileLocator agentJar) {
    List<String> missing = new ArrayList<>();
    Map<String, List<UrlConnectionInstrumentation.Hook>> present =
        UrlConnectionInstrumentation.present(UrlConnectionInstrumentation.HOOKS, missing);
    if (!missing.isEmpty()) {
      System.err.println("httpdiag: warning: HttpURLConnection hooks not found on Java "
          + System.getProperty("java.version") + ", their events are not reported: " + String.join(", ", missing));
    }
    if (present.isEmpty()) return null;
    return AgentBuilders.agentBuilder()
        .type(UrlConnectionInstrumentation.type(present))
        .transform((builder, type, loader, module, domain) ->
            UrlConnectionInstrumentation.apply(builder, present.get(type.getName()), agentJar));
  }
}
