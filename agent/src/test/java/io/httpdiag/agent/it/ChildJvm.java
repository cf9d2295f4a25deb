package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.httpdiag.agent.testkit.ChildProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Launches a child JVM running a test program (by default {@code SimulatedTraffic}) with the packaged
 * agent, through the test kit's {@link ChildProcess} (output in files, deadlines, killed on timeout). The child's class path is the test
 * classes plus core-transport: swap the main class to run real traffic instead of simulated
 * tracepoints.
 */
final class ChildJvm {
  static final String SIMULATED = "io.httpdiag.agent.testapp.SimulatedTraffic";
  /** A JVM warning (JDK 21+ with CDS) whenever anything is appended to the boot class path. */
  static final String CDS_WARNING =
      "OpenJDK 64-Bit Server VM warning: Sharing is only supported for boot loader classes because bootstrap classpath has been appended";

  private final List<String> command = new ArrayList<>();
  private String java = defaultJava();
  private String mainClass = SIMULATED;
  private final List<String> jvmArgs = new ArrayList<>();
  private final List<String> args = new ArrayList<>();
  private String agentOptions; // null: no agent
  private final List<String> extraClassPath = new ArrayList<>();
  private boolean quickJit = true;

  /**
   * A child JVM; the detectors are off by default ({@code -Dhttpdiag.detect=off}) so lifecycle tests
   * see only lifecycle lines; tests of findings pass {@code detect=on} (agent arguments win).
   */
  static ChildJvm simulated() {
    return new ChildJvm().jvmArg("-Dhttpdiag.detect=off");
  }

  static Path agentJar() {
    return existing("httpdiag.test.agentJar");
  }

  static Path jfc() {
    return existing("httpdiag.test.jfc");
  }

  static Path workDir() throws IOException {
    return Files.createDirectories(Paths.get(System.getProperty("httpdiag.test.workDir", "target/it-work")));
  }

  static String defaultJava() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  ChildJvm java(String javaBinary) {
    this.java = javaBinary;
    return this;
  }

  ChildJvm mainClass(String name) {
    this.mainClass = name;
    return this;
  }

  /** Adds {@code -javaagent:<jar>=<options>}; empty options for none. */
  ChildJvm agent(String options) {
    this.agentOptions = options;
    return this;
  }

  /**
   * Runs the child with the JVM's full tiered JIT (C2) instead of C1 alone: for a child that is about
   * behaviour under sustained load, not about what the agent reports.
   */
  ChildJvm fullJit() {
    this.quickJit = false;
    return this;
  }

  ChildJvm jvmArg(String... a) {
    jvmArgs.addAll(Arrays.asList(a));
    return this;
  }

  /** Runs {@code java <jvmArgs> <args>} with no class path or main class (e.g. with {@code -jar}). */
  ChildJvm mainClassless(String... a) {
    this.mainClass = null;
    return args(a);
  }

  ChildJvm appendClassPath(String entry) {
    extraClassPath.add(entry);
    return this;
  }

  ChildJvm args(String... a) {
    args.addAll(Arrays.asList(a));
    return this;
  }

  List<String> command() {
    command.clear();
    command.add(java);
    // C1 only: a child runs seconds, and C2 compiling ByteBuddy's transformations and the agent's start-up
    // cost about 40% of its CPU (measured: 2.1-2.3 s instead of 3.5-4.4 s of CPU for a short scenario), on
    // a machine where every IT fork's children share two cores. The JIT tier changes nothing the ITs check.
    if (quickJit) command.add("-XX:TieredStopAtLevel=1");
    if (agentOptions != null) {
      command.add("-javaagent:" + agentJar() + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
    }
    command.addAll(jvmArgs);
    if (mainClass == null) {
      command.addAll(args);
      return command;
    }
    command.add("-cp");
    List<String> cp = new ArrayList<>(List.of(classPath()));
    cp.addAll(extraClassPath);
    command.add(String.join(File.pathSeparator, cp));
    command.add(mainClass);
    command.addAll(args);
    return command;
  }

  /**
   * Runs to completion and returns what it printed. The deadline (180 s) only bounds a failure: a
   * healthy child ends in seconds, and on a loaded CI machine 60 s was seen to be too tight.
   */
  Result run() throws Exception {
    return run(DEFAULT_DEADLINE_SECONDS);
  }

  static final int DEFAULT_DEADLINE_SECONDS = 180;

  Result run(int deadlineSeconds) throws Exception {
    Started s = start();
    return s.await(Duration.ofSeconds(deadlineSeconds));
  }

  Started start() throws IOException {
    List<String> cmd = command();
    System.out.println("child: " + String.join(" ", cmd));
    return new Started(ChildProcess.start(cmd, workDir(), "child"));
  }

  /** The test classes, core-transport and Jetty (the HTTP/2 server), from this JVM's class path. */
  static String classPath() {
    List<String> cp = new ArrayList<>();
    cp.add(System.getProperty("httpdiag.test.testClasses"));
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (e.contains("core-transport") || e.contains("/org/eclipse/jetty/") || e.contains("slf4j")) cp.add(e);
    }
    assertTrue(cp.size() >= 2, "core-transport not found on the test class path: " + System.getProperty("java.class.path"));
    return String.join(File.pathSeparator, cp);
  }

