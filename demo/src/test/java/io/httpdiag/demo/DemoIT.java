package io.httpdiag.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The demo as a newcomer runs it: a child JVM with {@code -javaagent}, every scenario, then the
 * agent's {@code report} command on the recording it wrote.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoIT {
  static final Path AGENT = Path.of(System.getProperty("httpdiag.test.agentJar", "../agent/target/httpdiag-agent.jar"));
  static final Path DEMO = Path.of(System.getProperty("httpdiag.test.demoJar", "target/httpdiag-demo.jar"));
  static final Path WORK = Path.of(System.getProperty("httpdiag.test.workDir", "target/it-work"));
  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  private Result all;
  private Map<String, String[]> rows;

  @BeforeAll
  void runEveryScenarioWithTheAgent() throws Exception {
    all = run(WORK.resolve("all"), JAVA, "-javaagent:" + AGENT.toAbsolutePath(), "-jar", DEMO.toAbsolutePath().toString());
    rows = table(all.out);
  }

  @Test
  void everyBadVariantYieldsItsFindingAndEveryFixedVariantNone() {
    assertEquals(0, all.exit, all.describe());
    for (String core : List.of("body-not-closed", "body-closed-early", "client-per-request", "pool-churn", "no-timeouts",
        "slowloris", "tls-reuse")) {
      String[] bad = row(core, "bad");
      assertEquals("ok", bad[5], core + " bad: " + String.join(" | ", bad) + "\n" + all.describe());
      assertEquals(bad[3], bad[4], core + " bad: expected vs seen");
      assertNotEquals("-", bad[4], core + " bad found nothing");
      String[] fixed = row(core, "fixed");
      assertEquals("-", fixed[4], core + " fixed must find nothing: " + String.join(" | ", fixed));
      assertEquals("ok", fixed[5]);
    }
    assertEquals("BODY_NOT_CLOSED", row("body-not-closed", "bad")[4]);
    assertEquals("POOL_CHURN", row("pool-churn", "bad")[4]);
    assertEquals("MISSING_TIMEOUT,STUCK_EXCHANGE", row("no-timeouts", "bad")[4]);
  }

  @Test
  void jdkAndThreadLeakRowsAreFound() {
    for (String jdk : List.of("body-not-closed-jdk", "client-per-request-jdk", "no-timeouts-jdk")) {
      assertEquals("ok", row(jdk, "bad")[5], jdk + " bad: " + String.join(" | ", row(jdk, "bad")));
      assertEquals("ok", row(jdk, "fixed")[5], jdk + " fixed");
    }
    for (String uc : List.of("body-not-closed-uc", "body-closed-early-uc")) {
      assertEquals("ok", row(uc, "bad")[5], uc + " bad: " + String.join(" | ", row(uc, "bad")));
      assertEquals("ok", row(uc, "fixed")[5], uc + " fixed");
    }
    assertEquals("BODY_CLOSED_EARLY", row("body-closed-early-uc", "bad")[4]);
    assertEquals("ok", row("handler-thread-leak", "bad")[5], String.join(" | ", row("handler-thread-leak", "bad")));
    assertEquals("THREAD_LEAK", row("handler-thread-leak", "bad")[4]);
    assertEquals("ok", row("handler-thread-leak", "fixed")[5]);
  }

  @Test
  void okHttpRowsAreFound() {
    assertEquals("BODY_NOT_CLOSED", row("body-not-closed-okhttp", "bad")[4], String.join(" | ", row("body-not-closed-okhttp", "bad")));
    assertEquals("POOL_EXHAUSTED", row("dispatcher-okhttp", "bad")[4], String.join(" | ", row("dispatcher-okhttp", "bad")));
    for (String okhttp : List.of("body-not-closed-okhttp", "dispatcher-okhttp")) {
      assertEquals("ok", row(okhttp, "bad")[5], okhttp + " bad");
      assertEquals("-", row(okhttp, "fixed")[4], okhttp + " fixed must find nothing");
      assertEquals("ok", row(okhttp, "fixed")[5], okhttp + " fixed");
    }
  }

  @Test
  void apache5PoolExhaustedRowIsFound() {
    String[] bad = row("pool-exhausted-apache5", "bad");
    assertEquals("ok", bad[5], String.join(" | ", bad) + "\n" + all.describe());
    assertTrue(bad[4].contains("POOL_EXHAUSTED") && bad[4].contains("BODY_NOT_CLOSED"), String.join(" | ", bad));
    assertEquals("-", row("pool-exhausted-apache5", "fixed")[4], String.join(" | ", row("pool-exhausted-apache5", "fixed")));
    assertTrue(all.err.contains("sent at io.httpdiag.demo.Apache5Scenarios$PoolExhausted.run(Apache5Scenarios.java:"),
        all.describe());
  }

  @Test
  void apache4PoolExhaustedRowIsFound() {
    String[] bad = row("pool-exhausted-apache4", "bad");
    assertEquals("ok", bad[5], String.join(" | ", bad) + "\n" + all.describe());
    assertTrue(bad[4].contains("POOL_EXHAUSTED") && bad[4].contains("BODY_NOT_CLOSED"), String.join(" | ", bad));
    assertEquals("-", row("pool-exhausted-apache4", "fixed")[4], String.join(" | ", row("pool-exhausted-apache4", "fixed")));
    assertTrue(all.err.contains("sent at io.httpdiag.demo.Apache4Scenarios$PoolExhausted.run(Apache4Scenarios.java:"), all.describe());
  }

  @Test
  void findingsPrintWithCallSiteAndFixAndTheRecordingIsWritten() throws Exception {
    assertTrue(all.err.contains("httpdiag LEAK response body not closed"), all.describe());
    assertTrue(all.err.contains("sent at io.httpdiag.demo.BodyNotClosed.run(BodyNotClosed.java:"), all.describe());
    assertTrue(all.err.contains("  fix: close the body"), all.describe());
    assertTrue(all.out.contains("jfr print --events 'httpdiag.*' httpdiag-demo.jfr"), all.out);
    assertTrue(Files.size(WORK.resolve("all/httpdiag-demo.jfr")) > 0);
    assertTrue(all.seconds < 180, "the demo took " + all.seconds + " s");
  }

  @Test
  void reportSummarisesTheDemoRecording() throws Exception {
    Path html = WORK.resolve("all/report.html");
    Result r = run(WORK.resolve("all"), JAVA, "-jar", AGENT.toAbsolutePath().toString(), "report", "httpdiag-demo.jfr",
        "--html", html.toAbsolutePath().toString());
    assertEquals(0, r.exit, r.describe());
    for (String s : List.of("Client exchanges per host", "Findings by kind and call site", "Pool statistics over time",
        "BODY_NOT_CLOSED", "io.httpdiag.demo.BodyNotClosed.run(BodyNotClosed.java:", "POOL_CHURN", "CLIENT_PER_REQUEST")) {
      assertTrue(r.out.contains(s), "missing " + s + "\n" + r.out);
    }
    String page = Files.readString(html);
    for (String fetch : List.of("src=", "href=", "@import", "url(", "<script")) {
      assertFalse(page.contains(fetch), "the page must be self-contained: found " + fetch);
    }
  }

  @Test
  void htmlReportRendersInHeadlessChromium() throws Exception {
    String chromium = chromium();
    assumeTrue(chromium != null, "chromium not installed (.ci/run installs it)");
    Path html = WORK.resolve("all/rendered.html");
    Result r = run(WORK.resolve("all"), JAVA, "-jar", AGENT.toAbsolutePath().toString(), "report", "httpdiag-demo.jfr",
        "--html", html.toAbsolutePath().toString());
    assertEquals(0, r.exit, r.describe());
    Result dom = run(WORK.resolve("chromium"), chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--user-data-dir=" + WORK.resolve("chromium/profile").toAbsolutePath(), "--dump-dom",
        html.toAbsolutePath().toUri().toString());
    assertEquals(0, dom.exit, dom.describe());
    for (String s : List.of("id=\"hosts\"", "id=\"findings\"", "id=\"waterfall\"", "id=\"pool\"", "BODY_NOT_CLOSED",
        "class=\"wf\"")) {
      assertTrue(dom.out.contains(s), "rendered DOM lacks " + s + "\n" + dom.describe());
    }
  }

  @Test
  void reportRejectsWhatItCannotReadWithOneLineAndExitCode2() throws Exception {
    Path dir = Files.createDirectories(WORK.resolve("bad-input"));
    Path text = Files.writeString(dir.resolve("notes.jfr"), "not a recording\n");
    byte[] rec = Files.readAllBytes(WORK.resolve("all/httpdiag-demo.jfr"));
    Path truncated = Files.write(dir.resolve("truncated.jfr"), java.util.Arrays.copyOf(rec, rec.length / 3));
    Path empty = dir.resolve("no-httpdiag.jfr");
    try (jdk.jfr.Recording r = new jdk.jfr.Recording()) {
      r.enable("jdk.JVMInformation");
      r.start();
      r.stop();
      r.dump(empty);
    }
    Map<Path, String> expected = new LinkedHashMap<>();
    expected.put(text, "not a JFR recording");
    expected.put(truncated, "truncated or corrupt JFR recording");
    expected.put(empty, "no httpdiag events");
    expected.put(dir.resolve("missing.jfr"), "no such file");
    for (Map.Entry<Path, String> e : expected.entrySet()) {
      Result r = run(dir, JAVA, "-jar", AGENT.toAbsolutePath().toString(), "report", e.getKey().toString());
      assertEquals(2, r.exit, r.describe());
      assertEquals(1, r.err.strip().lines().count(), r.describe());
      assertTrue(r.err.contains(e.getValue()), r.describe());
    }
  }

  @Test
  void withoutTheAgentTheDemoRunsAndSaysHowToAttachIt() throws Exception {
    Result r = run(WORK.resolve("no-agent"), JAVA, "-jar", DEMO.toAbsolutePath().toString(), "run", "body-not-closed");
    assertEquals(0, r.exit, r.describe());
    assertTrue(r.out.contains("NOT attached") && r.out.contains("-javaagent:agent/target/httpdiag-agent.jar"), r.out);
    assertTrue(r.out.contains("agent not attached"), r.out);
  }

  @Test
  void onJava17TheThreadLeakScenarioUsesPlatformThreads() throws Exception {
    Path java17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
    assumeTrue(Files.isExecutable(java17), "no Java 17 at " + java17);
    Result r = run(WORK.resolve("java17"), java17.toString(), "-javaagent:" + AGENT.toAbsolutePath(), "-jar",
        DEMO.toAbsolutePath().toString(), "run", "handler-thread-leak", "body-not-closed");
    assertEquals(0, r.exit, r.describe());
    Map<String, String[]> t = table(r.out);
    assertEquals("ok", t.get("handler-thread-leak bad")[5], r.out); // platform threads on 17
    assertEquals("ok", t.get("body-not-closed bad")[5], r.out);
  }

  @Test
  void listHelpAndBadUsage() throws Exception {
    Result list = run(WORK.resolve("cli"), JAVA, "-jar", DEMO.toAbsolutePath().toString(), "--list");
    assertEquals(0, list.exit);
    for (String n : List.of("body-not-closed", "pool-churn", "slowloris", "tls-reuse", "no-timeouts-jdk")) {
      assertTrue(list.out.contains(n), list.out);
    }
    assertEquals(0, run(WORK.resolve("cli"), JAVA, "-jar", DEMO.toAbsolutePath().toString(), "--help").exit);
    Result bad = run(WORK.resolve("cli"), JAVA, "-jar", DEMO.toAbsolutePath().toString(), "run", "nope");
    assertEquals(2, bad.exit);
    assertTrue(bad.err.contains("unknown scenario 'nope'"), bad.err);
  }

  private String[] row(String scenario, String variant) {
    String[] r = rows.get(scenario + " " + variant);
    assertTrue(r != null, "no summary row for " + scenario + " " + variant + "\n" + all.describe());
    return r;
  }

  /** The summary table: columns located by the header's words; key "scenario variant". */
  static Map<String, String[]> table(String out) {
    List<String> lines = out.lines().toList();
    int h = lines.indexOf("summary") + 1;
    assertTrue(h > 0, "no summary table in:\n" + out);
    String header = lines.get(h);
    String[] names = {"scenario", "variant", "transport", "expected", "seen", "result"};
    int[] at = new int[names.length];
    for (int i = 0; i < names.length; i++) at[i] = header.indexOf(names[i]);
    Map<String, String[]> rows = new LinkedHashMap<>();
    for (int i = h + 1; i < lines.size() && !lines.get(i).isBlank(); i++) {
      String l = lines.get(i);
      String[] cells = new String[names.length];
      for (int c = 0; c < names.length; c++) {
        int end = c + 1 < names.length ? Math.min(l.length(), at[c + 1]) : l.length();
        cells[c] = l.substring(Math.min(at[c], l.length()), end).trim();
      }
      rows.put(cells[0] + " " + cells[1], cells);
    }
    return rows;
  }

  static String chromium() {
    for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
      if (new File(c).canExecute()) return c;
    }
    return null;
  }

  static Result run(Path dir, String... command) throws Exception {
    Files.createDirectories(dir);
    String name = Path.of(command[command.length - 1]).getFileName().toString().replaceAll("[^A-Za-z0-9.-]", "_");
    Path out = dir.resolve(name + ".out");
    Path err = dir.resolve(name + ".err");
    long start = System.nanoTime();
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile())
        .redirectError(err.toFile()).start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", command));
    }
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8), (System.nanoTime() - start) / 1e9, List.of(command));
  }

  record Result(int exit, String out, String err, double seconds, List<String> command) {
    String describe() {
      return "$ " + String.join(" ", command) + "\nexit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

}
