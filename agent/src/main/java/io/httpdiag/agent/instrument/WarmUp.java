package io.httpdiag.agent.instrument;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.none;

import io.httpdiag.agent.runtime.Counters;
import java.io.File;
import java.lang.instrument.ClassFileTransformer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * Loads ByteBuddy ahead of the application's first HTTP use, on a daemon thread started with the
 * agent: it builds an agent builder and transforms a sample class of ours with one advice, the same
 * path every library's instrumentation takes, and throws the result away. About a third of the
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
      ClassFileLocator jar = ClassFileLocator.ForJarFile.of(new File(jarPath));
      // Not agentBuilder(): it ignores our own package, and Target is ours.
      ClassFileTransformer raw = new AgentBuilder.Default()
          .disableClassFormatChanges()
          .with(AgentBuilder.TypeStrategy.Default.DECORATE)
          .ignore(none())
          .type(named(Target.class.getName()))
          .transform((builder, type, loader, module, domain) -> builder.visit(
              Advice.to(TargetAdvice.class, jar).withExceptionHandler(AgentBuilders.countFailures()).on(named("call"))))
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
    static long call(Object o, long n) {
      return o == null ? n : n + 1;
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
