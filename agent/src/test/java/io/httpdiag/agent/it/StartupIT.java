package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * What a JVM with the agent prints on its own account: bad options are one plain line, and the JVM
 * itself prints nothing (no CDS "Sharing is only supported for boot loader classes" warning) on
 * every installed JDK, whether the agent came with {@code -javaagent} or by attach.
 */
class StartupIT {
  /** The JDK's notice for a dynamically loaded agent (21+): the only JVM lines an attach may cause. */
  static final List<String> DYNAMIC_AGENT_NOTICE = List.of(
      "WARNING: A Java agent has been loaded dynamically (",
      "WARNING: If a serviceability tool is in use, please run with -XX:+EnableDynamicAgentLoading to hide this warning",
      "WARNING: If a serviceability tool is not in use, please run with -Djdk.instrument.traceUsage for more information",
      "WARNING: Dynamic loading of agents will be disallowed by default in a future release");

  @TestFactory
  List<DynamicTest> javaagentStartsWithoutAnyJvmWarning() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path java : AllJdksIT.installedJdks().values()) {
      tests.add(DynamicTest.dynamicTest(java.toString(), () -> {
        ChildJvm.Result r = ChildJvm.simulated().java(java.toString()).agent("log=summary").args("fresh").run()
            .assertHealthy();
        assertEquals("boot", r.testapp("runtimeLoader="), r.toString());
        assertEquals(List.of(), notAgentLines(r.stderr), r.toString());
        assertEquals(1, r.log().size(), r.toString());
      }));
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> badOptionsPrintOnlyTheAgentsLine() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path java : AllJdksIT.installedJdks().values()) {
      tests.add(DynamicTest.dynamicTest(java.toString(), () -> {
        ChildJvm.Result r = ChildJvm.simulated().java(java.toString()).agent("log=verbose").args("fresh").run();
        assertEquals(List.of("httpdiag: bad option log=verbose: expected off|findings|summary|full; agent disabled"),
            r.stderr);
      }));
    }
    return tests;
  }

  /**
   * A renamed jar misses the manifest's Boot-Class-Path: the agent appends it (defining its classes
   * eagerly would cost about a second), so the JVM warns, and one line of the agent's says why.
   */
  @Test
  void renamedJarWorksAndSaysWhyTheJvmWarns() throws Exception {
    Path renamed = Files.copy(ChildJvm.agentJar(), ChildJvm.workDir().resolve("renamed-agent.jar"),
        StandardCopyOption.REPLACE_EXISTING);
    ChildJvm.Result r = ChildJvm.simulated().jvmArg("-javaagent:" + renamed + "=log=summary").args("fresh").run()
        .assertHealthy();
    assertEquals("boot", r.testapp("runtimeLoader="), r.toString());
    assertEquals(List.of("httpdiag: renamed-agent.jar is not named httpdiag-agent.jar (the name its manifest puts on the"
        + " boot class path), so the agent appends it and the JVM warns that class sharing is limited; rename it to"
        + " httpdiag-agent.jar to start without that warning"), r.stderrWithoutJvmWarnings().stream()
        .filter(l -> !l.startsWith("httpdiag #")).collect(Collectors.toList()), r.toString());
    assertEquals(1, r.log().size(), r.toString());
  }

  @TestFactory
  List<DynamicTest> attachPrintsNothingBeyondTheJdksDynamicAgentNotice() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path java : AllJdksIT.installedJdks().values()) {
      tests.add(DynamicTest.dynamicTest(java.toString(), () -> {
        ChildJvm.Started app = ChildJvm.simulated().java(java.toString()).args("--wait", "fresh").start();
        try {
          app.awaitStdout(l -> l.equals("testapp: waiting"), Duration.ofSeconds(90));
          ChildJvm.Result cli = AttachIT.cli("attach", Long.toString(app.pid()), "log=summary");
          assertEquals(0, cli.exitCode, cli.toString());
          app.sendLine("go");
          ChildJvm.Result r = app.await(Duration.ofSeconds(ChildJvm.DEFAULT_DEADLINE_SECONDS)).assertHealthy();
          assertEquals("boot", r.testapp("runtimeLoader="), r.toString());
          assertEquals(List.of(), notAgentLines(r.stderr).stream()
              .filter(l -> DYNAMIC_AGENT_NOTICE.stream().noneMatch(l::startsWith))
              .collect(Collectors.toList()), r.toString());
          assertEquals(1, r.log().size(), r.toString());
        } finally {
          app.process.destroyForcibly();
        }
      }));
    }
    return tests;
  }

  /** Stderr lines the agent did not print. */
  private static List<String> notAgentLines(List<String> stderr) {
    return stderr.stream().filter(l -> !l.startsWith("httpdiag ") && !l.startsWith("httpdiag: "))
        .collect(Collectors.toList());
  }

  @Test
  void logFileInAMissingDirectoryIsOnePlainLine() throws Exception {
    Path missing = ChildJvm.workDir().resolve("no-such-dir").resolve("x.log");
    ChildJvm.Result r = ChildJvm.simulated().agent("log=summary,log.file=" + missing).args("fresh").run();
    assertEquals(0, r.exitCode, r.toString());
    assertEquals("", r.testapp("done"));
    assertEquals(List.of("httpdiag: log.file=" + missing + ": cannot open (No such file or directory); agent disabled"),
        r.stderr);
  }

  @Test
  void logFileThatIsADirectoryIsOnePlainLine() throws Exception {
    Path dir = Files.createDirectories(ChildJvm.workDir().resolve("a-directory"));
    ChildJvm.Result r = ChildJvm.simulated().agent("").jvmArg("-Dhttpdiag.log.file=" + dir).args("fresh").run();
    assertEquals(0, r.exitCode, r.toString());
    assertEquals(List.of("httpdiag: log.file=" + dir + ": cannot open (Is a directory); agent disabled"), r.stderr);
  }
}
