package io.httpdiag.agent.instrument.apache4;

import io.httpdiag.agent.instrument.AgentBuilders;
import io.httpdiag.agent.instrument.Library;
import io.httpdiag.agent.runtime.Config;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;

/**
 * Apache HttpClient 4.5 classic ({@code org.apache.http}, HttpCore 4.4): the hooks of {@link Apache4Hooks}
 * in whichever class loader defines HC4. The first time HC4's classes are transformed, the hooks are
 * checked against that loader's class files and the missing ones named in one warning line; a hook
 * whose method is missing simply matches nothing.
 */
public final class Apache4Library implements Library {
  private static final Map<String, List<Apache4Hooks.Hook>> BY_TYPE = Apache4Hooks.byType(Apache4Hooks.HOOKS);
  private static final AtomicBoolean checked = new AtomicBoolean();

  /** Always: HC4 is instrumented wherever it is used (no option turns it off yet). */
  @Override
  public boolean enabled(Config config) {
    return true;
  }

  @Override
  public boolean firstUse(String internalName) {
    return internalName.startsWith("org/apache/http/");
  }

  @Override
  public AgentBuilder builder(Config config, ClassFileLocator agentJar) {
    return AgentBuilders.agentBuilder()
        .type(t -> BY_TYPE.containsKey(t.getName()))
        .transform((builder, type, loader, module, domain) -> {
          TypePool advicePool = TypePool.Default.of(new ClassFileLocator.Compound(agentJar,
              loader == null ? ClassFileLocator.ForClassLoader.ofBootLoader() : ClassFileLocator.ForClassLoader.of(loader)));
          if (checked.compareAndSet(false, true)) warnMissing(advicePool);
          return Apache4Instrumentation.apply(builder, BY_TYPE.get(type.getName()), advicePool, agentJar);
        });
  }

  @Override
  public Runnable housekeeping() {
    return Apache4Clients::pollCollectedClients;
  }

  private static void warnMissing(TypePool pool) {
    List<String> missing = Apache4Hooks.missing(Apache4Hooks.HOOKS, pool);
    if (!missing.isEmpty()) {
      System.err.println("httpdiag: warning: Apache HttpClient 4 hooks not found, their events are not reported: "
          + String.join(", ", missing));
    }
  }
}
