package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Shared by the servlet container ITs: runs {@code testapp.ServletApp} in a child JVM with one
 * container on its class path, and reads back where each finding was found.
 */
final class ServletChild {
  static final String APP = "io.httpdiag.agent.testapp.ServletApp";
  static final String SOURCE = "Servlets.java";

  private ServletChild() {}

  /** The test class path's jar whose path contains {@code marker}. */
  static String testJar(String marker) {
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (e.contains(marker)) return e;
    }
    throw new AssertionError(marker + " not on the test class path");
  }

  /** Every jar of the test class path whose path contains one of {@code markers}. */
  static String testJars(String... markers) {
    List<String> out = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      for (String m : markers) {
        if (e.contains(m)) {
          out.add(e);
          break;
        }
      }
    }
    assertTrue(!out.isEmpty(), List.of(markers) + " not on the test class path");
    return String.join(File.pathSeparator, out);
  }

  /** The oldest supported Jetty 12's jars (copied by the build) with the servlet API, or the test class path's (the newest). */
  static String jettyJars(boolean oldest) {
    String api = testJar("jakarta.servlet-api") + File.pathSeparator + testJar("slf4j-api");
    if (!oldest) return testJars("/org/eclipse/jetty/") + File.pathSeparator + api;
    String jars = System.getProperty("httpdiag.test.jettyOldest", "unset");
    for (String jar : jars.split(File.pathSeparator)) {
      assertTrue(Files.isRegularFile(Paths.get(jar)), "the oldest Jetty was not copied by the build: " + jar);
    }
    return jars + File.pathSeparator + api;
  }

  /** The newest supported Tomcat's jars (copied by the build), or the test class path's (the oldest). */
  static String tomcatJars(boolean newest) {
    if (!newest) return testJar("tomcat-embed-core") + File.pathSeparator + testJar("tomcat-annotations-api");
    String jars = System.getProperty("httpdiag.test.tomcatNewest", "unset");
    for (String jar : jars.split(File.pathSeparator)) {
      assertTrue(Files.isRegularFile(Paths.get(jar)), "the newest Tomcat was not copied by the build: " + jar);
    }
    return jars;
  }

  /** The line of {@code Servlets.java} marked {@code // SITE: <name>}. */
  static int siteLine(String name) throws IOException {
    List<String> lines = Files.readAllLines(Paths.get(System.getProperty("httpdiag.test.sources"),
        "io/httpdiag/agent/testapp", SOURCE));
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).trim().endsWith("// SITE: " + name)) return i + 1;
    }
    throw new AssertionError("no // SITE: " + name + " in " + SOURCE);
  }

  static List<String> findings(ChildJvm.Result r) {
    return r.stdout.stream().filter(l -> l.startsWith("testapp: finding ")).map(l -> l.substring(17))
        .collect(Collectors.toList());
  }

  /** Fails unless the run exited 0 with no transformation error nor counted failure. */
  static ChildJvm.Result healthy(ChildJvm.Result r) {
    String counters = r.testapp("counters");
    assertTrue(r.exitCode == 0 && counters.contains(" transformationErrors=0 ") && counters.contains(" failures=0 "),
        "unhealthy child run (exit " + r.exitCode + "): " + r);
    return r;
  }

  /** The installed JDKs' java binaries (17 and 25 here). */
  static List<String> javas() throws IOException {
    List<String> out = new ArrayList<>();
    for (Path java : AllJdksIT.installedJdks().values()) out.add(java.toString());
    return out;
  }

  static boolean atLeast21(String java) throws Exception {
    ChildJvm.Result r = new ChildJvm().java(java).mainClassless("-XshowSettings:properties", "-version").run(30);
    return r.stderr.stream().filter(l -> l.trim().startsWith("java.specification.version = "))
        .map(l -> Integer.parseInt(l.trim().substring("java.specification.version = ".length())))
        .anyMatch(v -> v >= 21);
  }
}
