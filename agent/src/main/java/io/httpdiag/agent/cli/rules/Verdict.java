package io.httpdiag.agent.cli.rules;

import java.util.Locale;

/**
 * One rule's result over one recording, in JMC's terms: a score from 0 to 100 (or -1, not
 * applicable), a one-line summary, an explanation and the fix. Immutable.
 */
public record Verdict(HttpRule rule, double score, String summary, String explanation, String solution) {
  /** JMC's lower bound of a warning ({@code Severity.WARNING}). */
  public static final double WARNING = 75;
  /** JMC's lower bound of an information ({@code Severity.INFO}). */
  public static final double INFO = 25;

  /** JMC's severities, by score; {@link #NOT_APPLICABLE} is a score of -1. */
  public enum Level {
    NOT_APPLICABLE, OK, INFO, WARNING;

    public String label() {
      return this == NOT_APPLICABLE ? "n/a" : name().toLowerCase(Locale.ROOT);
    }
  }

  static Verdict notApplicable(HttpRule rule, String why) {
    return new Verdict(rule, -1, why, null, null);
  }

  public Level level() {
    if (score < 0) return Level.NOT_APPLICABLE;
    if (score >= WARNING) return Level.WARNING;
    if (score >= INFO) return Level.INFO;
    return Level.OK;
  }
}
