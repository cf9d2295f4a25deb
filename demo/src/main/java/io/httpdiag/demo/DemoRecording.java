package io.httpdiag.demo;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * An in-process JFR recording of the httpdiag events, dumped to a file at the end. Settings: the
 * agent's {@code httpdiag.jfc} (a resource of the agent jar, which {@code -javaagent} puts on the
 * class path), or the JDK's default settings with the httpdiag events enabled.
 */
final class DemoRecording implements AutoCloseable {
  static final String[] EVENTS = {"httpdiag.Exchange", "httpdiag.Connection", "httpdiag.ServerExchange",
      "httpdiag.Finding", "httpdiag.PoolStats"};
  private final Recording recording;
  private final String settings;

  private DemoRecording(Recording recording, String settings) {
    this.recording = recording;
    this.settings = settings;
  }

  static DemoRecording start() throws Exception {
    Configuration config;
    String settings;
    try (InputStream in = ClassLoader.getSystemResourceAsStream("httpdiag.jfc")) {
      if (in != null) {
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
          config = Configuration.create(r);
        }
        settings = "httpdiag.jfc from the agent jar";
      } else {
        config = Configuration.getConfiguration("default");
        settings = "the JDK's default settings + httpdiag.*";
      }
    }
    Recording rec = new Recording(config);
    rec.setName("httpdiag-demo");
    for (String e : EVENTS) rec.enable(e);
    rec.enable("httpdiag.PoolStats").withPeriod(Duration.ofSeconds(1)); // a short run: sample more often
    rec.start();
    return new DemoRecording(rec, settings);
  }

  String settings() {
    return settings;
  }

  /** Stops the recording and writes it to {@code file}. */
  void dump(Path file) throws Exception {
    recording.stop();
    recording.dump(file);
  }

  @Override
  public void close() {
    recording.close();
  }
}
