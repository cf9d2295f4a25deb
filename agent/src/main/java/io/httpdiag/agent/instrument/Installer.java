package io.httpdiag.agent.instrument;

import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

import io.httpdiag.agent.detect.Detectors;
import io.httpdiag.agent.report.Reporter;
import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.JdkClient;
import java.io.File;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.implementation.bytecode.member.MethodInvocation;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.utility.JavaModule;

/**
 * Installs the agent once the jar is on the bootstrap search path: parses the options, starts the
 * reporters, installs the instrumentations. Loaded by the bootstrap loader (see {@code Agent}), so
 * everything it touches resolves to the single boot copy. Never throws; prints at most one line.
 */
public final class Installer {
  private static volatile boolean installed;

  private Installer() {}

  /** Called reflectively by {@code Agent.premain}/{@code agentmain}. */
  public static synchronized void install(String agentArgs, Instrumentation inst, boolean dynamic, String jarPath) {
    try {
      if (installed) {
        System.err.println("httpdiag: agent already installed in this JVM; ignoring the new options " + agentArgs);
        return;
      }
      Config config;
      try {
        config = Config.parse(agentArgs, System.getProperties());
      } catch (IllegalArgumentException e) {
        System.err.println("httpdiag: " + e.getMessage() + "; agent disabled");
        return;
      }
      installed = true;
      Reporter reporter = Reporter.create(config);
      io.httpdiag.agent.Reconfigure.installed(reporter); // what a second attach may change (Agent calls Reconfigure)
      Detectors detectors = new Detectors(config, reporter);
      if (detectors.active()) {
        Events.install(config, detectors);
        detectors.startSweeper();
      } else {
        Events.install(config, reporter);
      }
      // Advice classes are read from the jar: the boot loader offers no class-file resources to ByteBuddy.
      String jar = jarPath;
      Config cfg = config;
      if (dynamic) {
        // Attached to a running JVM: the classes are loaded already; instrument now.
        for (AgentBuilder b : builders(cfg, jar)) b.installOn(inst);
      } else {
        // Started with the JVM: ByteBuddy is loaded only when the application first touches
        // core-transport or java.net.http. A JVM that never does HTTP pays for options and
        // reporters only (ByteBuddy alone is ~1,000 classes, about half a second here).
        FirstUse.arm(inst, cfg, jar);
      }
    } catch (Throwable t) {
      Throwable root = t;
      while (root.getCause() != null) root = root.getCause();
      StackTraceElement[] where = root.getStackTrace();
      System.err.println("httpdiag: agent failed to start: " + t + (root != t ? " caused by " + root : "")
          + (where.length > 0 ? " at " + where[0] : "") + "; agent disabled");
    }
  }

  /** The agent builders for this configuration, in the order they transform a class. */
  static List<AgentBuilder> builders(Config config, String jarPath) throws java.io.IOException {
    ClassFileLocator locator = ClassFileLocator.ForJarFile.of(new File(jarPath));
    List<AgentBuilder> builders = new ArrayList<>();
    if (config.instrumentJdk) {
      AgentBuilder jdk = jdk(locator);
      if (jdk != null) builders.add(jdk);
    }
    if (config.detectThreads && (config.instrumentCore || config.instrumentJdk)) {
      builders.add(agentBuilder()
          .type(ThreadInstrumentation.type())
          .transform((builder, type, loader, module, domain) -> ThreadInstrumentation.apply(builder, locator)));
    }
    if (config.instrumentCore) {
      builders.add(agentBuilder()
          .type(CoreTransportInstrumentation.type())
          .transform((builder, type, loader, module, domain) -> CoreTransportInstrumentation.apply(builder, locator)));
    }
    return builders;
  }

  /** ByteBuddy's transformer for {@code builder}, not registered: {@link FirstUse} calls it. */
  static java.lang.instrument.ClassFileTransformer raw(Object builder) {
    return ((AgentBuilder) builder).makeRaw();
  }

