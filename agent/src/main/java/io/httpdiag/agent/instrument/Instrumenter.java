package io.httpdiag.agent.instrument;

import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.Counters;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * Installs the instrumentation of the enabled {@link Libraries}: at once when attached to a running
 * JVM ({@link #installNow}), else on first use ({@link #onFirstUse}).
 *
 * <p>On first use it is the agent's only registered transformer. Until the application first
 * loads a class of one of the libraries it does nothing but compare a name prefix (ByteBuddy is
 * loaded meanwhile in the background, see {@link WarmUp}). On that first class it builds the
 * instrumentation (in the loading thread, once), transforms that class too, and from then on hands every class to ByteBuddy's transformers; {@code Thread} is retransformed
 * at once on a thread of ours, and the first thread scope waits for it. Never throws into the JVM.
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
  /** Someone has begun retransforming Thread; {@link #threadsRetransformed} opens when it is done. */
  private final AtomicBoolean threadsClaimed = new AtomicBoolean();
  private final CountDownLatch threadsRetransformed = new CountDownLatch(1);
  /**
   * The first thread scope waits at most this long for the background retransformation of Thread
   * (tens of ms; bounded in case the scope's thread holds something the retransformation needs).
   */
  private static final long MAX_THREADS_WAIT_MILLIS = 10_000;

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
    if (!firstUseMode()) return;
    startWarmUp();
    inst.addTransformer(this, true);
  }

  /**
   * Starts {@link WarmUp}'s thread, once, if {@link #onFirstUse} will register: the wiring calls it
   * before anything else, so that ByteBuddy loads while the rest of the agent is being built.
   */
  public synchronized void startWarmUp() {
    if (warmUp == null && firstUseMode()) warmUp = WarmUp.start(jarPath);
  }

  private boolean firstUseMode() {
    return config.instrumentCore || config.instrumentJdk || config.instrumentOkHttp;
  }

  /**
   * Handed to the runtime at wiring time: the first thread scope to open calls it, once, before the
   * code in that scope can start a thread (see {@link #install}).
   */
  public void beforeFirstThreadScope() {
    if (threadsPending) {
      threadsPending = false;
      retransformThreadsOnce(); // the background retransformation, if it has not begun yet
      try {
        threadsRetransformed.await(MAX_THREADS_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the application's interrupt: keep it, go on
      }
    }
  }

  /** Retransforms {@code Thread}: in whichever thread comes first, once; the other waits for it. */
  private void retransformThreadsOnce() {
    if (!threadsClaimed.compareAndSet(false, true)) return;
    try {
      retransformThreads();
    } finally {
      threadsRetransformed.countDown();
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
    // loaded or retransformed while a transformer runs are not given to transformers again. A
    // thread of ours does it at once, beside the rest of the first use (tens of ms of ByteBuddy
    // describing Thread, which used to be paid inside the application's first request); the first
    // handler or client exchange to open a thread scope waits for it (or does it, if that thread
    // could not start), before any thread it could start: threads started outside scopes are of
    // no interest to the detector.
    threadsPending = config.detectThreads;
    delegates = built;
    if (config.detectThreads) WarmUp.inBackground(this::retransformThreadsOnce, "httpdiag-instrument-threads");
    onFirstHttpUse.run();
    return built;
  }
}
