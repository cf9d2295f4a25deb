package io.httpdiag.agent.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The agent's options, parsed once at start and immutable afterwards. Sources, in order of
 * precedence: agent arguments ({@code -javaagent:httpdiag-agent.jar=log=full,jfr=on}), then system
 * properties {@code httpdiag.<key>}, then defaults. A bad key or value is an
 * {@link IllegalArgumentException} whose message is the single line the agent prints.
 */
public final class Config {
  public enum LogLevel { OFF, FINDINGS, SUMMARY, FULL }

  /** How the query part of a URL or request target is printed. */
  public enum QueryRedaction {
    /** {@code ?<redacted>} */ ALL,
    /** {@code ?a=<redacted>&b=<redacted>}: parameter names stay */ VALUES,
    /** printed as is */ OFF
  }

  /** When call sites are captured: see {@link CallSite}. */
  public enum Stacks { SAMPLED, ALL, OFF }

  /** Header names whose values are always redacted (lower case). */
  public static final Set<String> DEFAULT_REDACTED_HEADERS = Collections.unmodifiableSet(
      new TreeSet<>(Arrays.asList("authorization", "cookie", "set-cookie", "proxy-authorization")));

  /** Every key and its accepted values, in documentation order. */
  public static final Map<String, String> KEYS;

  static {
    Map<String, String> k = new LinkedHashMap<>();
    k.put("log", "off|findings|summary|full");
    k.put("log.file", "a file path");
    k.put("log.format", "text|json");
    k.put("jfr", "on|off");
    k.put("jmx", "on|off");
    k.put("instrument.core", "on|off");
    k.put("instrument.jdk", "on|off");
    k.put("instrument.okhttp", "on|off");
    k.put("instrument.tomcat", "on|off");
    k.put("instrument.jetty", "on|off");
    k.put("redact", "header names separated by ';'");
    k.put("redact.query", "all|values|off");
    k.put("max.exchanges", "an integer in 16..1000000");
    k.put("stacks", "sampled|all|off");
    k.put("callsite.skip", "package or class-name prefixes separated by ';'");
    k.put("detect", "on|off");
    k.put("detect.body", "on|off");
    k.put("detect.timeouts", "on|off");
    k.put("detect.churn", "on|off");
    k.put("detect.clients", "on|off");
    k.put("detect.threads", "on|off");
    k.put("detect.threads.after", "a duration such as 30s or 500ms");
    k.put("detect.body.after", "a duration such as 30s or 500ms");
    k.put("detect.stuck.after", "a duration such as 30s or 500ms");
    k.put("detect.pinned", "on|off");
    k.put("detect.pinned.after", "a duration such as 30s or 500ms");
    KEYS = Collections.unmodifiableMap(k);
  }

  public final LogLevel log;
  /** null: standard error. */
  public final String logFile;
  public final boolean json;
  public final boolean jfr;
  /**
   * Register the {@code io.httpdiag:type=Agent} MBean in the platform MBean server on first HTTP use
   * (never at start-up).
   */
  public final boolean jmx;
  public final boolean instrumentCore;
  /** Instrument the JDK HttpClient (java.net.http). */
  public final boolean instrumentJdk;
  /** Instrument OkHttp 4 and 5 ({@code okhttp3}). */
  public final boolean instrumentOkHttp;
  /** Instrument embedded Tomcat's HTTP/1.1 connector and servlet container. */
  public final boolean instrumentTomcat;
  /** Instrument Jetty 12's HTTP/1.1 connections and handlers (core and ee10 servlets). */
  public final boolean instrumentJetty;
  /** Lower-case header names whose values are redacted: the defaults plus {@code redact=}. */
  public final Set<String> redactedHeaders;
  public final QueryRedaction redactQuery;
  /** Hard cap on exchanges tracked at once; more are counted as dropped. */
  public final int maxExchanges;

