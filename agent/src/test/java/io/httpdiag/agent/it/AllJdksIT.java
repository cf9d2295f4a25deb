package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The agent loads, advises and reports on every JDK installed under /usr/lib/jvm (17+). */
class AllJdksIT {
  @TestFactory
  List<DynamicTest> agentLoadsAndReportsOnEveryInstalledJdk() throws IOException {
    Map<Path, Path> jdks = installedJdks();
    assertFalse(jdks.isEmpty(), "no JDK found under /usr/lib/jvm");
    List<DynamicTest> tests = new ArrayList<>();
    for (Path java : jdks.values()) {
      tests.add(DynamicTest.dynamicTest(java.toString(), () -> {
        ChildJvm.Result r = ChildJvm.simulated().java(java.toString()).agent("log=summary").args("fresh", "reused", "server")
            .run().assertHealthy();
        String version = r.testapp("java.version=");
        System.out.println("agent smoke test ran on " + java + " (java.version " + version + ")");
        assertEquals("boot", r.testapp("runtimeLoader="));
        assertEquals(3, r.log().size(), r.toString());
        assertTrue(r.stderrWithoutJvmWarnings().stream().allMatch(l -> l.startsWith("httpdiag #")), r.toString());
      }));
    }
    return tests;
  }

  /**
   * With the jar already on the boot class path (-Xbootclasspath/a), the agent does not append it
   * again, so the JVM prints no CDS "Sharing is only supported for boot loader classes" warning.
   */
  @TestFactory
  List<DynamicTest> jarOnTheBootClassPathStartsWithoutTheJvmsCdsWarning() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path java : installedJdks().values()) {
      tests.add(DynamicTest.dynamicTest(java.toString(), () -> {
        ChildJvm.Result r = ChildJvm.simulated().java(java.toString()).agent("log=summary")
            .jvmArg("-Xbootclasspath/a:" + ChildJvm.agentJar()).args("fresh").run().assertHealthy();
        assertEquals("true", r.testapp("installed="), r.toString());
        assertEquals("boot", r.testapp("runtimeLoader="));
        assertEquals(1, r.log().size(), r.toString());
        assertTrue(r.stderr.stream().noneMatch(l -> l.contains("Sharing is only supported")), r.toString());
      }));
    }
    return tests;
  }

  /** Distinct JDKs (by real path) under /usr/lib/jvm with bin/java, version 17 or later. */
  static Map<Path, Path> installedJdks() throws IOException {
    Map<Path, Path> found = new LinkedHashMap<>();
    Path root = Paths.get("/usr/lib/jvm");
    if (!Files.isDirectory(root)) return found;
    try (Stream<Path> dirs = Files.list(root)) {
      dirs.sorted().forEach(dir -> {
        Path java = dir.resolve("bin/java");
        if (!Files.isExecutable(java)) return;
        try {
          Path real = java.toRealPath();
          if (!Files.exists(dir.resolve("lib/modules")) && !Files.exists(real.getParent().getParent().resolve("lib/modules"))) return;
          found.putIfAbsent(real, real);
        } catch (IOException e) {
          // a dangling link: not an installed JDK
        }
      });
    }
    return found;
  }
}
