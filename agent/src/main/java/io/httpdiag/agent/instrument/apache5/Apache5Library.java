package io.httpdiag.agent.instrument.apache5;

import io.httpdiag.agent.instrument.AgentBuilders;
import io.httpdiag.agent.instrument.Library;
import io.httpdiag.agent.runtime.Config;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.pool.TypePool;

/**
 * Apache HttpClient 5 classic ({@code org.apache.hc.client5}, 5.1 to 5.6): the hooks of
 * {@link Apache5Hooks} on whichever class loader defines the library. The advice classes name
 * HttpClient types, so they are described through a type pool over the agent jar and that loader.
 */
public final class Apache5Library implements Library {
  /** One advice type pool per class loader that defines HttpClient 5 (usually one). */
  private static final Map<ClassLoader, TypePool> pools = new WeakHashMap<>();

  @Override
  public boolean enabled(Config config) {
    return true;
  }

  @Override
  public boolean firstUse(String internalName) {
    return internalName.startsWith("org/apache/hc/client5/");
  }

  @Override
  public AgentBuilder builder(Config config, ClassFileLocator agentJar) {
    return AgentBuilders.agentBuilder()
        .type(t -> Apache5Hooks.BY_TYPE.containsKey(t.getName()))
        .transform((builder, type, loader, module, domain) -> apply(builder, Apache5Hooks.present(type),
            pool(loader, agentJar), agentJar));
  }

  private static DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, List<Apache5Hooks.Hook> hooks,
      TypePool advicePool, ClassFileLocator agentJar) {
    for (Apache5Hooks.Hook h : hooks) {
      AsmVisitorWrapper w = Advice.to(advicePool.describe(h.advice).resolve(), agentJar)
          .withExceptionHandler(AgentBuilders.countFailures()).on(Apache5Hooks.method(h));
      builder = builder.visit(w);
    }
    return builder;
  }

  private static TypePool pool(ClassLoader loader, ClassFileLocator agentJar) {
    synchronized (pools) {
      return pools.computeIfAbsent(loader, l -> TypePool.Default.of(new ClassFileLocator.Compound(agentJar,
          l == null ? ClassFileLocator.ForClassLoader.ofBootLoader() : ClassFileLocator.ForClassLoader.of(l))));
    }
  }

  @Override
  public Runnable housekeeping() {
    return Apache5State::housekeeping;
  }
}
