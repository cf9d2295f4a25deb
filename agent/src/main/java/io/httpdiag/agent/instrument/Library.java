package io.httpdiag.agent.instrument;

import io.httpdiag.agent.runtime.Config;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * One instrumented library: its advice and its adapter into the shared event vocabulary live in one
 * package under {@code io.httpdiag.agent.instrument}, and one line in {@link Libraries#ALL} registers
 * it. Implementations are stateless; {@link #builder} runs once, when the library is first used (or
 * at once, on attach).
 */
public interface Library {
  /** Whether {@code config} turns this library's instrumentation on. */
  boolean enabled(Config config);

  /**
   * Whether loading the class {@code internalName} ({@code a/b/C}) is the application's first use of
   * this library: the agent then builds every enabled library's instrumentation (see {@link Instrumenter}).
   */
  boolean firstUse(String internalName);

  /**
   * The agent builder that instruments this library, or null when nothing of it exists in this JVM.
   * {@code agentJar} reads the advice classes (the boot loader offers no class-file resources).
   */
  AgentBuilder builder(Config config, ClassFileLocator agentJar) throws Exception;

  /**
   * The runtime housekeeping this library needs (polling weak references of the objects it watches),
   * run periodically and before every check point; null for none. Must not throw nor block.
   */
  default Runnable housekeeping() {
    return null;
  }
}
