package io.httpdiag.agent;

import io.httpdiag.agent.report.Reporter;
import io.httpdiag.agent.runtime.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A second attach to a JVM that already runs the agent: applies the options that can change at run
 * time and refuses the rest. Boot-loaded like the runtime; {@code Agent} calls {@link #apply}
 * through the boot loader and hands the verdict to the attaching process.
 *
 * <p>Reads: the attach options; the {@link Reporter} the installer built (handed over by
 * {@link #installed}). Writes: {@link Reporter#logLevel} only. Everything else (instrumentation,
 * JFR, redaction, detectors and their thresholds, the log's file and format) is fixed at start:
 * the detectors and the redactor are immutable objects built from the start-up Config.
 */
public final class Reconfigure {
  /** The options a second attach applies; agent/README.md lists them. */
  static final List<String> CHANGEABLE = List.of("log");

  private static Reporter reporter; // guarded by Reconfigure.class

  private Reconfigure() {}

  /** Called once by the installer with the sink it built. */
  public static synchronized void installed(Reporter installedReporter) {
    reporter = installedReporter;
  }

  /**
   * Applies {@code agentArgs} to the running agent. Returns the verdict as {@code "<exit code>
   * <one line>"}: 0 when every option took effect, 1 when some could not change at run time (the
   * others were applied), 2 for a bad option (nothing changed).
   */
  public static synchronized String apply(String agentArgs) {
    try {
      Config.parse(agentArgs, null);
    } catch (IllegalArgumentException e) {
      return "2 " + e.getMessage() + "; nothing changed";
    }
    if (reporter == null) return "1 the agent in this JVM did not finish starting; nothing changed";
    List<String> changed = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (String option : agentArgs == null ? new String[0] : agentArgs.split(",")) {
      option = option.trim();
      if (option.isEmpty()) continue;
      int eq = option.indexOf('=');
      String key = option.substring(0, eq).trim();
      String value = option.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
      if (!CHANGEABLE.contains(key)) {
        refused.add(option);
        continue;
      }
      try {
        reporter.logLevel(Config.LogLevel.valueOf(value.toUpperCase(Locale.ROOT)));
        changed.add(key + "=" + value);
      } catch (Exception e) {
        failed.add(option + " (" + e.getMessage() + ")");
      }
    }
    StringBuilder line = new StringBuilder();
    if (!changed.isEmpty()) line.append("changed ").append(String.join(",", changed));
    if (!failed.isEmpty()) line.append(line.length() > 0 ? "; " : "").append("could not apply ").append(String.join(", ", failed));
    if (!refused.isEmpty()) {
      line.append(line.length() > 0 ? "; " : "").append("cannot change ").append(String.join(",", refused))
          .append(" at run time (only ").append(String.join(", ", CHANGEABLE)).append(" can; restart the JVM for the others)");
    }
    if (line.length() == 0) line.append("nothing to change");
    return (refused.isEmpty() && failed.isEmpty() ? "0 " : "1 ") + line;
  }
}
