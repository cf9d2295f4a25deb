package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent changes nothing an OkHttp application sees: {@code testapp.OkHttpSemantics} (success,
 * 404, redirect, retry on a dropped pooled connection, read and call timeouts, cancel, async calls,
 * the application's own EventListener and interceptors) prints the same with and without it, on
 * OkHttp 4.12 and 5.x, JDK 17 and 25.
 */
class OkHttpSemanticsIT {
  static final String SEMANTICS = "io.httpdiag.agent.testapp.OkHttpSemantics";

  @ParameterizedTest(name = "OkHttp {0} on {1}")
  @MethodSource("io.httpdiag.agent.it.OkHttpFindingsIT#versionsAndJavas")
  void whatTheApplicationSeesIsTheSameWithAndWithoutTheAgent(String version, String java) throws Exception {
    ChildJvm.Result without = child(version, java).run();
    ChildJvm.Result with = child(version, java).agent("detect=on,log=full").run().assertHealthy();
    assertTrue(with.log().stream().anyMatch(l -> l.startsWith("httpdiag #ok1 ")), "the agent saw no OkHttp call:\n" + with);
    assertEquals(0, without.exitCode, without::toString);
    List<String> expected = seen(without);
    assertTrue(expected.size() >= 30, "the script did not run to its end:\n" + without);
    assertEquals(expected, seen(with), () -> "with the agent:\n" + with + "\nwithout:\n" + without);
  }

  private static ChildJvm child(String version, String java) throws Exception {
    ChildJvm c = new ChildJvm().java(java).mainClass(SEMANTICS);
    for (String jar : OkHttpFindingsIT.okhttp(version)) c.appendClassPath(jar);
    return c;
  }

  private static List<String> seen(ChildJvm.Result r) {
    return r.stdout.stream().filter(l -> l.startsWith("seen: ")).collect(Collectors.toList());
  }
}
