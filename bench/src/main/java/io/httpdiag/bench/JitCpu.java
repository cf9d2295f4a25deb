package io.httpdiag.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time this JVM's JIT compiler threads have used so far, for the warm-up's "the JIT has gone
 * quiet" condition. Read from {@code /proc/self/task} (threads named {@code C1 CompilerThre…} and
 * {@code C2 CompilerThre…}): CPU time, so a compile that waits for a core on a loaded machine is
 * not counted as work. Elsewhere, {@code CompilationMXBean.getTotalCompilationTime}, which is wall
 * time summed over compiler threads (it overstates on a loaded machine).
 */
final class JitCpu {
  private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
  private static final Path TASKS = Path.of("/proc/self/task");

  private JitCpu() {}

  /** JIT milliseconds so far, or -1 when this JVM cannot tell. */
  static long millis() {
    if (Files.isDirectory(TASKS)) {
      long ticks = 0;
      try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
        for (Path t : tasks) {
          try {
            String comm = Files.readString(t.resolve("comm"));
            if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
              String stat = Files.readString(t.resolve("stat"));
              String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
              ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
            }
          } catch (IOException | RuntimeException gone) {
            // the thread ended meanwhile (compiler threads come and go with UseDynamicNumberOfCompilerThreads)
          }
        }
        return ticks * 1000 / TICKS_PER_SECOND;
      } catch (IOException e) {
        // fall through
      }
    }
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
  }
}
