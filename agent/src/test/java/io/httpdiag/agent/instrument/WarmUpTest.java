package io.httpdiag.agent.instrument;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.agent.runtime.Counters;
import java.io.File;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import org.junit.jupiter.api.Test;

/**
 * The warm-up's sample transformation succeeds: if one of its advice classes no longer binds (a
 * type it cannot resolve, a binding ByteBuddy rejects), the warm-up would silently stop loading
 * what the first use needs, and the first-use pause would grow back unnoticed.
 */
class WarmUpTest {
  @Test
  void theSampleClassIsTransformedWithEveryAdviceAndNothingFails() throws Exception {
    long failuresBefore = Counters.failures.get();
    // What the agent jar offers: the agent's classes and ByteBuddy's, nothing of the JDK's (unlike a
    // class loader, which would hide an advice type pool that cannot see the JDK).
    File classes = new File(WarmUp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    File byteBuddy = new File(Advice.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    boolean transformed = WarmUp.transformSample(new ClassFileLocator.Compound(new ClassFileLocator.ForFolder(classes),
        ClassFileLocator.ForJarFile.of(byteBuddy)));
    assertTrue(transformed, "the warm-up's sample class was not transformed");
    assertEquals(failuresBefore, Counters.failures.get(), "the warm-up counted a failure");
  }
}
