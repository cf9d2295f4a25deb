package io.httpdiag.agent.instrument.apache5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.Test;

/**
 * Every hook of {@link Apache5Hooks} exists in the HttpClient 5 on the test class path (5.6.5, the
 * newest supported; 5.1.3 is checked by the child-JVM ITs, which fail on any missing-hook warning
 * through their findings), and each advice class names an existing advice.
 */
class Apache5HooksTest {
  private final TypePool pool = TypePool.Default.ofSystemLoader();

  @Test
  void everyHookExistsInTheNewestVersion() {
    List<String> missing = new ArrayList<>();
    for (Apache5Hooks.Hook h : Apache5Hooks.HOOKS) {
      if (h.advice.endsWith("$LeasedInner")) continue; // 5.1-5.4's shape of the endpoint's constructor
      TypeDescription type = pool.describe(h.type).resolve();
      if (type.getDeclaredMethods().filter(Apache5Hooks.method(h)).isEmpty()) missing.add(h.toString());
    }
    assertEquals(List.of(), missing);
  }

  @Test
  void theLeasedEndpointGetsOneOfItsTwoAdvices() {
    TypeDescription endpoint = pool.describe(Apache5Hooks.IO + "PoolingHttpClientConnectionManager$InternalConnectionEndpoint").resolve();
    List<Apache5Hooks.Hook> present = Apache5Hooks.present(endpoint);
    assertEquals(1, present.size(), present.toString());
    assertTrue(present.get(0).advice.endsWith("$Leased"), present.toString());
  }

  @Test
  void everyAdviceClassExists() {
    for (Apache5Hooks.Hook h : Apache5Hooks.HOOKS) {
      assertTrue(pool.describe(h.advice).isResolved(), h.advice);
    }
  }

  @Test
  void aHookTheClassLacksIsLeftOut() {
    // A class of that name without the hooked methods (as a future version might have): nothing applied.
    TypeDescription stripped = new net.bytebuddy.ByteBuddy().subclass(Object.class)
        .name(Apache5Hooks.CLASSIC + "CloseableHttpResponse").make().getTypeDescription();
    assertEquals(List.of(), Apache5Hooks.present(stripped));
    TypeDescription real = pool.describe(Apache5Hooks.CLASSIC + "CloseableHttpResponse").resolve();
    assertEquals(1, Apache5Hooks.present(real).size());
  }
}
