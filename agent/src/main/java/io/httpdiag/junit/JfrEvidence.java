package io.httpdiag.junit;

import java.nio.file.Path;
import jdk.jfr.Recording;

/** A JFR recording of the httpdiag events during one test, dumped to a file only when the test leaks. */
final class JfrEvidence {
  private static final String[] EVENTS = {
      "httpdiag.Exchange", "httpdiag.Connection", "httpdiag.ServerExchange", "httpdiag.Finding", "httpdiag.PoolStats"};
  private final Recording recording;

  private JfrEvidence(Recording recording) {
    this.recording = recording;
  }

  static JfrEvidence start() {
    Recording r = new Recording();
    r.setName("httpdiag-leak-check");
    for (String e : EVENTS) r.enable(e);
    r.start();
    return new JfrEvidence(r);
  }

  /** Writes the events to {@code <dir>/<subject>.jfr}; returns the line the report ends with. */
  String dump(String subject) {
    try {
      String file = (subject == null ? "snapshot-" + ProcessHandle.current().pid() : subject).replaceAll("[^A-Za-z0-9._-]+", "_");
      Path p = Snapshot.jfrDir().resolve(file + ".jfr").toAbsolutePath();
      recording.dump(p);
      return "JFR evidence: " + p + " (jfr print --events 'httpdiag.*' " + p + ")";
    } catch (Exception e) {
      return "JFR evidence: not written (" + e + ")";
    } finally {
      recording.close();
    }
  }

  void discard() {
    recording.close();
  }
}
