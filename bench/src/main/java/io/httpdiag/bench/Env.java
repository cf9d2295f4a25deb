package io.httpdiag.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What this machine has: tools, cores, the agent jar. */
final class Env {
  static final String TASKSET = executable("/usr/bin/taskset", "/bin/taskset");
  static final String WRK = executable("/usr/bin/wrk", "/usr/local/bin/wrk");
  static final String NGINX = executable("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx");
  static final String GO = executable("/usr/local/go/bin/go", "/usr/bin/go", "/usr/local/bin/go");
  static final int CORES = Runtime.getRuntime().availableProcessors();
  /** Core for the server under test, or -1 (no pinning) on one core. */
  static final int SERVER_CORE = CORES >= 2 && TASKSET != null ? 0 : -1;
  /** Core for the load generator or client. */
  static final int LOAD_CORE = CORES >= 2 && TASKSET != null ? 1 : -1;

  private Env() {}

  static String executable(String... candidates) {
    for (String c : candidates) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    return null;
  }

  /** The output of {@code uptime}, or the load average from /proc. */
  static String uptime() {
    try {
      Process p = new ProcessBuilder("uptime").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor();
      return out;
    } catch (Exception e) {
      try {
        return "loadavg " + Files.readString(Path.of("/proc/loadavg")).trim();
      } catch (IOException e2) {
        return "load unknown";
      }
    }
  }

  /** The 1-minute load average (-1 when unknown). */
  static double load1() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** A file of the repository found upwards from the bench classes (jar or directory), or null. */
  static Path repoFile(String relative) {
    try {
      Path p = Path.of(Env.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
      for (; p != null; p = p.getParent()) {
        if (Files.exists(p.resolve(relative))) {
          return p.resolve(relative);
        }
      }
    } catch (Exception ignored) {
      // fall through
    }
    Path cwd = Path.of(relative).toAbsolutePath();
    return Files.exists(cwd) ? cwd : null;
  }

  static String describe() {
    return "cores " + CORES + ", java " + System.getProperty("java.version") + ", taskset " + (TASKSET != null)
        + ", wrk " + (WRK != null) + ", nginx " + (NGINX != null) + ", go " + (GO != null)
        + "; server core " + SERVER_CORE + ", load core " + LOAD_CORE;
  }

  static List<String> serverJvmArgs() {
    return List.of("-XX:+UseSerialGC", "-Xms256m", "-Xmx256m");
  }
}
