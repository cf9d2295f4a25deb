package io.httpdiag.jmc.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.flightrecorder.JfrLoaderToolkit;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.openjdk.jmc.flightrecorder.rules.RuleRegistry;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

/**
 * JMC's own rule engine (RuleRegistry, RulesToolkit.evaluateParallel over JfrLoaderToolkit) on
 * recordings of the demo's scenarios, one file per variant (made by {@code
 * io.httpdiag.demo.VariantRecordings} in a child JVM with the agent): every rule fires at WARNING
 * on its bad scenario and nothing is above OK on the fixed ones; the agent's {@code report} prints
 * the same verdict (level and score) for every rule on every file.
 */
class JmcRulesIT {
  /** The scenario whose mistake each rule must report as a warning. */
  static final Map<String, String> BAD_SCENARIO = new LinkedHashMap<>();
  static {
    BAD_SCENARIO.put("HttpdiagFindings", "body-not-closed");
    BAD_SCENARIO.put("HttpdiagConnectionReuse", "pool-churn");
    BAD_SCENARIO.put("HttpdiagPoolWait", "pool-exhausted-apache5");
    BAD_SCENARIO.put("HttpdiagDialTime", "tls-reuse");
    BAD_SCENARIO.put("HttpdiagServerHandlers", "no-timeouts");
  }

  /** A second scenario for the findings rule: a missing timeout alone (no stuck exchange) is a warning too. */
  static final String MISSING_TIMEOUT_SCENARIO = "slowloris";
  /** And a body closed early (two requests: too few for the reuse rule, a warning by its kind). */
  static final String CLOSED_EARLY_SCENARIO = "body-closed-early";

  static final Path WORK = Path.of(System.getProperty("httpdiag.test.workDir", "target/it-work"));
  static final Path RECORDINGS = WORK.resolve("recordings");
  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @BeforeAll
  static void recordTheScenarios() throws Exception {
    // detect.stuck.after=1s: a handler stalled that long is reported stuck (VariantRecordings waits for it)
    List<String> cmd = new ArrayList<>(List.of(JAVA, "-javaagent:" + property("httpdiag.test.agentJar") + "=detect.stuck.after=1s",
        "-cp", property("httpdiag.test.demoJar") + File.pathSeparator + property("httpdiag.test.testClasses"),
        "io.httpdiag.demo.VariantRecordings", RECORDINGS.toString()));
    for (String s : scenarios()) {
      cmd.add(s.equals(BAD_SCENARIO.get("HttpdiagServerHandlers")) ? s + ":await-stuck-handler" : s);
    }
    String output = run(cmd, "variants", 180);
    for (String scenario : scenarios()) {
      for (String variant : List.of("bad", "fixed")) {
        assertTrue(Files.size(RECORDINGS.resolve(scenario + "-" + variant + ".jfr")) > 0, output);
      }
    }
  }

  @Test
  void jmcsRuleRegistryListsTheRulesFromTheRulesJar() throws Exception {
    Map<String, IRule> ours = ours();
    assertEquals(new java.util.TreeSet<>(BAD_SCENARIO.keySet()), ours.keySet());
    assertEquals(BAD_SCENARIO.size(), ours.size(), "rules: " + ours.keySet());
    String from = FindingsRule.class.getProtectionDomain().getCodeSource().getLocation().getPath();
    assertTrue(from.endsWith("httpdiag-jmc-rules.jar"), "the rules come from the packaged jar, not " + from);
    for (IRule r : ours.values()) assertEquals("httpdiag", r.getTopic(), r.getId());
  }

