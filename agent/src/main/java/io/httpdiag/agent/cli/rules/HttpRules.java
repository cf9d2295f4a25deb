package io.httpdiag.agent.cli.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The verdict logic of every {@link HttpRule}, over plain {@link Evidence}: the one place its
 * thresholds live. Pure functions, thread-safe. Scores follow JMC: 75 and above is a warning, 25
 * and above an information, below that OK; -1 not applicable (the recording lacks the events).
 */
public final class HttpRules {
  /** Hosts with fewer client exchanges than this are not judged on reuse or dial time. */
  public static final int MIN_EXCHANGES_PER_HOST = 5;
  /**
   * Churn per exchange that makes a warning: dials beyond the peak concurrency, or connections
   * discarded after use ({@link #DISCARDED}), whichever is more, for a fifth of the exchanges.
   */
  public static final double AVOIDABLE_DIALS_WARNING = 0.20;
  /**
   * Outcomes of an exchange whose connection was closed after it instead of going back to the pool
   * (the idle pool full, the body not read to the end or closed early, {@code Connection: close},
   * keep-alives off):
   * the next request dials again. A failure, a cancel or a closed client is not churn.
   */
  public static final Set<String> DISCARDED = Set.of("poolFull", "undrained", "bodyClosedEarly", "connectionClose",
      "keepAlivesDisabled");
  /**
   * Share of exchange time spent on avoidable DNS, connect and TLS that makes a warning: the dials
   * beyond the first (one per concurrent caller is due) over the time of the exchanges after those.
   */
  public static final double DIAL_SHARE_WARNING = 0.40;
  /** Dial time below this, per host, is never worth a verdict (loopback connects take microseconds). */
  public static final long MIN_DIAL_NANOS = 10_000_000L;
  /** Share of exchange time spent waiting for a pooled connection that makes a warning. */
  public static final double POOL_WAIT_SHARE_WARNING = 0.25;
  /** A wait for a pooled connection shorter than this is pool bookkeeping, not a wait. */
  public static final long MIN_POOL_WAIT_NANOS = 1_000_000L;
  /** Pool waits below this, per host, are never worth a verdict. */
  public static final long MIN_POOL_WAIT_TOTAL_NANOS = 50_000_000L;
  /** A server handler's p99 at or above this is an information; at ten times this, a warning. */
  public static final long SLOW_HANDLER_NANOS = 1_000_000_000L;

  /**
   * The score of each finding kind (JMC's severity follows from it). Leaks and stuck exchanges are
   * warnings: they end in an exhausted pool, memory or threads, or a caller that never returns.
   * Exhausted pools and pinned virtual threads are warnings: requests already waited. A missing
   * timeout is a warning: it is how every stuck exchange begins, and a server without one is open
   * to slowloris. A body closed early is a warning: the library throws that connection away every
   * time the code runs (it is a property of the call site, not of the load), which is the churn the
   * reuse rule warns about once a recording holds enough exchanges. Churn and a client per request
   * are informations: each costs a new connection (latency, a socket in TIME_WAIT) but nothing hangs
   * or leaks; the reuse and dial time rules make them warnings when the recording shows the cost is
   * large. A body closed late was a leak that ended.
   */
  public static final Map<String, Integer> KIND_SCORES = kindScores();
  /** The score of a kind this version does not know. */
  public static final int UNKNOWN_KIND_SCORE = 50;

  private HttpRules() {}

