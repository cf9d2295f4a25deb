package io.httpdiag.agent.instrument;

import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.Counters;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * Installs the instrumentation of the enabled {@link Libraries}: at once when attached to a running
 * JVM ({@link #installNow}), else on first use ({@link #onFirstUse}).
 *
 * <p>On first use it is the agent's only registered transformer. Until the application first
 * loads a class of one of the libraries it does nothing but compare a name prefix (ByteBuddy is
 * loaded meanwhile in the background, see {@link WarmUp}). On that first class it builds the
 * instrumentation (in the loading thread, once), transforms that class too, and from then on hands every class to ByteBuddy's transformers; {@code Thread} is retransformed
 * when the first thread scope opens. Never throws into the JVM.
 *
 * <p>Why not register ByteBuddy's transformers at that moment: a transformer added while a class is
 * being loaded is not called for that class, and two registrations racing with a class load would
 * transform it twice. Delegating from one registered transformer has neither problem.
 */
public final class Instrumenter implements ClassFileTransformer {
  private final Instrumentation inst;
  private final Config config;
  private final String jarPath;
  private final List<Library> libraries;
  /** Runs once, when the first HTTP library class is seen (first-use mode) or at once (attach); never blocks. */
  private final Runnable onFirstHttpUse;
  private volatile List<ClassFileTransformer> delegates; // null until the first use
  private volatile WarmUp warmUp; // null when attached
  /** Thread still needs retransforming (first-use mode with the threads library on). */
  private volatile boolean threadsPending;

  public Instrumenter(Instrumentation inst, Config config, String jarPath) {
    this(inst, config, jarPath, () -> { });
  }

  /**
   * {@code onFirstHttpUse} runs once, in the thread that first loads a class of an enabled library
   * (while that class is being loaded: it must not block or load classes of its own), or at once
   * on {@link #installNow}: what the agent defers until the application does HTTP (the MBean).
   */
  public Instrumenter(Instrumentation inst, Config config, String jarPath, Runnable onFirstHttpUse) {
    this.inst = inst;
    this.config = config;
    this.jarPath = jarPath;
    this.libraries = Libraries.enabled(config);
    this.onFirstHttpUse = onFirstHttpUse;
  }

  /** Attached to a running JVM: the classes are loaded already; instrument now (retransforming them). */
  public void installNow() throws Exception {
    for (AgentBuilder b : Libraries.builders(config, jarPath)) b.installOn(inst);
    onFirstHttpUse.run();
  }

  /**
   * Started with the JVM: the instrumentation is built only when the application first touches one
   * of the libraries. ByteBuddy's own classes (about 1,000; a third of the first-use pause) are
   * loaded meanwhile by {@link WarmUp}'s daemon thread, so the first HTTP use does not wait for them;
   * a JVM that never does HTTP spends that CPU (about 0.15 s) once, in the background.
   */
  public void onFirstUse() {
    if (!config.instrumentCore && !config.instrumentJdk && !config.instrumentOkHttp) return;
    inst.addTransformer(this, true);
    warmUp = WarmUp.start(jarPath);
  }

  /**
   * Handed to the runtime at wiring time: the first thread scope to open calls it, once, before the
   * code in that scope can start a thread (see {@link #install}).
   */
  public void beforeFirstThreadScope() {
    if (threadsPending) {
      threadsPending = false;
      retransformThreads();
    }
  }

  private boolean trigger(String internalName) {
    for (Library l : libraries) {
      if (l.firstUse(internalName)) return true;
    }
    return false;
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
    WarmUp w = warmUp;
    if (w != null) w.await();
    List<ClassFileTransformer> built = new ArrayList<>();
    for (AgentBuilder b : Libraries.builders(config, jarPath)) built.add(AgentBuilders.raw(b));
    // Thread was loaded long before and needs retransforming, which cannot happen here: classes
    // loaded or retransformed while a transformer runs are not given to transformers again. The
    // first handler or client exchange to open a thread scope does it, before any thread it
    // could start: threads started outside scopes are of no interest to the detector.
    threadsPending = config.detectThreads;
    delegates = built;
    onFirstHttpUse.run();
    return built;
  }
}
