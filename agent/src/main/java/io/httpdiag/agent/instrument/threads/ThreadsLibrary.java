package io.httpdiag.agent.instrument.threads;

import io.httpdiag.agent.instrument.AgentBuilders;
import io.httpdiag.agent.instrument.Library;
import io.httpdiag.agent.runtime.Config;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * {@code Thread.start}, for the thread-leak detector: only with it on and with an HTTP library
 * instrumented (threads are attributed to exchanges and handlers). Never a first use: {@code Thread}
 * is loaded long before; it is retransformed when the first thread scope opens.
 */
public final class ThreadsLibrary implements Library {
  @Override
  public boolean enabled(Config config) {
    return config.detectThreads && (config.instrumentCore || config.instrumentJdk);
  }

  @Override
  public boolean firstUse(String internalName) {
    return false;
  }

  @Override
  public AgentBuilder builder(Config config, ClassFileLocator agentJar) {
    return AgentBuilders.agentBuilder()
        .type(ThreadInstrumentation.type())
        .transform((builder, type, loader, module, domain) -> ThreadInstrumentation.apply(builder, agentJar));
  }
}
