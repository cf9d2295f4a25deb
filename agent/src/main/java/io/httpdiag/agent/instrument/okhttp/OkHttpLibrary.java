package io.httpdiag.agent.instrument.okhttp;

import io.httpdiag.agent.instrument.AgentBuilders;
import io.httpdiag.agent.instrument.Library;
import io.httpdiag.agent.runtime.Config;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.pool.TypePool;

/**
 * OkHttp 4.12 and 5.x ({@code okhttp3}), in whatever class loader the application loads it: the
 * advice ({@link OkHttpInstrumentation}) is resolved, per class loader, through a type pool over the
 * agent jar and that loader, so the OkHttp types it names are the application's. The hooks of
 * {@link OkHttpHooks} missing from a loader's OkHttp are named in one warning line per loader.
 */
public final class OkHttpLibrary implements Library {
  @Override
  public boolean enabled(Config config) {
    return config.instrumentOkHttp;
  }

  @Override
  public boolean firstUse(String internalName) {
    return internalName.startsWith("okhttp3/");
  }

  @Override
  public AgentBuilder builder(Config config, ClassFileLocator agentJar) {
    Pools pools = new Pools(agentJar);
    return AgentBuilders.agentBuilder()
        .type(t -> OkHttpHooks.BY_TYPE.containsKey(t.getName()))
        .transform((builder, type, loader, module, domain) -> pools.apply(builder, type, loader));
  }

  @Override
  public Runnable housekeeping() {
    return () -> {
      OkHttpCalls.expunge();
      OkHttpConnections.expunge();
      OkHttpClients.expunge();
    };
  }

  /** The advice type pools, one per class loader that defines OkHttp (weakly: an unloaded loader goes). */
  static final class Pools {
    private final ClassFileLocator agentJar;
    private final Map<ClassLoader, TypePool> byLoader = new WeakHashMap<>(); // guarded by this
    private TypePool bootPool; // guarded by this

    Pools(ClassFileLocator agentJar) {
      this.agentJar = agentJar;
    }

    DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, TypeDescription type, ClassLoader loader) {
      TypePool pool = pool(loader);
      for (OkHttpHooks.Hook h : OkHttpHooks.BY_TYPE.get(type.getName())) {
        if (!OkHttpHooks.declares(type, h)) continue; // the other version's hook, or missing (warned)
        builder = builder.visit(Advice.to(pool.describe(h.advice).resolve(), agentJar)
            .withExceptionHandler(AgentBuilders.countFailures()).on(OkHttpHooks.method(h)));
      }
      return builder;
    }

    /** The loader's pool; the first time, checks every hook against its OkHttp and warns once about missing ones. */
    private synchronized TypePool pool(ClassLoader loader) {
      TypePool pool = loader == null ? bootPool : byLoader.get(loader);
      if (pool != null) return pool;
      ClassFileLocator okhttp = loader == null ? ClassFileLocator.ForClassLoader.ofBootLoader()
          : ClassFileLocator.ForClassLoader.of(loader);
      pool = TypePool.Default.of(new ClassFileLocator.Compound(agentJar, okhttp));
      if (loader == null) bootPool = pool;
      else byLoader.put(loader, pool);
      List<String> missing = OkHttpHooks.missing(OkHttpHooks.HOOKS, TypePool.Default.of(okhttp));
      if (!missing.isEmpty()) {
        System.err.println("httpdiag: warning: OkHttp hooks not found, their events are not reported: "
            + String.join(", ", missing));
      }
      return pool;
    }
  }
}
