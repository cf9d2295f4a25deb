package io.httpdiag.agent.instrument;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.none;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.httpdiag.agent.runtime.Counters;
import java.io.File;
import java.lang.instrument.ClassFileTransformer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.pool.TypePool;

/**
 * Loads ByteBuddy ahead of the application's first HTTP use, on a daemon thread started with the
 * agent (first thing in the wiring): it builds an agent builder with the libraries' settings and
 * transforms a sample class of ours with three advice classes that bind what the libraries' advice
 * binds (arguments, this, a field, the return value, what enter returned, the throwable; on a static
 * method, an instance method and a constructor; the advice named by class and by type-pool
 * description), the same path every library's instrumentation takes, and throws the result away. About a third of the
 * first-use pause was loading and linking ByteBuddy's classes (about 1,000; JFR's execution samples
 * see little of it): once they are loaded, the first use only builds the libraries' advice and
 * transforms their classes. Nothing is registered and no library is looked at here, so what the libraries decide
 * when first used (hooks present, warnings) is unchanged. A first use that comes before the warm-up
 * ends waits for it (see {@link #await}).
 */
final class WarmUp {
  /**
   * A first use waits at most this long for a warm-up still running rather than initialize
   * ByteBuddy's classes beside it: two threads initializing classes whose static initializers refer
   * to each other can deadlock. Bounded, in case the first use holds a class initialization the
   * warm-up needs.
   */
  private static final long MAX_WAIT_MILLIS = 10_000;
  private final CountDownLatch done = new CountDownLatch(1);

  private WarmUp() {}

  /** Starts the warm-up thread. */
  static WarmUp start(String jarPath) {
    WarmUp w = new WarmUp();
    Thread t = new Thread(() -> {
      try {
        run(jarPath);
      } finally {
        w.done.countDown();
      }
    }, "httpdiag-warmup");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
    return w;
  }

  /**
   * Runs {@code task} on a daemon thread named {@code name} started from this class, whose frames the
   * thread tracker knows as the agent's (never the application's thread). If the thread cannot
   * start, {@code task} is left to its other caller (see {@link Instrumenter#beforeFirstThreadScope}).
   */
  static void inBackground(Runnable task, String name) {
    try {
      Thread t = new Thread(task, name);
      t.setDaemon(true);
      t.start();
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Waits for the warm-up to end (at most {@link #MAX_WAIT_MILLIS}). */
  void await() {
    try {
      done.await(MAX_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the application's interrupt: keep it, go on
    }
  }

  /** Transforms {@link Target} once and discards the bytes. Never throws. */
  static boolean run(String jarPath) {
    try {
      return transformSample(ClassFileLocator.ForJarFile.of(new File(jarPath)));
    } catch (Throwable t) {
      Counters.failure(t);
      return false;
    }
  }

  /** Transforms {@link Target}, read through {@code jar} (the agent's classes), and discards the bytes; whether it was transformed. */
  static boolean transformSample(ClassFileLocator jar) {
    try {
      // The libraries' settings (AgentBuilders.agentBuilder), but not its listener, which counts, nor
      // its ignore matcher, which skips our package (Target is ours); their advice bindings and method
      // matchers, and both ways they name an advice (a class; a description from a type pool), so
      // that the first use finds the classes these need loaded.
      TypePool advicePool = TypePool.Default.of(new ClassFileLocator.Compound(jar,
          ClassFileLocator.ForClassLoader.of(ClassLoader.getPlatformClassLoader())));
      ClassFileTransformer raw = new AgentBuilder.Default()
          .disableClassFormatChanges()
          .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
          .with(AgentBuilder.RedefinitionStrategy.DiscoveryStrategy.Reiterating.INSTANCE)
          .with(AgentBuilder.TypeStrategy.Default.DECORATE)
          .with(new AgentBuilder.Listener.Adapter() { })
          .ignore(none())
          .type(named(Target.class.getName()))
          .transform((builder, type, loader, module, domain) -> builder
              .visit(Advice.to(TargetAdvice.class, jar).withExceptionHandler(AgentBuilders.countFailures())
                  .on(named("call").and(takesArguments(2)).and(isStatic())))
              .visit(Advice.to(advicePool.describe(InstanceAdvice.class.getName()).resolve(), jar)
                  .withExceptionHandler(AgentBuilders.countFailures()).on(named("run").and(not(isBridge()))))
              .visit(Advice.to(advicePool.describe(ConstructorAdvice.class.getName()).resolve(), jar)
                  .withExceptionHandler(AgentBuilders.countFailures()).on(isConstructor())))
          .makeRaw();
      String internalName = Target.class.getName().replace('.', '/');
      byte[] bytes = jar.locate(Target.class.getName()).resolve();
      // Not the Module overload: ByteBuddy's raw transformer resolves the module from the class name.
      return raw.transform(null, internalName, null, null, bytes) != null;
    } catch (Throwable t) {
      Counters.failure(t);
      return false;
    }
  }

  /** The sample class transformed by the warm-up; never loaded by it as a class. */
  static final class Target {
    private Object state;

    Target(Object state) {
      this.state = state;
    }

    static long call(Object o, long n) {
      return o == null ? n : n + 1;
    }

    Object run(Object next, int times) {
      Object before = state;
      state = next;
      return before;
    }
  }

  /** The bindings of the JDK client's advice: this, a field, every argument, what enter returned, the throwable. */
  static final class InstanceAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.FieldValue("state") Object state) {
      return state;
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.This Object self, @Advice.Enter Object before, @Advice.AllArguments Object[] args,
        @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object times, @Advice.Return Object result,
        @Advice.Thrown Throwable error) {
      if (error != null) Counters.failure(error);
    }
  }

  /** An advice on a constructor, as the libraries put on clients and exchanges. */
  static final class ConstructorAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object self, @Advice.Argument(0) Object state) {
      Counters.transformations.get();
    }
  }

  /** An advice shaped like the libraries': arguments, a primitive, the return value. */
  static final class TargetAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) Object o, @Advice.Argument(1) long n, @Advice.Return long result) {
      Counters.transformations.get(); // a call into the runtime, as every advice makes
    }
  }
}
