package io.httpdiag.agent.instrument.threads;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.httpdiag.agent.instrument.AgentBuilders;
import io.httpdiag.agent.runtime.ThreadTracker;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code Thread.start()} and the JDK 21+ {@code start(ThreadContainer)} used by executors and
 * virtual threads, on {@code java.lang.Thread} and {@code java.lang.VirtualThread}: tells
 * {@link ThreadTracker} a thread is starting. The advice is one static call; outside a handler the
 * tracker returns after one ThreadLocal read.
 */
public final class ThreadInstrumentation {
  private ThreadInstrumentation() {}

  public static ElementMatcher<TypeDescription> type() {
    return namedOneOf("java.lang.Thread", "java.lang.VirtualThread");
  }

  public static DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, ClassFileLocator locator) {
    return builder.visit(Advice.to(Start.class, locator).withExceptionHandler(AgentBuilders.countFailures())
        .on(named("start").and(takesArguments(0).or(takesArguments(1)))));
  }

  public static final class Start {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Thread thread) {
      ThreadTracker.starting(thread);
    }
  }
}
