package io.httpdiag.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child process (a server JVM, a client JVM or nginx), optionally pinned to one core with
 * {@code taskset}. Its output is read on a daemon thread: lines are kept (the last 200, for error
 * messages) and can be awaited. CPU time and RSS come from {@code /proc}, summed over the process
 * and its descendants (nginx's worker).
 */
final class Child implements AutoCloseable {
  private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
  private final String name;
  private final Process process;
  private final Deque<String> tail = new ArrayDeque<>();
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Writer stdin;

  private Child(String name, Process process) {
    this.name = name;
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread t = new Thread(this::pump, "child-" + name);
    t.setDaemon(true);
    t.start();
  }

  /** Starts {@code command}, on core {@code core} when it is >= 0 and taskset exists. */
  static Child start(String name, int core, List<String> command) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (core >= 0 && Env.TASKSET != null) {
      cmd.addAll(List.of(Env.TASKSET, "-c", Integer.toString(core)));
    }
    cmd.addAll(command);
    return new Child(name, new ProcessBuilder(cmd).redirectErrorStream(true).start());
  }

  /** The java command of this JVM with {@code jvmArgs} then {@code main} and its arguments. */
  static List<String> java(List<String> jvmArgs, String main, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main);
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Waits for a line that matches, returning it; fails with the output so far. */
  String await(Predicate<String> match, long timeoutMillis) throws Exception {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? lines.poll(Math.min(left, 100_000_000), TimeUnit.NANOSECONDS) : null;
      if (line != null && match.test(line)) {
        return line;
      }
      if (line == null && (left <= 0 || (!process.isAlive() && lines.isEmpty()))) {
        Thread.sleep(50); // let the pump catch the last lines
        throw new IOException(name + ": " + (process.isAlive() ? "timed out" : "exited " + process.exitValue())
            + " waiting for output; last lines:\n  " + String.join("\n  ", tail()));
      }
    }
  }

  /** Sends one line to the child's stdin. */
  void send(String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  /** The port from a {@code LISTENING <port>} line. */
  int awaitPort() throws Exception {
    return awaitPort(30_000);
  }

  int awaitPort(long timeoutMillis) throws Exception {
    return Integer.parseInt(await(l -> l.startsWith("LISTENING "), timeoutMillis).substring(10).trim());
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  int waitFor(long timeoutMillis) throws Exception {
    if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
      throw new IOException(name + " did not exit within " + timeoutMillis + " ms");
    }
    Thread.sleep(20);
    return process.exitValue();
  }

  /** User + system CPU time of the process and its descendants, in microseconds. */
  long cpuMicros() {
    long ticks = cpuTicks(process.pid());
    for (ProcessHandle h : process.descendants().toList()) {
      ticks += cpuTicks(h.pid());
    }
    return ticks * 1_000_000 / TICKS_PER_SECOND;
  }

  /** Resident set size of the process and its descendants, in bytes (0 when unknown). */
  long rssBytes() {
    long kb = rssKb(process.pid());
    for (ProcessHandle h : process.descendants().toList()) {
      kb += rssKb(h.pid());
    }
    return kb * 1024;
  }

  synchronized List<String> tail() {
    return new ArrayList<>(tail);
  }

  @Override
  public void close() throws Exception {
    try {
      stdin.close();
    } catch (IOException ignored) {
      // already gone
    }
    List<ProcessHandle> kids = process.descendants().toList();
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
    for (ProcessHandle k : kids) {
      k.destroyForcibly();
    }
  }

  private void pump() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        synchronized (this) {
          tail.addLast(line);
          if (tail.size() > 200) {
            tail.removeFirst();
          }
        }
        lines.add(line);
      }
    } catch (IOException ignored) {
      // process ended
    }
  }

  private static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long rssKb(long pid) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not on Linux, or gone
    }
    return 0;
  }
}
