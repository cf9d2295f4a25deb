package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/**
 * A finding seen 20 times is 20 in the recording and in {@code report --html}, not the 10 of its last
 * logged occurrence (issue 20, item 7).
 */
class FindingCountIT {
  static final String APP = "io.httpdiag.agent.testapp.RepeatedFinding";
  static final int TIMES = 20;

  @Test
  void aFindingSeenTwentyTimesCountsTwentyInTheRecordingAndTheHtmlReport() throws Exception {
    Path dir = ChildJvm.workDir();
    Path jfr = dir.resolve("repeated-" + System.nanoTime() + ".jfr").toAbsolutePath();
    ChildJvm.Result app = new ChildJvm().mainClass(APP).agent("").args(jfr.toString()).run(120);
    assertTrue(app.stdout.contains("testapp: done"), app.toString());
    String site = "io.httpdiag.agent.testapp.RepeatedFinding.main(RepeatedFinding.java:" + line() + ")";

    long max = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
      if (e.getEventType().getName().equals("httpdiag.Finding") && "MISSING_TIMEOUT".equals(e.getString("kind"))
          && site.equals(e.getString("callSite"))) {
        max = Math.max(max, e.getLong("count"));
      }
    }
    assertEquals(TIMES, max, "the recording's count for MISSING_TIMEOUT at " + site);

    Path html = dir.resolve("repeated-" + System.nanoTime() + ".html").toAbsolutePath();
    ChildJvm.Result report = new ChildJvm().mainClassless("-jar", ChildJvm.agentJar().toString(), "report",
        jfr.toString(), "--html", html.toString()).run(60);
    assertEquals(0, report.exitCode, report.toString());
    String page = Files.readString(html);
    Matcher row = Pattern.compile("<td class=\"kind\">MISSING_TIMEOUT</td><td class=\"n\">(\\d+)</td><td>"
        + Pattern.quote(site) + "</td>").matcher(page);
    assertTrue(row.find(), "no MISSING_TIMEOUT row for " + site + " in\n" + page);
    assertEquals(Integer.toString(TIMES), row.group(1), "the HTML report's count");
  }

  /** The line of RepeatedFinding marked {@code // REPEATED:}. */
  static int line() throws Exception {
    List<String> lines = Files.readAllLines(Paths.get(System.getProperty("httpdiag.test.sources", "src/test/java"), "io/httpdiag/agent/testapp/RepeatedFinding.java"));
    for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains("// REPEATED:")) return i + 1;
    throw new AssertionError("no // REPEATED: line");
  }
}