  private static Map<String, Integer> kindScores() {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put("BODY_NOT_CLOSED", 100);
    m.put("CLIENT_NOT_CLOSED", 100);
    m.put("THREAD_LEAK", 100);
    m.put("STUCK_EXCHANGE", 90);
    m.put("POOL_EXHAUSTED", 80);
    m.put("VIRTUAL_THREAD_PINNED", 75);
    m.put("POOL_CHURN", 60);
    m.put("CLIENT_PER_REQUEST", 60);
    m.put("MISSING_TIMEOUT", 75);
    m.put("BODY_CLOSED_EARLY", 75);
    m.put("BODY_CLOSED_LATE", 25);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** Every rule's verdict, in {@link HttpRule} order. */
  public static List<Verdict> evaluateAll(Evidence e) {
    List<Verdict> all = new ArrayList<>();
    for (HttpRule r : HttpRule.values()) all.add(evaluate(r, e));
    return all;
  }

  public static Verdict evaluate(HttpRule rule, Evidence e) {
    for (String type : rule.requiredEvents) {
      if (!e.eventTypes().contains(type)) {
        return Verdict.notApplicable(rule, "The recording has no " + type + " events (was the httpdiag agent"
            + " attached, with httpdiag.jfc or the events enabled?)");
      }
    }
    switch (rule) {
      case FINDINGS: return findings(e.findings());
      case CONNECTION_REUSE: return reuse(e.exchanges());
      case POOL_WAIT: return poolWait(e.exchanges(), e.findings());
      case DIAL_TIME: return dialTime(e.exchanges());
      case SERVER_HANDLERS: return serverHandlers(e.serverExchanges(), e.findings());
      default: throw new IllegalArgumentException("unknown rule " + rule);
    }
  }

  /** The score of a finding kind: {@link #KIND_SCORES}, or {@link #UNKNOWN_KIND_SCORE}. */
  public static int kindScore(String kind) {
    return KIND_SCORES.getOrDefault(kind, UNKNOWN_KIND_SCORE);
  }

  static Verdict findings(List<Evidence.Finding> findings) {
    Map<String, Group> groups = new LinkedHashMap<>();
    for (Evidence.Finding f : findings) {
      Group g = groups.computeIfAbsent(f.kind() + "|" + f.callSite(), k -> new Group(f.kind(), f.callSite()));
      g.events++;
      g.count = Math.max(g.count, Math.max(f.count(), g.events)); // count is cumulative per call site
      g.title = f.title();
      if (f.fix() != null && !f.fix().isEmpty()) g.fix = f.fix();
    }
    if (groups.isEmpty()) {
      return new Verdict(HttpRule.FINDINGS, 0, "No httpdiag finding in this recording.",
          "The agent's detectors (leaked and early-closed bodies, clients per request, missing timeouts, stuck"
              + " exchanges, pool churn and exhaustion, thread leaks) reported nothing while it ran.", null);
    }
    List<Group> sorted = new ArrayList<>(groups.values());
    sorted.sort(Comparator.comparingInt((Group g) -> kindScore(g.kind)).reversed()
        .thenComparing(Comparator.comparingLong((Group g) -> g.count).reversed()));
    Group worst = sorted.get(0);
    StringBuilder why = new StringBuilder();
    StringBuilder fix = new StringBuilder();
    Set<String> fixes = new LinkedHashSet<>();
    for (Group g : sorted) {
      why.append(g.kind).append(" x").append(g.count).append(" at ").append(g.callSite).append(": ").append(g.title)
          .append('\n');
      if (g.fix != null && fixes.add(g.kind + ": " + g.fix)) fix.append(g.kind).append(" at ").append(g.callSite)
          .append(": ").append(g.fix).append('\n');
    }
    long sites = sorted.stream().map(g -> g.callSite).distinct().count();
    String summary = String.format(Locale.ROOT, "%d %s at %d call %s; the worst: %s at %s (%d times).",
        sorted.size(), sorted.size() == 1 ? "finding" : "findings", sites, sites == 1 ? "site" : "sites",
        worst.kind, worst.callSite, worst.count);
    return new Verdict(HttpRule.FINDINGS, kindScore(worst.kind), summary, why.toString().strip(),
        fix.length() == 0 ? null : fix.toString().strip());
  }

  static Verdict reuse(List<Evidence.Exchange> exchanges) {
    Map<String, List<Evidence.Exchange>> byHost = byHost(exchanges);
    if (byHost.isEmpty()) return ok(HttpRule.CONNECTION_REUSE, "No client exchange in this recording.");
    double worstScore = 0;
    String worstHost = null;
    StringBuilder why = new StringBuilder();
    for (Map.Entry<String, List<Evidence.Exchange>> h : byHost.entrySet()) {
      List<Evidence.Exchange> xs = h.getValue();
      long dials = xs.stream().filter(x -> !x.reused() && x.waitNanos() >= 0).count();
      long reused = xs.stream().filter(Evidence.Exchange::reused).count();
      int peak = peakConcurrency(xs);
      long avoidable = Math.max(0, dials - peak);
      long discarded = xs.stream().filter(x -> DISCARDED.contains(x.outcome())).count();
      double perExchange = (double) Math.max(avoidable, discarded) / xs.size();
      double score = xs.size() < MIN_EXCHANGES_PER_HOST ? 0 : Math.min(100, perExchange / AVOIDABLE_DIALS_WARNING * Verdict.WARNING);
      why.append(String.format(Locale.ROOT, "%s: %d exchanges, %d reused (%.0f%%), %d new connections for at most %d"
          + " at once (%d avoidable); %d discarded after use%s%s%n", h.getKey(), xs.size(), reused,
          100.0 * reused / xs.size(), dials, peak, avoidable, discarded, notPooled(xs), xs.size() < MIN_EXCHANGES_PER_HOST ? "; too few exchanges to judge" : ""));
      if (score > worstScore || worstHost == null) {
        worstScore = score;
        worstHost = h.getKey();
      }
    }
    String summary = worstScore >= Verdict.INFO
        ? String.format(Locale.ROOT, "Connections to %s are dialed again and again instead of reused.", worstHost)
        : "Client connections are reused.";
    String solution = worstScore >= Verdict.INFO
        ? "Share one client (and its pool) across requests; raise the idle pool per host to the concurrency seen"
            + " (core-transport maxIdleConnsPerHost, OkHttp ConnectionPool maxIdle, Apache setDefaultMaxPerRoute);"
            + " read every body to the end or close it so its connection returns to the pool; avoid"
            + " Connection: close. The findings rule names the call site when a detector saw it (POOL_CHURN,"
            + " CLIENT_PER_REQUEST)."
        : null;
    return new Verdict(HttpRule.CONNECTION_REUSE, worstScore, summary, why.toString().strip(), solution);
  }

  static Verdict poolWait(List<Evidence.Exchange> exchanges, List<Evidence.Finding> findings) {
    Map<String, List<Evidence.Exchange>> byHost = byHost(exchanges);
    double worstScore = 0;
    String worst = null;
    StringBuilder why = new StringBuilder();
    for (Map.Entry<String, List<Evidence.Exchange>> h : byHost.entrySet()) {
      long waited = 0, total = 0, n = 0, max = 0;
      for (Evidence.Exchange x : h.getValue()) {
        total += Math.max(0, x.totalNanos());
        long w = x.poolWaitNanos();
        if (w >= MIN_POOL_WAIT_NANOS) {
          waited += w;
          n++;
          max = Math.max(max, w);
        }
      }
      if (n == 0) continue;
      double share = total == 0 ? 0 : (double) waited / total;
      double score = waited < MIN_POOL_WAIT_TOTAL_NANOS ? 0 : Math.min(100, share / POOL_WAIT_SHARE_WARNING * Verdict.WARNING);
      why.append(String.format(Locale.ROOT, "%s: %d of %d exchanges waited for a pooled connection, %s in all (%.0f%% of"
          + " exchange time), the longest %s%n", h.getKey(), n, h.getValue().size(), ms(waited), 100 * share, ms(max)));
      if (score > worstScore) {
        worstScore = score;
        worst = h.getKey();
      }
    }
    String fix = null;
    for (Evidence.Finding f : findings) {
      if (!"POOL_EXHAUSTED".equals(f.kind())) continue;
      why.append("POOL_EXHAUSTED at ").append(f.callSite()).append(": ").append(f.title()).append('\n');
      if (fix == null) fix = f.fix();
      if (kindScore(f.kind()) > worstScore) {
        worstScore = kindScore(f.kind());
        worst = f.callSite();
      }
    }
    if (why.length() == 0) return ok(HttpRule.POOL_WAIT, "No exchange waited for a pooled connection.");
    String summary = worstScore >= Verdict.INFO ? "Requests waited for a pooled connection (" + worst + ")."
        : "Waits for a pooled connection were short.";
    String solution = worstScore < Verdict.INFO ? null : fix != null ? fix
        : "Connections are held longer than the pool allows: close or read every response body, raise the pool's"
            + " per-host and total limits to the concurrency the service needs, and set a connection-request timeout so"
            + " a full pool fails fast instead of queueing.";
    return new Verdict(HttpRule.POOL_WAIT, worstScore, summary, why.toString().strip(), solution);
  }

  static Verdict dialTime(List<Evidence.Exchange> exchanges) {
    Map<String, List<Evidence.Exchange>> byHost = byHost(exchanges);
    if (byHost.isEmpty()) return ok(HttpRule.DIAL_TIME, "No client exchange in this recording.");
    double worstScore = 0;
    String worstHost = null;
    StringBuilder why = new StringBuilder();
    for (Map.Entry<String, List<Evidence.Exchange>> h : byHost.entrySet()) {
      List<Evidence.Exchange> xs = new ArrayList<>(h.getValue());
      xs.sort(Comparator.comparingLong(Evidence.Exchange::startNanos));
      int warmUp = peakConcurrency(xs); // each concurrent caller needs one connection: those dials are due
      long total = 0, avoidable = 0, dialed = 0;
      List<Long> dns = new ArrayList<>(), connect = new ArrayList<>(), tls = new ArrayList<>();
      for (Evidence.Exchange x : xs) {
        if (x.dnsNanos() > 0) dns.add(x.dnsNanos());
        if (x.connectNanos() > 0) connect.add(x.connectNanos());
        if (x.tlsNanos() > 0) tls.add(x.tlsNanos());
        boolean warmUpDial = x.dialNanos() > 0 && ++dialed <= warmUp;
        if (warmUpDial) continue; // neither its dial nor its time: the share is of the exchanges after warm-up
        total += Math.max(0, x.totalNanos());
        avoidable += x.dialNanos();
      }
      double share = total == 0 ? 0 : (double) avoidable / total;
      double score = xs.size() < MIN_EXCHANGES_PER_HOST || avoidable < MIN_DIAL_NANOS ? 0
          : Math.min(100, share / DIAL_SHARE_WARNING * Verdict.WARNING);
      why.append(String.format(Locale.ROOT, "%s: %d exchanges, %d dialed; DNS p50 %s, connect p50 %s, TLS p50 %s;"
          + " dials beyond the first %d: %s, %.0f%% of the other exchanges' time%n", h.getKey(), xs.size(), dialed, p50(dns),
          p50(connect), p50(tls), warmUp, ms(avoidable), 100 * share));
      if (score > worstScore || worstHost == null) {
        worstScore = score;
        worstHost = h.getKey();
      }
    }
    String summary = worstScore >= Verdict.INFO
        ? "Exchanges with " + worstHost + " spend much of their time on DNS, connect and TLS."
        : "DNS, connect and TLS take a small share of exchange time.";
    String solution = worstScore >= Verdict.INFO
        ? "Reuse connections (one shared client, bodies read to the end or closed, an idle pool as large as the"
            + " concurrency, keep-alive long enough for the request rate) so each exchange does not pay a new"
            + " handshake; if DNS dominates, cache lookups (networkaddress.cache.ttl)."
        : null;
    return new Verdict(HttpRule.DIAL_TIME, worstScore, summary, why.toString().strip(), solution);
  }

  static Verdict serverHandlers(List<Evidence.ServerExchange> server, List<Evidence.Finding> findings) {
    StringBuilder why = new StringBuilder();
    String fix = null;
    double score = 0;
    String summary = null;
    for (Evidence.Finding f : findings) {
      if (!"STUCK_EXCHANGE".equals(f.kind()) || f.title() == null || !f.title().contains("handler")) continue;
      why.append("STUCK_EXCHANGE at ").append(f.callSite()).append(": ").append(f.title()).append('\n');
      if (fix == null) fix = f.fix();
      if (summary == null) summary = "A server handler was stuck (" + f.callSite() + ").";
      score = kindScore(f.kind());
    }
    long[] handler = server.stream().mapToLong(Evidence.ServerExchange::handlerNanos).filter(n -> n >= 0).sorted().toArray();
    if (handler.length > 0) {
      long p99 = handler[Math.max(0, (int) Math.ceil(0.99 * handler.length) - 1)];
      long p50 = handler[(handler.length - 1) / 2];
      why.append(String.format(Locale.ROOT, "%d server exchanges: handler p50 %s, p99 %s, max %s%n", server.size(),
          ms(p50), ms(p99), ms(handler[handler.length - 1])));
      double slow = p99 < SLOW_HANDLER_NANOS ? Verdict.INFO * p99 / SLOW_HANDLER_NANOS
          : Math.min(100, Verdict.INFO + (Verdict.WARNING - Verdict.INFO) * Math.log10((double) p99 / SLOW_HANDLER_NANOS));
      if (slow > score) {
        score = slow;
        summary = "Server handlers are slow: p99 " + ms(p99) + ".";
        fix = "Find where the slow handlers wait (JMC's thread and socket pages, or the handler's own stack in a"
            + " STUCK_EXCHANGE finding); bound what they call with timeouts; offload long work.";
      }
    }
    if (why.length() == 0) return ok(HttpRule.SERVER_HANDLERS, "No server exchange in this recording.");
    if (score < Verdict.INFO) return new Verdict(HttpRule.SERVER_HANDLERS, score, "Server handlers are fast.", why.toString().strip(), null);
    return new Verdict(HttpRule.SERVER_HANDLERS, score, summary, why.toString().strip(), fix);
  }

  /** The most exchanges in flight at once (intervals [start, start + total)). */
  static int peakConcurrency(List<Evidence.Exchange> xs) {
    long[][] edges = new long[xs.size() * 2][];
    int i = 0;
    for (Evidence.Exchange x : xs) {
      edges[i++] = new long[] {x.startNanos(), 1};
      edges[i++] = new long[] {x.startNanos() + Math.max(0, x.totalNanos()), -1};
    }
    Arrays.sort(edges, Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1])); // ends first
    int now = 0, peak = 0;
    for (long[] e : edges) peak = Math.max(peak, now += (int) e[1]);
    return Math.max(1, peak);
  }

  private static Map<String, List<Evidence.Exchange>> byHost(List<Evidence.Exchange> exchanges) {
    Map<String, List<Evidence.Exchange>> m = new TreeMap<>();
    for (Evidence.Exchange x : exchanges) m.computeIfAbsent(x.host() == null ? "(unknown)" : x.host(), h -> new ArrayList<>()).add(x);
    return m;
  }

  private static String notPooled(List<Evidence.Exchange> xs) {
    Map<String, Integer> reasons = new TreeMap<>();
    for (Evidence.Exchange x : xs) {
      if (x.outcome() != null && !x.outcome().equals("pooled")) reasons.merge(x.outcome(), 1, Integer::sum);
    }
    return reasons.isEmpty() ? "" : "; not returned to the pool: " + reasons;
  }

  private static Verdict ok(HttpRule rule, String summary) {
    return new Verdict(rule, 0, summary, null, null);
  }

  private static String p50(List<Long> v) {
    if (v.isEmpty()) return "-";
    long[] a = v.stream().mapToLong(Long::longValue).sorted().toArray();
    return ms(a[(a.length - 1) / 2]);
  }

  static String ms(long nanos) {
    double ms = nanos / 1e6;
    return String.format(Locale.ROOT, ms < 10 ? "%.2f ms" : ms < 1000 ? "%.0f ms" : "%.1f s", ms < 1000 ? ms : ms / 1000);
  }

  private static final class Group {
    final String kind, callSite;
    String title, fix;
    long count, events;

    Group(String kind, String callSite) {
      this.kind = kind;
      this.callSite = callSite;
    }
  }
}