  /**
   * Instruments the JDK HttpClient: only the hooks present on this JDK; the missing ones are named in
   * one warning line. Null when java.net.http is not in the runtime image or no hook is present.
   */
  private static AgentBuilder jdk(ClassFileLocator jar) {
    if (!ModuleLayer.boot().findModule("java.net.http").isPresent()) return null;
    List<String> missing = new ArrayList<>();
    // Diagnosis aid (undocumented): -Dhttpdiag.test.jdk.skip=AdviceName,... leaves those hooks out.
    List<String> skip = List.of(System.getProperty("httpdiag.test.jdk.skip", "").split(","));
    Map<String, List<JdkHttpClientInstrumentation.Hook>> hooks =
        JdkHttpClientInstrumentation.present(JdkHttpClientInstrumentation.HOOKS.stream()
            .filter(h -> !skip.contains(h.advice.substring(h.advice.indexOf('$') + 1)))
            .collect(java.util.stream.Collectors.toList()), missing);
    Counters.jdkHooksMissing = missing.size();
    if (!missing.isEmpty()) {
      System.err.println("httpdiag: warning: JDK HttpClient hooks not found on Java " + System.getProperty("java.version")
          + ", their events are not reported: " + String.join(", ", missing));
    }
    if (hooks.isEmpty()) return null;
    // Without the JDK's generic body wrapper (17.0.15), HTTP/2 bodies are not observed: end at stream close.
    JdkClient.h2BodyObserved = hooks.containsKey("jdk.internal.net.http.common.HttpBodySubscriberWrapper");
    TypePool advicePool = TypePool.Default.of(new ClassFileLocator.Compound(jar,
        ClassFileLocator.ForClassLoader.of(ClassLoader.getPlatformClassLoader()), ClassFileLocator.ForClassLoader.ofSystemLoader()));
    return agentBuilder()
        .type(JdkHttpClientInstrumentation.type(hooks))
        .transform((builder, type, loader, module, domain) -> {
          Counters.jdkClassesTransformed.incrementAndGet();
          return JdkHttpClientInstrumentation.apply(builder, hooks.get(type.getName()), advicePool, jar);
        });
  }

  /**
   * The exception handler of every advice ({@code suppress = Throwable.class}): instead of dropping
   * what advice code throws (unpacking an unexpected JDK value, a bug of ours), count it through
   * {@link Counters#failure}, which also reports the first one. The application never sees it.
   */
  static Advice.ExceptionHandler countFailures() {
    try {
      return new Advice.ExceptionHandler.Simple(MethodInvocation.invoke(
          new MethodDescription.ForLoadedMethod(Counters.class.getMethod("failure", Throwable.class))));
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("Counters.failure(Throwable) is missing", e);
    }
  }

  /** Whether {@link #install} succeeded in this JVM. */
  public static boolean isInstalled() {
    return installed;
  }

  private static AgentBuilder agentBuilder() {
    // The default ignore() skips boot and platform classes; the JDK HttpClient lives there, so replace
    // it, but keep away from method handles, ourselves and ByteBuddy (relocated into our package).
    return new AgentBuilder.Default()
        .disableClassFormatChanges()
        .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
        .with(AgentBuilder.RedefinitionStrategy.DiscoveryStrategy.Reiterating.INSTANCE)
        .with(new CountingListener())
        .ignore(nameStartsWith("java.lang.invoke.")
            .or(nameStartsWith("io.httpdiag.agent."))
            .or(nameStartsWith("net.bytebuddy."))
            .or(nameStartsWith("jdk.internal.reflect."))
            .or(nameStartsWith("sun.reflect."))
            .or(isSynthetic()));
  }

  /** Counts applied transformations and errors into {@link Counters}; tests fail on any error. */
  static final class CountingListener extends AgentBuilder.Listener.Adapter {
    @Override
    public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
        DynamicType dynamicType) {
      Counters.transformations.incrementAndGet();
      if (CoreTransportInstrumentation.TRACE_CLASS.equals(type.getName())) Counters.traceTransformed = true;
    }

    @Override
    public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable error) {
      Counters.transformationErrors.incrementAndGet();
      Counters.failure(error);
    }
  }
}
