package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a JVM started with the agent prints on its own account: bad options are one plain line. */
class StartupIT {
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