  @ParameterizedTest(name = "{0} warns on {1}")
  @CsvSource({"HttpdiagFindings, body-not-closed", "HttpdiagConnectionReuse, pool-churn",
      "HttpdiagPoolWait, pool-exhausted-apache5", "HttpdiagDialTime, tls-reuse",
      "HttpdiagServerHandlers, no-timeouts", "HttpdiagFindings, " + MISSING_TIMEOUT_SCENARIO,
      "HttpdiagFindings, " + CLOSED_EARLY_SCENARIO})
  void eachRuleWarnsOnItsBadScenario(String rule, String scenario) throws Exception {
    IResult r = evaluate(RECORDINGS.resolve(scenario + "-bad.jfr")).get(rule);
    assertEquals(Severity.WARNING, r.getSeverity(), describe(r));
    assertTrue(r.getSolution() != null && !r.getSolution().isBlank(), "a warning says what to do: " + describe(r));
  }

  @Test
  void nothingIsAboveOkOnTheFixedScenarios() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (String scenario : scenarios()) {
      Map<String, IResult> results = evaluate(RECORDINGS.resolve(scenario + "-fixed.jfr"));
      for (IResult r : results.values()) {
        if (r.getSeverity().compareTo(Severity.OK) > 0) wrong.add(scenario + "-fixed: " + describe(r));
      }
      // The agent ran, so the rules that read client exchanges and findings are applicable: OK, not N/A.
      assertEquals(Severity.OK, results.get("HttpdiagFindings").getSeverity(), scenario);
    }
    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
  }

  @Test
  void aRecordingWithoutTheAgentIsNotApplicable() throws Exception {
    Path file = WORK.resolve("no-agent.jfr");
    try (jdk.jfr.Recording rec = new jdk.jfr.Recording()) {
      rec.enable("jdk.JavaMonitorWait");
      rec.enable("jdk.CPULoad").withPeriod(java.time.Duration.ofMillis(10));
      rec.start();
      Object lock = new Object();
      synchronized (lock) {
        lock.wait(50);
      }
      rec.stop();
      rec.dump(file);
    }
    for (IResult r : evaluate(file).values()) assertEquals(Severity.NA, r.getSeverity(), describe(r));
  }

  /** The report command (no JMC on its class path) prints the verdict JMC gives, for every rule and file. */
  @Test
  void theReportCommandShowsTheSameVerdicts() throws Exception {
    List<String> differ = new ArrayList<>();
    try (var files = Files.list(RECORDINGS)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jfr")).sorted().collect(Collectors.toList())) {
        String report = run(List.of(JAVA, "-jar", property("httpdiag.test.agentJar"), "report", f.toString()),
            "report-" + f.getFileName(), 60);
        for (Map.Entry<String, IResult> e : evaluate(f).entrySet()) {
          IResult r = e.getValue();
          String score = r.getSeverity() == Severity.NA ? "-"
              : String.format(java.util.Locale.ROOT, "%.0f", r.getResult(TypedResult.SCORE).doubleValue());
          String level = r.getSeverity() == Severity.NA ? "N/A" : r.getSeverity().name();
          String expected = String.format(java.util.Locale.ROOT, "  %-7s %3s  %s: %s", level, score,
              r.getRule().getName(), r.getSummary());
          if (!report.contains(expected + "\n")) differ.add(f.getFileName() + ": JMC says [" + expected + "]");
        }
      }
    }
    assertTrue(differ.isEmpty(), String.join("\n", differ));
  }

  /** JMC's own command-line report (JfrRulesReport) with the rules jar on its class path, as a user runs it. */
  @Test
  void jmcsHeadlessReportWithTheJarOnTheClassPathShowsTheWarnings() throws Exception {
    List<String> cp = new ArrayList<>(List.of(property("httpdiag.test.rulesJar")));
    for (Class<?> c : List.of(IRule.class, JfrLoaderToolkit.class, IItemCollection.class, org.owasp.encoder.Encode.class,
        net.jpountz.lz4.LZ4Factory.class)) {
      cp.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    }
    String report = run(List.of(JAVA, "-cp", String.join(File.pathSeparator, cp),
        "org.openjdk.jmc.flightrecorder.rules.report.JfrRulesReport", "-format", "text", "-min", "warning",
        RECORDINGS.resolve("body-not-closed-bad.jfr").toString()), "jfr-rules-report", 120);
    assertTrue(report.contains("HTTP findings by kind and call site"), report);
    assertTrue(report.contains("BODY_NOT_CLOSED at io.httpdiag.demo.BodyNotClosed"), report);
  }

  @Test
  void theJarIsAJmcDesktopPlugin() throws Exception {
    try (JarFile jar = new JarFile(property("httpdiag.test.rulesJar"))) {
      Manifest m = jar.getManifest();
      assertEquals("2", m.getMainAttributes().getValue("Bundle-ManifestVersion"));
      assertEquals("io.httpdiag.jmc.rules;singleton:=true", m.getMainAttributes().getValue("Bundle-SymbolicName"));
      String requires = m.getMainAttributes().getValue("Require-Bundle");
      for (String b : List.of("org.openjdk.jmc.common;", "org.openjdk.jmc.flightrecorder;", "org.openjdk.jmc.flightrecorder.rules;")) {
        assertTrue(requires.contains(b), requires);
      }
      String plugin = new String(jar.getInputStream(jar.getEntry("plugin.xml")).readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(plugin.contains("<extension point=\"org.openjdk.jmc.flightrecorder.rules.ruleProvider\">"), plugin);
      String services = new String(jar.getInputStream(jar.getEntry("META-INF/services/org.openjdk.jmc.flightrecorder.rules.IRule"))
          .readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(BAD_SCENARIO.size(), services.strip().lines().count(), services);
      List<String> agentClasses = jar.stream().map(e -> e.getName()).filter(n -> n.startsWith("io/httpdiag/agent/"))
          .collect(Collectors.toList());
      assertTrue(agentClasses.isEmpty(), "the verdict classes are relocated, nothing else of the agent: " + agentClasses);
    }
  }

  /** Every scenario recorded: each rule's bad scenario, {@link #MISSING_TIMEOUT_SCENARIO} and {@link #CLOSED_EARLY_SCENARIO}. */
  static List<String> scenarios() {
    List<String> all = new ArrayList<>(BAD_SCENARIO.values());
    all.add(MISSING_TIMEOUT_SCENARIO);
    all.add(CLOSED_EARLY_SCENARIO);
    return all.stream().distinct().collect(Collectors.toList());
  }

  /** JMC's engine over one file: our rules' results by id. */
  static Map<String, IResult> evaluate(Path jfr) throws Exception {
    IItemCollection items = JfrLoaderToolkit.loadEvents(jfr.toFile());
    Map<IRule, Future<IResult>> futures = RulesToolkit.evaluateParallel(ours().values(), items, null, 1);
    Map<String, IResult> results = new TreeMap<>();
    for (Map.Entry<IRule, Future<IResult>> e : futures.entrySet()) {
      results.put(e.getKey().getId(), e.getValue().get(60, TimeUnit.SECONDS));
    }
    return results;
  }

  static Map<String, IRule> ours() {
    Map<String, IRule> ours = new TreeMap<>();
    for (IRule r : RuleRegistry.getRules()) if (BAD_SCENARIO.containsKey(r.getId())) ours.put(r.getId(), r);
    return ours;
  }

  static String describe(IResult r) {
    return r.getRule().getId() + " " + r.getSeverity() + " score=" + r.getResult(TypedResult.SCORE) + ": "
        + r.getSummary() + "\n  " + r.getExplanation() + "\n  fix: " + r.getSolution();
  }

  static String property(String name) {
    String v = System.getProperty(name);
    if (v == null) fail("system property " + name + " is not set (run through failsafe)");
    return v;
  }

  /** Runs a child process to its end (killed after {@code seconds}); its output, or fails if it exits non-zero. */
  static String run(List<String> cmd, String name, int seconds) throws Exception {
    Files.createDirectories(WORK);
    Path log = WORK.resolve(name + ".out");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      fail(name + " did not end in " + seconds + " s: " + Files.readString(log));
    }
    String out = Files.readString(log);
    assertEquals(0, p.exitValue(), name + " " + cmd + ":\n" + out);
    return out;
  }
}