  public final Stacks stacks;
  /**
   * More class-name prefixes whose frames are not the application's call site (an in-house HTTP
   * wrapper), beside the built-in frameworks; the one nearest the application's frame is named after
   * {@code via}. Empty by default.
   */
  public final List<String> callSiteSkip;
  /** Master switch of the detectors; each also has its own. */
  public final boolean detectBody, detectTimeouts, detectChurn, detectClients, detectThreads;
  /** A thread started by a handler and still alive this long after the handler returned is a leak. */
  public final long threadLeakAfterNanos;
  /** A body open this long after its headers arrived is reported as not closed. */
  public final long bodyLeakAfterNanos;
  /** A client exchange without a deadline still waiting for its response after this long is reported as stuck. */
  public final long stuckAfterNanos;
  /**
   * Virtual threads pinned during HTTP I/O (JDK 21+): off by default, because it runs an in-process
   * JFR RecordingStream. Needs {@code detect=on}.
   */
  public final boolean detectPinned;
  /** The jdk.VirtualThreadPinned threshold: pinned at least this long. */
  public final long pinnedAfterNanos;

  private Config(Map<String, String> v) {
    stacks = Stacks.valueOf(v.getOrDefault("stacks", "sampled").toUpperCase(Locale.ROOT));
    List<String> skip = new ArrayList<>();
    for (String prefix : v.getOrDefault("callsite.skip", "").split("[;,]")) {
      if (!prefix.trim().isEmpty()) skip.add(prefix.trim());
    }
    callSiteSkip = Collections.unmodifiableList(skip);
    boolean detect = "on".equals(v.getOrDefault("detect", "on"));
    detectBody = detect && "on".equals(v.getOrDefault("detect.body", "on"));
    detectTimeouts = detect && "on".equals(v.getOrDefault("detect.timeouts", "on"));
    detectChurn = detect && "on".equals(v.getOrDefault("detect.churn", "on"));
    detectClients = detect && "on".equals(v.getOrDefault("detect.clients", "on"));
    detectThreads = detect && "on".equals(v.getOrDefault("detect.threads", "on"));
    threadLeakAfterNanos = durationNanos(v.getOrDefault("detect.threads.after", "30s"));
    bodyLeakAfterNanos = durationNanos(v.getOrDefault("detect.body.after", "30s"));
    stuckAfterNanos = durationNanos(v.getOrDefault("detect.stuck.after", "30s"));
    detectPinned = detect && "on".equals(v.getOrDefault("detect.pinned", "off"));
    pinnedAfterNanos = durationNanos(v.getOrDefault("detect.pinned.after", "20ms"));
    log = LogLevel.valueOf(v.getOrDefault("log", "findings").toUpperCase(Locale.ROOT));
    logFile = v.get("log.file");
    json = "json".equals(v.getOrDefault("log.format", "text"));
    jfr = "on".equals(v.getOrDefault("jfr", "on"));
    jmx = "on".equals(v.getOrDefault("jmx", "on"));
    instrumentCore = "on".equals(v.getOrDefault("instrument.core", "on"));
    instrumentJdk = "on".equals(v.getOrDefault("instrument.jdk", "on"));
    instrumentOkHttp = "on".equals(v.getOrDefault("instrument.okhttp", "on"));
    instrumentTomcat = "on".equals(v.getOrDefault("instrument.tomcat", "on"));
    instrumentJetty = "on".equals(v.getOrDefault("instrument.jetty", "on"));
    Set<String> headers = new TreeSet<>(DEFAULT_REDACTED_HEADERS);
    String extra = v.get("redact");
    if (extra != null) {
      for (String h : extra.split(";")) {
        if (!h.trim().isEmpty()) headers.add(h.trim().toLowerCase(Locale.ROOT));
      }
    }
    redactedHeaders = Collections.unmodifiableSet(headers);
    redactQuery = QueryRedaction.valueOf(v.getOrDefault("redact.query", "all").toUpperCase(Locale.ROOT));
    maxExchanges = Integer.parseInt(v.getOrDefault("max.exchanges", "4096"));
  }

  /** The defaults, as if no option were given. */
  public static Config defaults() {
    return new Config(Collections.emptyMap());
  }

