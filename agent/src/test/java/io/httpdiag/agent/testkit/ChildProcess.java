package io.httpdiag.agent.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A child process whose stdout and stderr go to files (no pipe can fill up and stall it): start it,
 * wait with a deadline for an output line or for its exit; it is killed, with anything it started,
 * when a deadline passes or when it is closed. The ITs' child JVMs ({@code it.ChildJvm}) and the test
 * programs' helper processes (keytool) run through it. Plain Java 17: test programs use it too.
 */
public final class ChildProcess implements AutoCloseable {
  private static final AtomicInteger started = new AtomicInteger();
  /** How long a killed process may take to go away (its output files are complete after that). */
  private static final Duration KILL_GRACE = Duration.ofSeconds(10);

  public final Process process;
  public final Path out;
  public final Path err;
  private final List<String> command;

  private ChildProcess(Process process, Path out, Path err, List<String> command) {
    this.process = process;
    this.out = out;
    this.err = err;
    this.command = command;
  }

  /**
   * Starts {@code command} with its output in {@code dir/<name>-<this pid>-<n>.out} and {@code .err}:
   * unique per run within this JVM and across JVMs sharing {@code dir}.
   */
  public static ChildProcess start(List<String> command, Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    String tag = name + "-" + ProcessHandle.current().pid() + "-" + started.incrementAndGet();
    Path out = dir.resolve(tag + ".out");
    Path err = dir.resolve(tag + ".err");
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    return new ChildProcess(p, out, err, List.copyOf(command));
  }

  /** Starts {@code command} and waits for its exit (see {@link #await}). */
  public static Exit run(List<String> command, Path dir, String name, Duration deadline) throws Exception {
    return start(command, dir, name).await(deadline);
  }

  public long pid() {
    return process.pid();
  }

  /** Waits until a stdout line matches; fails if the process exits first, and kills it if the deadline passes. */
  public void awaitStdout(Predicate<String> condition, Duration deadline) throws Exception {
    boolean seen = Await.within(deadline, () -> {
      boolean alive = process.isAlive(); // read before the output: a line printed just before exiting still counts
      if (lines(out).stream().anyMatch(condition)) return true;
      if (!alive) throw new AssertionError("exited (" + process.exitValue() + ") before the expected output; " + describe());
      return false;
    });
    if (!seen) {
      kill();
      throw new AssertionError("no matching stdout line within " + deadline + "; " + describe());
    }
  }

  public void sendLine(String line) throws IOException {
    process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().flush();
  }

  /** Waits for the exit; kills the process and fails, with everything it printed, if the deadline passes. */
  public Exit await(Duration deadline) throws Exception {
    if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
      throw new AssertionError("did not exit within " + deadline + "; " + describe());
    }
    return new Exit(process.exitValue(), lines(out), lines(err));
  }

  /** Kills the process and what it started, if still running, and waits (at most 10 s) for it to be gone. */
  @Override
  public void close() {
    kill();
  }

  private void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the caller is being stopped: the kill is sent, do not wait
    }
  }

  /** The command and everything it printed so far, for failure messages. */
  public String describe() {
    try {
      return "$ " + String.join(" ", command) + "\nstdout:\n" + read(out) + "\nstderr:\n" + read(err);
    } catch (IOException e) {
      return "$ " + String.join(" ", command) + " (output unreadable: " + e + ")";
    }
  }

  public static List<String> lines(Path p) throws IOException {
    return Files.exists(p) ? Files.readAllLines(p, StandardCharsets.UTF_8) : List.of();
  }

  public static String read(Path p) throws IOException {
    return String.join("\n", lines(p));
  }

  /** How a process ended and what it printed. */
  public static final class Exit {
    public final int code;
    public final List<String> stdout;
    public final List<String> stderr;

    Exit(int code, List<String> stdout, List<String> stderr) {
      this.code = code;
      this.stdout = stdout;
      this.stderr = stderr;
    }
  }
}
