package io.httpdiag.agent.instrument.core;

import io.httpdiag.agent.instrument.AgentBuilders;
import io.httpdiag.agent.instrument.Library;
import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.Counters;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.utility.JavaModule;

/** core-transport ({@code io.httpdiag.http}): its tracepoint class, advised by {@link CoreTransportInstrumentation}. */
public final class CoreTransportLibrary implements Library {
  @Override
  public boolean enabled(Config config) {
    return config.instrumentCore;
  }

  @Override
  public boolean firstUse(String internalName) {
    return internalName.startsWith("io/httpdiag/http/");
  }

  @Override
  public AgentBuilder builder(Config config, ClassFileLocator agentJar) {
    return AgentBuilders.agentBuilder()
        .with(new AgentBuilder.Listener.Adapter() {
          @Override
          public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
              DynamicType dynamicType) {
            Counters.traceTransformed();
          }
        })
        .type(CoreTransportInstrumentation.type())
        .transform((builder, type, loader, module, domain) -> CoreTransportInstrumentation.apply(builder, agentJar));
  }
}
