package io.httpdiag.agent.instrument;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * Instruments a library that the application's class loaders define (a servlet container): its
 * advice classes are compiled against the library's types but never loaded; each is resolved by
 * name through a type pool over the agent jar and the class loader that defines the instrumented
 * class, then inlined. Only java.base and agent types may be named by what the inlined code calls.
 */
public final class AdviceByName {
  private AdviceByName() {}

  /** One hook: the methods of {@code type} (binary name) that {@code method} matches get the advice class {@code advice}. */
  public record Hook(String type, ElementMatcher<? super MethodDescription> method, String advice) {}

  /** An agent builder that applies {@code hooks}, every advice with {@link AgentBuilders#countFailures()}. */
  public static AgentBuilder builder(List<Hook> hooks, ClassFileLocator agentJar) {
    Set<String> types = new HashSet<>();
    for (Hook h : hooks) types.add(h.type());
    return AgentBuilders.agentBuilder()
        .type(t -> types.contains(t.getName()))
        .transform((builder, type, loader, module, domain) -> {
          TypePool pool = TypePool.Default.of(new ClassFileLocator.Compound(agentJar,
              loader == null ? ClassFileLocator.ForClassLoader.ofBootLoader() : ClassFileLocator.ForClassLoader.of(loader)));
          for (Hook h : hooks) {
            if (!h.type().equals(type.getName())) continue;
            builder = builder.visit(Advice.to(pool.describe(h.advice()).resolve(), agentJar)
                .withExceptionHandler(AgentBuilders.countFailures()).on(h.method()));
          }
          return builder;
        });
  }
}
