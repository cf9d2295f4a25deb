package io.httpdiag.agent.cli;

import io.httpdiag.agent.cli.rules.HttpRules;
import io.httpdiag.agent.cli.rules.Verdict;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The report as plain text tables; also the row builders {@link ReportHtml} shares. */
final class ReportText {
  static final int MAX_POOL_ROWS = 40;

  private ReportText() {}

  static void print(Recording r, PrintStream out) {
    out.printf(Locale.ROOT, "httpdiag report: %s%n  %d httpdiag events over %.1f s: %d client exchanges, %d new"
        + " connections, %d server exchanges, %d findings%n", r.file, r.events, r.span().toNanos() / 1e9,
        r.exchanges(), r.connections, r.serverExchanges, r.findings.size());
    out.println();
    verdicts(HttpRules.evaluateAll(r.evidence()), out);
    out.println();
    out.println("Client exchanges per host (ms, p50 / p99; dns, connect and tls over the exchanges that had them)");
    table(out, hostHeader(), hostRows(r));
    if (r.serverExchanges > 0) {
      out.printf(Locale.ROOT, "%nServer exchanges: %d, handler p50 %s / p99 %s ms%n", r.serverExchanges,
          ms(Recording.percentile(r.handlerNanos, 50)), ms(Recording.percentile(r.handlerNanos, 99)));
    }
    out.println();
    out.println("Findings by kind and call site");
    if (r.findings.isEmpty()) {
      out.println("  none");
    } else {
      table(out, new String[] {"kind", "count", "call site", "what"}, findingRows(r));
    }
    out.println();
    List<String[]> pool = poolRows(r);
    out.println("Pool statistics over time (samples where a host's counters changed)");
    if (pool.isEmpty()) {
      out.println("  none (httpdiag.PoolStats is periodic: the recording may have been shorter than its period)");
    } else {
      List<String[]> shown = pool.size() > MAX_POOL_ROWS ? pool.subList(pool.size() - MAX_POOL_ROWS, pool.size()) : pool;
      if (shown != pool) out.println("  (last " + MAX_POOL_ROWS + " of " + pool.size() + "; --html shows all)");
      table(out, poolHeader(), shown);
    }
  }

  /**
   * The analysis rules' verdicts, worst first: one line each, then for a warning or an information
   * its explanation and fix, indented.
   */
  static void verdicts(List<Verdict> verdicts, PrintStream out) {
    out.println("Verdicts (the rules JDK Mission Control shows with httpdiag-jmc-rules.jar; score 0-100: warning >= 75,"
        + " info >= 25)");
    for (Verdict v : sorted(verdicts)) {
      out.printf(Locale.ROOT, "  %-7s %3s  %s: %s%n", v.level().label().toUpperCase(Locale.ROOT),
          v.score() < 0 ? "-" : String.format(Locale.ROOT, "%.0f", v.score()), v.rule().label, v.summary());
      if (v.level().compareTo(Verdict.Level.INFO) < 0) continue;
      if (v.explanation() != null) {
        for (String line : v.explanation().split("\n")) out.println("      " + line);
      }
      if (v.solution() != null) {
        String[] lines = v.solution().split("\n");
        for (int i = 0; i < lines.length; i++) out.println((i == 0 ? "      fix: " : "           ") + lines[i]);
      }
    }
  }

  /** Worst first; rules of equal score keep their order. */
  static List<Verdict> sorted(List<Verdict> verdicts) {
    List<Verdict> s = new ArrayList<>(verdicts);
    s.sort(java.util.Comparator.comparingDouble((Verdict v) -> v.score()).reversed());
    return s;
  }

  static String[] hostHeader() {
    List<String> h = new ArrayList<>(List.of("host", "exchanges", "reused"));
    for (String p : Recording.PHASES) h.add(p);
    return h.toArray(new String[0]);
  }

  static List<String[]> hostRows(Recording r) {
    List<String[]> rows = new ArrayList<>();
    for (Recording.Host h : r.hosts.values()) {
      List<String> row = new ArrayList<>(List.of(h.name, Long.toString(h.exchanges),
          String.format(Locale.ROOT, "%.0f%%", 100 * h.reuseRatio())));
      for (String p : Recording.PHASES) {
        List<Long> v = h.phases.get(p);
        row.add(v.isEmpty() ? "-" : ms(Recording.percentile(v, 50)) + " / " + ms(Recording.percentile(v, 99)));
      }
      rows.add(row.toArray(new String[0]));
    }
    return rows;
  }

  static List<String[]> findingRows(Recording r) {
    List<String[]> rows = new ArrayList<>();
    for (Recording.FindingGroup g : r.findings.values()) {
      rows.add(new String[] {g.kind, Long.toString(g.count), g.callSite, g.title});
    }
    return rows;
  }

  static String[] poolHeader() {
    return new String[] {"time", "host", "idle", "in use", "dials", "reuses", "discarded", "of which pool full"};
  }

  static List<String[]> poolRows(Recording r) {
    List<String[]> rows = new ArrayList<>();
    Map<String, String> previous = new HashMap<>();
    for (Recording.PoolSample p : r.pool) {
      String state = p.idle + " " + p.inUse + " " + p.dials + " " + p.reuses + " " + p.discarded;
      if (state.equals(previous.put(p.host, state))) continue;
      double at = java.time.Duration.between(r.first, p.time).toNanos() / 1e9;
      rows.add(new String[] {String.format(Locale.ROOT, "+%.1fs", at), p.host, Long.toString(p.idle),
          Long.toString(p.inUse), Long.toString(p.dials), Long.toString(p.reuses), Long.toString(p.discarded),
          Long.toString(p.discardedPoolFull)});
    }
    return rows;
  }

  static String ms(long nanos) {
    if (nanos < 0) return "-";
    double ms = nanos / 1e6;
    return String.format(Locale.ROOT, ms < 10 ? "%.2f" : ms < 100 ? "%.1f" : "%.0f", ms);
  }

  private static void table(PrintStream out, String[] header, List<String[]> rows) {
    int[] w = new int[header.length];
    for (int i = 0; i < header.length; i++) w[i] = header[i].length();
    for (String[] row : rows) {
      for (int i = 0; i < row.length && i < w.length - 1; i++) w[i] = Math.max(w[i], String.valueOf(row[i]).length());
    }
    line(out, header, w);
    for (String[] row : rows) line(out, row, w);
  }

  private static void line(PrintStream out, String[] cells, int[] w) {
    StringBuilder sb = new StringBuilder("  ");
    for (int i = 0; i < cells.length; i++) {
      String c = String.valueOf(cells[i]);
      sb.append(c);
      if (i < cells.length - 1) sb.append(" ".repeat(w[i] - c.length() + 2));
    }
    out.println(sb.toString().stripTrailing());
  }
}
