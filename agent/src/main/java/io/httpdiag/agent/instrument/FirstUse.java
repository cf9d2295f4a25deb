package io.httpdiag.agent.instrument;

import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.ThreadTracker;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's only registered transformer when it starts with the JVM. Until the application first
 * loads a class of core-transport or of java.net.http it does nothing but compare a name prefix, and
 * ByteBuddy is not loaded at all. On that first class it builds the instrumentation (in the loading
 * thread, once), transforms that class too,
 * and from then on hands every class to ByteBuddy's transformers; {@code Thread} is retransformed
 * when the first thread scope opens. Never throws into the JVM.
 *
 * <p>Why not register ByteBuddy's transformers at that moment: a transformer added while a class is
 * being loaded is not called for that class, and two registrations racing with a class load would
 * transform it twice. Delegating from one registered transformer has neither problem.
 */
final class FirstUse implements ClassFileTransformer {
  private final Instrumentation inst;
  private final Config config;
  private final String jarPath;
  private volatile List<ClassFileTransformer> delegates; // null until the first use

  private FirstUse(Instrumentation inst, Config config, String jarPath) {
    this.inst = inst;
    this.config = config;
    this.jarPath = jarPath;
  }

  static void arm(Instrumentation inst, Config config, String jarPath) {
    if (!config.instrumentCore && !config.instrumentJdk) return;
    inst.addTransformer(new FirstUse(inst, config, jarPath), true);
  }

  private boolean trigger(String internalName) {
    return config.instrumentCore && internalName.startsWith("io/httpdiag/http/")
        || config.instrumentJdk && (internalName.startsWith("java/net/http/") || internalName.startsWith("jdk/internal/net/http/"));
  }

  @Override
  public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefining, ProtectionDomain domain,
      byte[] bytes) {
    try {
      List<ClassFileTransformer> d = delegates;
      if (d == null) {
        if (name == null || !trigger(name)) return null;
        d = install();
      }
      byte[] current = bytes;
      boolean changed = false;
      for (ClassFileTransformer t : d) {
        byte[] out = t.transform(module, loader, name, redefining, domain, current);
        if (out != null) {
          current = out;
          changed = true;
        }
      }
      return changed ? current : null;
    } catch (Throwable t) {
      Counters.failure(t);
      return null;
    }
  }

  private void retransformThreads() {
    List<Class<?>> threads = new ArrayList<>(List.of(Thread.class));
    try {
      threads.add(Class.forName("java.lang.VirtualThread", false, null));
    } catch (ClassNotFoundException e) {
      // JDK 17: no virtual threads
    }
    try {
      inst.retransformClasses(threads.toArray(new Class<?>[0]));
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private synchronized List<ClassFileTransformer> install() throws Exception {
    if (delegates != null) return delegates; // another thread's first use won
    List<ClassFileTransformer> built = new ArrayList<>();
    for (Object b : Installer.builders(config, jarPath)) built.add(Installer.raw(b));
    delegates = built;
    if (config.detectThreads) {
      // Thread was loaded long before and needs retransforming, which cannot happen here: classes
      // loaded or retransformed while a transformer runs are not given to transformers again. The
      // first handler or client exchange to open a thread scope does it, before any thread it
      // could start: threads started outside scopes are of no interest to the detector.
      ThreadTracker.beforeFirstScope = this::retransformThreads;
    }
    return built;
  }
}
