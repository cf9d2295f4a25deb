package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Semantics unchanged on Apache HttpClient 4.5: {@code testapp.Apache4Semantics} (200, 404, a redirect,
 * a POST, a ResponseHandler, a retry after a dropped connection, a socket timeout, a connection-request
 * timeout, interceptors) prints the same with and without the agent, on the oldest and newest 4.5.x and
 * every JDK installed.
 */
class Apache4SemanticsIT {
  static final String SEMANTICS = "io.httpdiag.agent.testapp.Apache4Semantics";

  static Stream<org.junit.jupiter.params.provider.Arguments> versionsAndJavas() {
    return Apache4FindingsIT.versionsAndJavas();
  }

  @ParameterizedTest(name = "HC4 {0} on {1}")
  @MethodSource("versionsAndJavas")
  void applicationSeesTheSameWithAndWithoutTheAgent(Path version, String java) throws Exception {
    List<String> without = seen(child(version, java).run());
    ChildJvm.Result with = child(version, java).agent("detect=on,log=full,stacks=all").run().assertHealthy();
    assertEquals(without, seen(with), with::toString);
    assertTrue(with.stderr.stream().anyMatch(l -> l.startsWith("httpdiag #a4-")), "the agent saw no HC4 exchange: " + with);
    // The script's outcomes, so that a script broken both ways cannot pass.
    assertTrue(without.contains("sem: 404 -> HTTP/1.1 404 Not Found nope"), without::toString);
    assertTrue(without.stream().anyMatch(l -> l.startsWith("sem: retry -> HTTP/1.1 200 OK retry connections=2")), without::toString);
    assertTrue(without.contains("sem: socketTimeout -> threw java.net.SocketTimeoutException: Read timed out"), without::toString);
    assertTrue(without.contains("sem: connectionRequestTimeout -> threw org.apache.http.conn.ConnectionPoolTimeoutException: "
        + "Timeout waiting for connection from pool"), without::toString);
  }

  private static ChildJvm child(Path version, String java) throws Exception {
    ChildJvm c = ChildJvm.simulated().java(java).mainClass(SEMANTICS);
    try (Stream<Path> s = Files.list(version)) {
      for (Path jar : s.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList())) {
        c.appendClassPath(jar.toString());
      }
    }
    return c;
  }

  private static List<String> seen(ChildJvm.Result r) {
    List<String> lines = r.stdout.stream().filter(l -> l.startsWith("sem: ")).map(l -> l.replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:PORT"))
        .collect(Collectors.toList());
    assertEquals(0, r.exitCode, r::toString);
    assertEquals(9, lines.size(), r::toString);
    return lines;
  }
}
