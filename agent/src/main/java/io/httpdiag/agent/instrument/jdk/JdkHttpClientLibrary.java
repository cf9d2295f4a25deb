package io.httpdiag.agent.instrument.jdk;

import io.httpdiag.agent.instrument.AgentBuilders;
import io.httpdiag.agent.instrument.Library;
import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.Counters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;

/**
 * The JDK HttpClient ({@code java.net.http}): only the hooks of {@link JdkHooks} present on this JDK
 * are instrumented; the missing ones are named in one warning line.
 */
public final class JdkHttpClientLibrary implements Library {
  /**
   * Which JDK classes exist beyond their class files: all. Package-private and read once, when the
   * library is first used, so that the fault-safety test can stand in a JDK that lacks one (it sets
   * this from a test class on the boot path before the first use; see JdkFaultSeams in the tests).
   */
  static java.util.function.Predicate<String> jdkHas = name -> true;

  @Override
  public boolean enabled(Config config) {
    return config.instrumentJdk;
  }

  @Override
  public boolean firstUse(String internalName) {
    return internalName.startsWith("java/net/http/") || internalName.startsWith("jdk/internal/net/http/");
  }

  /** Null when java.net.http is not in the runtime image or no hook is present. */
  @Override
  public AgentBuilder builder(Config config, ClassFileLocator agentJar) {
    if (!ModuleLayer.boot().findModule("java.net.http").isPresent()) return null;
    List<String> missing = new ArrayList<>();
    Map<String, List<JdkHooks.Hook>> present = JdkHooks.present(JdkHooks.HOOKS, missing, jdkHas);
    Counters.jdkHooksMissing(missing.size());
    if (!missing.isEmpty()) {
      System.err.println("httpdiag: warning: JDK HttpClient hooks not found on Java "
          + System.getProperty("java.version") + ", their events are not reported: " + String.join(", ", missing));
    }
    if (present.isEmpty()) return null;
    // Without the JDK's generic body wrapper (17.0.15), HTTP/2 bodies are not observed: end at stream close.
    JdkState.h2BodyObserved = present.containsKey("jdk.internal.net.http.common.HttpBodySubscriberWrapper");
    TypePool advicePool = TypePool.Default.of(new ClassFileLocator.Compound(agentJar,
        ClassFileLocator.ForClassLoader.of(ClassLoader.getPlatformClassLoader()),
        ClassFileLocator.ForClassLoader.ofSystemLoader()));
    return AgentBuilders.agentBuilder()
        .type(JdkHttpClientInstrumentation.type(present))
        .transform((builder, type, loader, module, domain) -> {
          Counters.jdkClassesTransformed.incrementAndGet();
          return JdkHttpClientInstrumentation.apply(builder, present.get(type.getName()), advicePool, agentJar);
        });
  }

  @Override
  public Runnable housekeeping() {
    return JdkState::housekeeping;
  }
}
