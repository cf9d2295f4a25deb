package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * HC4's redirects and retries are attempts of their exchange in the agent's lifecycle log. The advice
 * on {@code MainClientExec.execute} builds the attempt's URL only from the second attempt on (the first
 * is the exchange's own): this checks that the second ones are still reported, with their URL. Runs
 * {@code testapp.Apache4Semantics} (a 302 to /target, a retry after a dropped pooled connection) on the
 * newest HC4 and the test JDK.
 */
class Apache4AttemptsIT {
  @Test
  void redirectAndRetryAreReportedAsAttempts() throws Exception {
    List<Path> versions = Apache4FindingsIT.versions();
    ChildJvm c = ChildJvm.simulated().mainClass(Apache4SemanticsIT.SEMANTICS);
    try (Stream<Path> s = Files.list(versions.get(versions.size() - 1))) {
      for (Path jar : s.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList())) {
        c.appendClassPath(jar.toString());
      }
    }
    ChildJvm.Result r = c.agent("log=full").run().assertHealthy();
    List<String> hc4 = r.stderr.stream().filter(l -> l.startsWith("httpdiag #a4-")).collect(Collectors.toList());
    assertTrue(hc4.stream().anyMatch(l -> l.contains(" redirect ") && l.contains("to=http://127.0.0.1:")
        && l.contains("/target")), "no HC4 redirect attempt to /target in the log:\n" + String.join("\n", hc4));
    assertTrue(hc4.stream().anyMatch(l -> l.contains(" retry")), "no HC4 retry attempt in the log:\n" + String.join("\n", hc4));
    // The first attempt of an exchange is not an attempt step: as many attempt lines as redirects and retries.
    long attempts = hc4.stream().filter(l -> l.contains(" redirect ") || l.contains(" retry")).count();
    assertTrue(attempts <= 4, "more attempts than the script's redirect and retry:\n" + String.join("\n", hc4));
  }
}
