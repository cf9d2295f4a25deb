package io.httpdiag.callsite.app;

import io.httpdiag.agent.runtime.CallSite;
import io.httpdiag.agent.runtime.Config;
import io.httpdiag.callsite.wrapper.ApiClient;
import java.lang.reflect.Method;
import java.util.function.Supplier;

/**
 * Not a test: prints what one {@link CallSite#sampled()} costs (stacks=all, so every call walks),
 * in ns per call, from an application frame 30 frames deep, straight and through a skipped wrapper.
 * Run: {@code java -cp target/classes:target/test-classes io.httpdiag.callsite.app.CallSiteCost}.
 */
public final class CallSiteCost {
  private static final int WARMUP = 300_000;
  private static final int CALLS = 1_000_000;

  public static void main(String[] args) throws Exception {
    Method configure = CallSite.class.getDeclaredMethod("configure", Config.class);
    configure.setAccessible(true);
    configure.invoke(null, Config.parse("callsite.skip=io.httpdiag.callsite.wrapper.", null));
    CallSite.captureAll();
    System.out.println("sample: " + Orders.load(CallSite::sampled).captured);
    for (int round = 0; round < 3; round++) {
      System.out.printf("direct:        %6.0f ns/call%n", deep(30, CallSite::sampled));
      System.out.printf("via a wrapper: %6.0f ns/call%n", deep(30, () -> ApiClient.send(CallSite::sampled)));
    }
  }

  private static double deep(int depth, Supplier<String> call) {
    if (depth > 0) return deep(depth - 1, call);
    long sink = 0;
    for (int i = 0; i < WARMUP; i++) sink += call.get().length();
    long start = System.nanoTime();
    for (int i = 0; i < CALLS; i++) sink += call.get().length();
    long elapsed = System.nanoTime() - start;
    if (sink == 42) System.out.println();
    return (double) elapsed / CALLS;
  }
}
