package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar httpdiag-agent.jar collect} against two child JVMs with the agent and JMX on
 * loopback ports: both JVMs' findings appear, tagged by JVM, as they happen; one JVM killed
 * mid-stream is reported in one line and the other's later findings still appear; the merged
 * recording is one that {@code report} reads.
 */
class CollectIT {
  private static final Duration DEADLINE = Duration.ofSeconds(120); // only bounds a failure

  @Test
  void streamsFindingsFromTwoJvmsAndOutlivesOneThatGoesAway() throws Exception {
    int portA = JmxTargets.freePort();
    int portB = JmxTargets.freePort();
    String a = "127.0.0.1:" + portA;
    String b = "127.0.0.1:" + portB;
    Path merged = ChildJvm.workDir().resolve("collect-" + ProcessHandle.current().pid() + ".jfr");
    Files.deleteIfExists(merged);
    String options = "detect.body.after=300ms,stacks=all";
    try (ChildJvm.Started jvmA = JmxTargets.target(options, portA).start();
        ChildJvm.Started jvmB = JmxTargets.target(options, portB).start()) {
      jvmA.awaitStdout("testapp: ready"::equals, DEADLINE);
      jvmB.awaitStdout("testapp: ready"::equals, DEADLINE);
      String tagA = "[" + a + " pid " + jvmA.pid() + "] ";
      String tagB = "[" + b + " pid " + jvmB.pid() + "] ";
      try (ChildJvm.Started collect = new ChildJvm().mainClassless("-jar", ChildJvm.agentJar().toString(), "collect", a, b,
          "--out", merged.toString(), "--duration", "5m").start()) {
        collect.awaitStdout(l -> l.startsWith("collect: streaming httpdiag events from 2 JVM(s)"), DEADLINE);

        jvmA.sendLine("leak");
        jvmB.sendLine("leak");
        collect.awaitStdout(finding(tagA, "JmxTarget.leak("), DEADLINE);
        collect.awaitStdout(finding(tagB, "JmxTarget.leak("), DEADLINE);

        jvmA.close(); // killed mid-stream
        collect.awaitStdout(l -> l.startsWith(tagA + "gone ("), DEADLINE);
        jvmB.sendLine("leakAgain");
        collect.awaitStdout(finding(tagB, "JmxTarget.leakAgain("), DEADLINE);

        collect.sendLine("stop");
        ChildJvm.Result r = collect.await(DEADLINE);
        assertEquals(0, r.exitCode, r.toString());
        // B's later finding came while collect was still streaming, not while it was winding up.
        int later = indexOf(r.stdout, finding(tagB, "JmxTarget.leakAgain("));
        int wound = indexOf(r.stdout, l -> l.startsWith("collect: wrote ") || l.startsWith("collect: no JVM left"));
        assertTrue(later >= 0 && later < wound, r.toString());
        // The summary: one line per JVM (then one per host its client exchanges went to; these never ended).
        assertTrue(r.stdout.stream().anyMatch(l -> l.startsWith("  " + tagA.substring(1, tagA.length() - 2)
            + " (gone): findings BODY_NOT_CLOSED=1;")), r.toString());
        assertTrue(r.stdout.stream().anyMatch(l -> l.startsWith("  " + tagB.substring(1, tagB.length() - 2)
            + ": findings BODY_NOT_CLOSED=2;")), r.toString());
        assertTrue(r.stdout.stream().anyMatch(l -> l.startsWith("collect: wrote " + merged)), r.toString());
        assertEquals(List.of(), r.stderr, r.toString());
      }
      jvmB.sendLine("exit");
    }
    ChildJvm.Result report = new ChildJvm().mainClassless("-jar", ChildJvm.agentJar().toString(), "report",
        merged.toString()).run();
    assertEquals(0, report.exitCode, report.toString());
    assertTrue(report.stdout.stream().anyMatch(l -> l.contains("JmxTarget.leakAgain(")), report.toString());
  }

  /**
   * Both JVMs' recordings in one file, and report reads it: {@code RecordingFile} alone misreads two
   * JVMs' chunks one after the other (their metadata ids collide), report parses each chunk alone.
   */
  @Test
  void mergedRecordingHoldsEveryJvmAndReportReadsIt() throws Exception {
    int portA = JmxTargets.freePort();
    int portB = JmxTargets.freePort();
    Path merged = ChildJvm.workDir().resolve("collect-merged-" + ProcessHandle.current().pid() + ".jfr");
    Files.deleteIfExists(merged);
    String options = "detect.body.after=300ms,stacks=all";
    List<String> urls = new java.util.ArrayList<>();
    try (ChildJvm.Started jvmA = JmxTargets.target(options, portA).start();
        ChildJvm.Started jvmB = JmxTargets.target(options, portB).start()) {
      jvmA.awaitStdout("testapp: ready"::equals, DEADLINE);
      jvmB.awaitStdout("testapp: ready"::equals, DEADLINE);
      try (ChildJvm.Started collect = new ChildJvm().mainClassless("-jar", ChildJvm.agentJar().toString(), "collect",
          "127.0.0.1:" + portA, "127.0.0.1:" + portB, "--out", merged.toString()).start()) {
        collect.awaitStdout(l -> l.startsWith("collect: streaming httpdiag events from 2 JVM(s)"), DEADLINE);
        jvmA.sendLine("leak");
        jvmB.sendLine("leak");
        for (long pid : new long[] {jvmA.pid(), jvmB.pid()}) {
          String tag = "[127.0.0.1:" + (pid == jvmA.pid() ? portA : portB) + " pid " + pid + "] ";
          collect.awaitStdout(finding(tag, "JmxTarget.leak("), DEADLINE);
          String line = ChildJvm.lines(collect.out).stream().filter(finding(tag, "JmxTarget.leak(")).findFirst().get();
          urls.add(line.replaceAll(".*(GET http://\\S+).*", "$1")); // each JVM serves itself on its own port
        }
        collect.sendLine("stop");
        ChildJvm.Result r = collect.await(DEADLINE);
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stdout.stream().anyMatch(l -> l.startsWith("collect: wrote " + merged + " (2 JVM(s))")), r.toString());
      }
      jvmA.sendLine("exit");
      jvmB.sendLine("exit");
    }
    assertEquals(2, urls.stream().distinct().count(), urls.toString());
    ChildJvm.Result report = new ChildJvm().mainClassless("-jar", ChildJvm.agentJar().toString(), "report",
        merged.toString()).run();
    assertEquals(0, report.exitCode, report.toString());
    // One finding per JVM at the same call site: report aggregates them (and shows the latest's URL).
    assertTrue(report.stdout.stream().anyMatch(l -> l.matches("\\s+BODY_NOT_CLOSED\\s+2\\s+"
        + "io\\.httpdiag\\.agent\\.testapp\\.JmxTarget\\.leak\\(.*")), report.toString());
    assertTrue(urls.stream().anyMatch(url -> report.stdout.stream().anyMatch(l -> l.contains(url))), report.toString());
  }

  private static int indexOf(List<String> lines, Predicate<String> p) {
    for (int i = 0; i < lines.size(); i++) {
      if (p.test(lines.get(i))) return i;
    }
    return -1;
  }

  /** A live finding line of collect: the JVM's tag, the kind, and the call site. */
  private static Predicate<String> finding(String tag, String callSite) {
    return l -> l.startsWith(tag + "LEAK BODY_NOT_CLOSED: ") && l.contains(" at ") && l.contains(callSite);
  }
}
