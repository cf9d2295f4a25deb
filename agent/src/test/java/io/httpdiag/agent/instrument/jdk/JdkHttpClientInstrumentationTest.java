package io.httpdiag.agent.instrument.jdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hook table against the JDK running this test (17 or 25), read from its class files. */
class JdkHttpClientInstrumentationTest {
  @Test
  void everyHookExistsOnThisJdk() {
    List<String> missing = new ArrayList<>();
    Map<String, List<JdkHooks.Hook>> present =
        JdkHooks.present(JdkHooks.HOOKS, missing);
    assertEquals(List.of(), missing, "on " + Runtime.version());
    assertTrue(present.containsKey("jdk.internal.net.http.MultiExchange"));
  }

  @Test
  void missingHooksAreNamedAndAlternativesCountOnlyWhenAllAreMissing() {
    List<String> missing = new ArrayList<>();
    JdkHooks.present(List.of(
        new JdkHooks.Hook("NoSuchClass", "run", 0, "ClientStopped"),
        new JdkHooks.Hook("MultiExchange", "noSuchMethod", 2, "ClientStopped"),
        new JdkHooks.Hook("MultiExchange", "responseAsyncImpl", 3, "ClientStopped"),
        new JdkHooks.Hook("Gone", "a", 0, "ClientStopped", "g1"),
        new JdkHooks.Hook("MultiExchange", "responseAsyncImpl", 0, "ClientStopped", "g1"),
        new JdkHooks.Hook("Gone", "a", 0, "ClientStopped", "g2"),
        new JdkHooks.Hook("AlsoGone", "b", -1, "ClientStopped", "g2")), missing);
    assertEquals(List.of("NoSuchClass.run/0", "MultiExchange.noSuchMethod/2", "MultiExchange.responseAsyncImpl/3",
        "Gone.a/0 or AlsoGone.b/*"), missing);
  }
}
