package io.httpdiag.agent.instrument;

import io.httpdiag.agent.instrument.apache4.Apache4Library;
import io.httpdiag.agent.instrument.apache5.Apache5Library;
import io.httpdiag.agent.instrument.core.CoreTransportLibrary;
import io.httpdiag.agent.instrument.jdk.JdkHttpClientLibrary;
import io.httpdiag.agent.instrument.jetty.JettyLibrary;
import io.httpdiag.agent.instrument.okhttp.OkHttpLibrary;
import io.httpdiag.agent.instrument.threads.ThreadsLibrary;
import io.httpdiag.agent.instrument.tomcat.TomcatLibrary;
import io.httpdiag.agent.instrument.urlconnection.UrlConnectionLibrary;
import io.httpdiag.agent.runtime.Config;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.ClassFileLocator;

/** The instrumented libraries. Adding one: a new package under {@code instrument} and one line here. */
public final class Libraries {
  /** In the order they transform a class. */
  public static final List<Library> ALL = List.of(
      new JdkHttpClientLibrary(),
      new ThreadsLibrary(),
      new CoreTransportLibrary(),
      new UrlConnectionLibrary(),
      new Apache5Library(),
      new OkHttpLibrary(),
      new Apache4Library(),
      new TomcatLibrary(),
      new JettyLibrary());

  private Libraries() {}

  /** The libraries {@code config} turns on. */
  public static List<Library> enabled(Config config) {
    List<Library> on = new ArrayList<>();
    for (Library l : ALL) {
      if (l.enabled(config)) on.add(l);
    }
    return on;
  }

  /** The agent builders of the enabled libraries, in order; libraries absent from this JVM have none. */
  static List<AgentBuilder> builders(Config config, String jarPath) throws Exception {
    ClassFileLocator locator = ClassFileLocator.ForJarFile.of(new File(jarPath));
    List<AgentBuilder> builders = new ArrayList<>();
    for (Library l : enabled(config)) {
      AgentBuilder b = l.builder(config, locator);
      if (b != null) builders.add(b);
    }
    return builders;
  }
}
