package io.httpdiag.agent.instrument;

import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

import io.httpdiag.agent.runtime.Counters;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.implementation.bytecode.member.MethodInvocation;
import net.bytebuddy.utility.JavaModule;

/** What every library's instrumentation shares: the agent builder's settings and the advice's exception handler. */
public final class AgentBuilders {
  private AgentBuilders() {}

  /** A builder that retransforms, counts what it does into {@link Counters} and leaves ourselves alone. */
  public static AgentBuilder agentBuilder() {
    // The default ignore() skips boot and platform classes; the JDK HttpClient lives there, so replace
    // it, but keep away from method handles, ourselves and ByteBuddy (relocated into our package).
    // Names only: every class loaded after the first use passes this matcher once per library, and a
    // matcher that reads anything but the name (isSynthetic() did) makes the type pool parse the whole
    // class file, most of the first-use pause. The libraries' type matchers are names too.
    return new AgentBuilder.Default()
        .disableClassFormatChanges()
        .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
        .with(AgentBuilder.RedefinitionStrategy.DiscoveryStrategy.Reiterating.INSTANCE)
        // Advice only rewrites method bodies: decorating skips the method graph (which describes every
        // super type through the type pool) that redefining builds for each transformed class.
        .with(AgentBuilder.TypeStrategy.Default.DECORATE)
        .with(new CountingListener())
        .ignore(nameStartsWith("java.lang.invoke.")
            .or(nameStartsWith("io.httpdiag.agent."))
            .or(nameStartsWith("net.bytebuddy."))
            .or(nameStartsWith("jdk.internal.reflect."))
            .or(nameStartsWith("sun.reflect.")));
  }

  /**
   * The exception handler of every advice ({@code suppress = Throwable.class}): instead of dropping
   * what advice code throws (unpacking an unexpected JDK value, a bug of ours), count it through
   * {@link Counters#failure}, which also reports the first one. The application never sees it.
   */
  public static Advice.ExceptionHandler countFailures() {
    try {
      return new Advice.ExceptionHandler.Simple(MethodInvocation.invoke(
          new MethodDescription.ForLoadedMethod(Counters.class.getMethod("failure", Throwable.class))));
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("Counters.failure(Throwable) is missing", e);
    }
  }

  /** ByteBuddy's transformer for {@code builder}, not registered: {@link Instrumenter} calls it. */
  static java.lang.instrument.ClassFileTransformer raw(AgentBuilder builder) {
    return builder.makeRaw();
  }

  /** Counts applied transformations and errors into {@link Counters}; tests fail on any error. */
  static final class CountingListener extends AgentBuilder.Listener.Adapter {
    @Override
    public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
        DynamicType dynamicType) {
      Counters.transformations.incrementAndGet();
    }

    @Override
    public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable error) {
      Counters.transformationErrors.incrementAndGet();
      Counters.failure(error);
    }
  }
}