  private static Path existing(String property) {
    Path p = Paths.get(System.getProperty(property, "unset:" + property));
    assertTrue(Files.isRegularFile(p), property + " does not exist: " + p + " (run through mvn verify)");
    return p.toAbsolutePath();
  }

  /** A running child; closing it kills it (teardown for tests that stop a child themselves). */
  static final class Started implements AutoCloseable {
    final ChildProcess child;
    final Process process;
    final Path out;
    final Path err;

    Started(ChildProcess child) {
      this.child = child;
      this.process = child.process;
      this.out = child.out;
      this.err = child.err;
    }

    long pid() {
      return child.pid();
    }

    /** Waits until a stdout line matches, or fails at the deadline (or if the child exits first). */
    void awaitStdout(Predicate<String> condition, Duration deadline) throws Exception {
      child.awaitStdout(condition, deadline);
    }

    void sendLine(String line) throws IOException {
      child.sendLine(line);
    }

    Result await(Duration deadline) throws Exception {
      ChildProcess.Exit exit = child.await(deadline);
      return new Result(exit.code, exit.stdout, exit.stderr);
    }

    @Override
    public void close() {
      child.close();
    }
  }

  /** What a child printed. */
  static final class Result {
    final int exitCode;
    final List<String> stdout;
    final List<String> stderr;

    Result(int exitCode, List<String> stdout, List<String> stderr) {
      this.exitCode = exitCode;
      this.stdout = stdout;
      this.stderr = stderr;
    }

    /** Agent log lines (text or JSON) from stderr. */
    List<String> log() {
      return stderr.stream().filter(l -> l.startsWith("httpdiag ") || l.startsWith("{\"httpdiag\""))
          .collect(Collectors.toList());
    }

    /** Stderr without the JVM's own CDS warning. */
    List<String> stderrWithoutJvmWarnings() {
      return stderr.stream().filter(l -> !l.equals(CDS_WARNING)).collect(Collectors.toList());
    }

    /** The value printed by the test program as {@code testapp: <key>...}. */
    String testapp(String key) {
      String prefix = "testapp: " + key;
      return stdout.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).trim())
          .findFirst().orElseThrow(() -> new AssertionError("no '" + prefix + "' in stdout:\n"
              + String.join("\n", stdout) + "\nstderr:\n" + String.join("\n", stderr)));
    }

    /** Fails unless the run completed with zero transformation errors and the tracepoints were advised. */
    Result assertHealthy() {
      String counters = testapp("counters");
      if (exitCode != 0 || !counters.contains(" transformationErrors=0 ") || !counters.contains("traceTransformed=true")
          || !counters.contains(" failures=0 ")) {
        fail("unhealthy child run (exit " + exitCode + "): " + counters + "\nstdout:\n" + String.join("\n", stdout)
            + "\nstderr:\n" + String.join("\n", stderr));
      }
      return this;
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\nstdout:\n" + String.join("\n", stdout) + "\nstderr:\n" + String.join("\n", stderr);
    }
  }

  static List<String> lines(Path p) throws IOException {
    return ChildProcess.lines(p);
  }

  /** Replaces timings (which vary) with T: {@code +0.02ms} becomes {@code +T}, {@code idle=1.30ms} stays (it is an input). */
  static List<String> normalize(List<String> lines) {
    return lines.stream()
        .map(l -> l.replaceAll("\\+\\d+\\.\\d\\dms", "+T")
            .replaceAll("(total|dns|connect|tls|waitForConn|firstByte|body|handler)=\\d+\\.\\d\\dms", "$1=T")
            .replaceAll("\"(elapsedMs|totalMs|dnsMs|connectMs|tlsMs|waitForConnMs|firstByteMs|bodyMs|handlerMs)\":\\d+\\.\\d\\d",
                "\"$1\":T"))
        .collect(Collectors.toList());
  }
}
