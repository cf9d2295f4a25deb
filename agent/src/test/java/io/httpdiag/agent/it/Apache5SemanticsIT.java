package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Apache HttpClient 5 behaves the same with the agent: {@code testapp.Apache5Semantics} (200, 404,
 * redirect, retry, response handler, response timeout, connection-request timeout on an exhausted
 * pool, an interceptor's view) prints the same lines with and without it, on 5.1.3 and 5.6.5 and
 * every JDK installed.
 */
class Apache5SemanticsIT {
  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String java : JdkFindingsIT.javas()) {
      for (String version : Apache5FindingsIT.versions()) out.add(Arguments.of(version, java));
    }
    return out.stream();
  }

  private static List<String> semantics(ChildJvm.Result r) {
    return r.stdout.stream().filter(l -> l.startsWith("semantics: ")).collect(Collectors.toList());
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void whatTheApplicationSeesIsTheSameWithTheAgent(String version, String java) throws Exception {
    String cp = Apache5FindingsIT.classPath(version);
    ChildJvm.Result without = ChildJvm.simulated().java(java).mainClass("io.httpdiag.agent.testapp.Apache5Semantics")
        .appendClassPath(cp).run();
    ChildJvm.Result with = ChildJvm.simulated().java(java).mainClass("io.httpdiag.agent.testapp.Apache5Semantics")
        .appendClassPath(cp).agent("detect=on,log=full").run();
    List<String> expected = semantics(without);
    assertEquals(0, without.exitCode, without::toString);
    assertEquals(8, expected.size(), without::toString);
    assertTrue(expected.stream().anyMatch(l -> l.contains("redirect: 200 arrived via [/target]")), without::toString);
    assertTrue(expected.stream().anyMatch(l -> l.contains("ConnectionRequestTimeoutException")), without::toString);
    assertEquals(expected, semantics(with), with::toString);
    assertEquals(0, with.exitCode, with::toString);
    assertTrue(Stream.concat(with.stderr.stream(), with.stdout.stream()).anyMatch(l -> l.startsWith("httpdiag #a5-")), "the agent saw the exchanges\n" + with);
  }
}