  /**
   * Parses agent arguments ({@code key=value,key=value}) over system properties {@code httpdiag.*}.
   *
   * @throws IllegalArgumentException with a one-line message naming the bad option and what is expected
   */
  public static Config parse(String agentArgs, Properties systemProperties) {
    Map<String, String> values = new LinkedHashMap<>();
    if (systemProperties != null) {
      for (String name : systemProperties.stringPropertyNames()) {
        if (name.startsWith("httpdiag.") && !name.startsWith("httpdiag.test.")) {
          String key = name.substring("httpdiag.".length());
          values.put(key, check(key, systemProperties.getProperty(name), "-Dhttpdiag." + key + "=" + systemProperties.getProperty(name)));
        }
      }
    }
    if (agentArgs != null && !agentArgs.trim().isEmpty()) {
      String previousKey = null;
      for (String option : agentArgs.split(",")) {
        option = option.trim();
        if (option.isEmpty()) continue;
        int eq = option.indexOf('=');
        if (eq <= 0 && "callsite.skip".equals(previousKey)) {
          throw new IllegalArgumentException("bad option " + printable(option)
              + ": separate the prefixes of callsite.skip with ';' (',' separates agent options)");
        }
        if (eq <= 0) {
          throw new IllegalArgumentException("bad option " + printable(option)
              + ": expected key=value with key one of " + String.join(", ", KEYS.keySet()));
        }
        String key = option.substring(0, eq).trim();
        values.put(key, check(key, option.substring(eq + 1).trim(), option));
        previousKey = key;
      }
    }
    return new Config(values);
  }

  private static String check(String key, String value, String shown) {
    String expected = KEYS.get(key);
    if (expected == null) {
      throw new IllegalArgumentException("unknown option " + printable(shown) + ": expected one of "
          + String.join(", ", KEYS.keySet()));
    }
    boolean ok;
    switch (key) {
      case "log.file":
        ok = !value.isEmpty();
        break;
      case "redact":
        ok = value.matches("[!#$%&'*+.^_`|~0-9A-Za-z;-]*");
        break;
      case "callsite.skip":
        // Java names and dots; ',' too, for -Dhttpdiag.callsite.skip=a.,b. where no option separator is in the way.
        ok = value.matches("\\s*([\\p{L}\\p{N}_$.]+\\s*([;,]\\s*|$))*");
        break;
      case "detect.threads.after":
      case "detect.body.after":
      case "detect.stuck.after":
      case "detect.pinned.after":
        ok = value.matches("[0-9]{1,9}(ms|s|m)") && fitsInNanos(value);
        break;
      case "max.exchanges":
        ok = value.matches("[0-9]{1,7}") && Integer.parseInt(value) >= 16 && Integer.parseInt(value) <= 1_000_000;
        break;
      default:
        ok = Arrays.asList(expected.split("\\|")).contains(value.toLowerCase(Locale.ROOT));
        value = value.toLowerCase(Locale.ROOT);
    }
    if (!ok) throw new IllegalArgumentException("bad option " + printable(shown) + ": expected " + expected);
    return value;
  }

  /**
   * {@code s} with control and line-separator characters escaped (as {@code \n}, {@code \r},
   * {@code \t} or a Java-style u-escape): the message of a bad option is the one line the agent
   * prints, whatever the option held.
   */
  static String printable(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** "500ms", "30s", "2m" in nanoseconds (validated by {@link #check}). */
  static long durationNanos(String v) {
    if (v.endsWith("ms")) return Math.multiplyExact(Long.parseLong(v.substring(0, v.length() - 2)), 1_000_000L);
    if (v.endsWith("s")) return Math.multiplyExact(Long.parseLong(v.substring(0, v.length() - 1)), 1_000_000_000L);
    return Math.multiplyExact(Long.parseLong(v.substring(0, v.length() - 1)), 60_000_000_000L);
  }

  /** Nine digits of minutes (~1900 years) overflow a long of nanoseconds; those are bad options, not negative durations. */
  private static boolean fitsInNanos(String v) {
    try {
      durationNanos(v);
      return true;
    } catch (ArithmeticException overflow) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "log=" + log.name().toLowerCase(Locale.ROOT) + (logFile == null ? "" : ",log.file=" + logFile)
        + ",log.format=" + (json ? "json" : "text") + ",jfr=" + (jfr ? "on" : "off")
        + ",instrument.core=" + (instrumentCore ? "on" : "off") + ",instrument.jdk=" + (instrumentJdk ? "on" : "off")
        + ",instrument.okhttp=" + (instrumentOkHttp ? "on" : "off")
        + ",redact.query=" + redactQuery.name().toLowerCase(Locale.ROOT) + ",max.exchanges=" + maxExchanges
        + ",stacks=" + stacks.name().toLowerCase(Locale.ROOT);
  }
}
