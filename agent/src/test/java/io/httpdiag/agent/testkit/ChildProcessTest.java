package io.httpdiag.agent.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child JVMs running {@link Echo}: output in files, deadlines, killed on timeout. */
class ChildProcessTest {
  @TempDir
  Path dir;

  /** Prints a line on stderr and "ready" on stdout, then echoes stdin lines to stdout until "exit N" (exits with N); never ends on its own. */
  public static final class Echo {
    public static void main(String[] args) throws Exception {
      System.err.println("echo on stderr"); // before "ready": once that is seen, both are in the files
      System.out.println("ready");
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null;) {
        if (line.startsWith("exit ")) System.exit(Integer.parseInt(line.substring(5)));
        System.out.println("echo " + line);
      }
      Thread.currentThread().join(); // stdin closed: still never ends on its own
    }
  }

  static List<String> echo() throws Exception {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    String classes = Paths.get(Echo.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    return List.of(java, "-cp", classes, Echo.class.getName());
  }

  @Test
  void collectsOutputAndExitCodeOfAChildThatIsTalkedTo() throws Exception {
    try (ChildProcess child = ChildProcess.start(echo(), dir, "echo")) {
      child.awaitStdout("ready"::equals, Duration.ofSeconds(30));
      child.sendLine("hello");
      child.awaitStdout("echo hello"::equals, Duration.ofSeconds(30));
      child.sendLine("exit 3");
      ChildProcess.Exit exit = child.await(Duration.ofSeconds(30));
      assertEquals(3, exit.code);
      assertEquals(List.of("ready", "echo hello"), exit.stdout);
      assertEquals(List.of("echo on stderr"), exit.stderr);
    }
  }

  @Test
  void aChildThatOverrunsItsDeadlineIsKilledAndTheFailureShowsItsOutput() throws Exception {
    ChildProcess child = ChildProcess.start(echo(), dir, "echo");
    child.awaitStdout("ready"::equals, Duration.ofSeconds(30));
    AssertionError e = assertThrows(AssertionError.class, () -> child.await(Duration.ofMillis(300)));
    assertTrue(e.getMessage().startsWith("did not exit within PT0.3S; $ "), e.getMessage());
    assertTrue(e.getMessage().contains("\nstdout:\nready\nstderr:\necho on stderr"), e.getMessage());
    assertFalse(child.process.isAlive(), "still running after the deadline");
  }

  @Test
  void waitingForALineFailsAtOnceWhenTheChildExitsWithoutIt() throws Exception {
    try (ChildProcess child = ChildProcess.start(echo(), dir, "echo")) {
      child.awaitStdout("ready"::equals, Duration.ofSeconds(30));
      child.sendLine("exit 0");
      long start = System.nanoTime();
      AssertionError e = assertThrows(AssertionError.class, () -> child.awaitStdout("never printed"::equals, Duration.ofSeconds(60)));
      assertTrue(e.getMessage().startsWith("exited (0) before the expected output"), e.getMessage());
      assertTrue(System.nanoTime() - start < Duration.ofSeconds(30).toNanos(), "waited for the deadline instead");
    }
  }

  @Test
  void closingKillsARunningChild() throws Exception {
    ChildProcess child = ChildProcess.start(echo(), dir, "echo");
    child.awaitStdout("ready"::equals, Duration.ofSeconds(30));
    child.close();
    assertFalse(child.process.isAlive());
  }

  @Test
  void outputFilesAreUniquePerRunInTheSameFolder() throws Exception {
    try (ChildProcess a = ChildProcess.start(echo(), dir, "echo"); ChildProcess b = ChildProcess.start(echo(), dir, "echo")) {
      assertFalse(a.out.equals(b.out), a.out + " twice");
      assertTrue(a.out.getFileName().toString().startsWith("echo-" + ProcessHandle.current().pid() + "-"), a.out.toString());
    }
  }
}
