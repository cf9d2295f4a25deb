package io.httpdiag.agent.cli;

import io.httpdiag.agent.cli.rules.HttpRules;
import io.httpdiag.agent.cli.rules.Verdict;
import java.util.List;
import java.util.Locale;

/**
 * The report as one self-contained HTML page: inline CSS, no script, no external resource; the
 * waterfall of the slowest exchanges is made of positioned divs.
 */
final class ReportHtml {
  /** The waterfall's segments, in the order drawn. */
  static final String[][] SEGMENTS = {
      {"dns", "#8e7cc3"}, {"connect", "#f6b26b"}, {"tls", "#e06666"}, {"pool wait", "#cccccc"},
      {"first byte", "#6fa8dc"}, {"body", "#76a5af"}, {"other", "#ffd966"},
      {"body left open", "repeating-linear-gradient(45deg,#cc0000 0 4px,#f4cccc 4px 8px)"}};
  /** The outcome of an exchange whose body was never closed, ended when the garbage collector took it. */
  static final String BODY_LEFT_OPEN = "collected";
  /** A total more than this many times the median of the slowest is drawn to its own scale. */
  static final int OUTLIER_FACTOR = 10;

  private ReportHtml() {}

  static String render(Recording r) {
    StringBuilder sb = new StringBuilder(64 * 1024);
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>httpdiag report: ")
        .append(esc(r.file.getFileName().toString())).append("</title>\n<style>\n")
        .append("body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}\n")
        .append("table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top;max-width:36em;overflow-wrap:anywhere}\n")
        .append("th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px}\n")
        .append(".wf{position:relative;height:14px;width:32em;background:#fafafa;overflow:hidden}.wf div{position:absolute;top:0;height:14px}\n")
        .append("tr.off .wf{border-right:3px double #cc0000}td.kind,th{white-space:nowrap;overflow-wrap:normal}\n")
        .append(".key span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}\n")
        .append("</style></head><body>\n");
    sb.append("<h1>httpdiag report</h1>\n<p id=\"summary\">").append(esc(r.file.toString())).append(": ")
        .append(r.events).append(" httpdiag events over ")
        .append(String.format(Locale.ROOT, "%.1f", r.span().toNanos() / 1e9)).append(" s; ")
        .append(r.exchanges()).append(" client exchanges, ").append(r.connections).append(" new connections, ")
        .append(r.serverExchanges).append(" server exchanges, ").append(r.findings.size()).append(" findings.</p>\n");
    sb.append("<h2>Verdicts</h2>\n<p>The rules JDK Mission Control shows with httpdiag-jmc-rules.jar; score 0-100:"
        + " warning &ge; 75, info &ge; 25.</p>\n");
    List<String[]> verdicts = new java.util.ArrayList<>();
    for (Verdict v : ReportText.sorted(HttpRules.evaluateAll(r.evidence()))) {
      verdicts.add(new String[] {v.level().label(), v.score() < 0 ? "-" : String.format(Locale.ROOT, "%.0f", v.score()),
          v.rule().label, v.summary(), v.explanation() == null ? "" : v.explanation(),
          v.solution() == null ? "" : v.solution()});
    }
    table(sb, "verdicts", new String[] {"verdict", "score", "rule", "summary", "why", "fix"}, verdicts, "kind");
    sb.append("<h2>Client exchanges per host</h2>\n<p>Milliseconds, p50 / p99; dns, connect and tls over the exchanges"
        + " that had them.</p>\n");
    table(sb, "hosts", ReportText.hostHeader(), ReportText.hostRows(r), null);
    sb.append("<h2>Findings by kind and call site</h2>\n");
    String[] fh = {"kind", "count", "call site", "what", "fix"};
    List<String[]> rows = new java.util.ArrayList<>();
    for (Recording.FindingGroup g : r.findings.values()) {
      rows.add(new String[] {g.kind, Long.toString(g.count), g.callSite, g.title, g.fix == null ? "" : g.fix});
    }
    if (rows.isEmpty()) sb.append("<p>None.</p>\n");
    else table(sb, "findings", fh, rows, "kind");
    sb.append("<h2>Slowest exchanges</h2>\n<p class=\"key\">");
    for (String[] s : SEGMENTS) sb.append("<span style=\"background:").append(s[1]).append("\"></span>").append(s[0]);
    sb.append("</p>\n<p>other: time no recorded phase covers (writing the request; a response closed after its body"
        + " ended). body left open: a body neither closed nor read to the end, until the garbage collector took it.</p>\n");
    waterfall(sb, r);
    sb.append("<h2>Pool statistics over time</h2>\n<p>Samples where a host's counters changed; counts are since the agent"
        + " started.</p>\n");
    List<String[]> pool = ReportText.poolRows(r);
    if (pool.isEmpty()) sb.append("<p>None.</p>\n");
    else table(sb, "pool", ReportText.poolHeader(), pool, null);
    sb.append("</body></html>\n");
    return sb.toString();
  }

  private static void waterfall(StringBuilder sb, Recording r) {
    long scale = scale(r.slowest);
    long offScale = r.slowest.stream().filter(x -> x.totalNanos > scale).count();
    sb.append("<table id=\"waterfall\"><tr><th>exchange</th><th>status</th><th>total ms</th><th>phases (scale: ")
        .append(ReportText.ms(scale)).append(" ms")
        .append(offScale == 0 ? "" : "; " + offScale + " off scale, each drawn to its own total and marked »")
        .append(")</th></tr>\n");
    for (Recording.Exchange x : r.slowest) {
      boolean own = x.totalNanos > scale;
      long rowScale = own ? Math.max(1, x.totalNanos) : scale;
      sb.append("<tr").append(own ? " class=\"off\"" : "").append("><td><code>").append(esc(x.method)).append(' ')
          .append(esc(x.url)).append("</code>").append(x.reused ? " (reused)" : "").append("</td><td class=\"n\">")
          .append(x.status).append("</td><td class=\"n\">").append(ReportText.ms(x.totalNanos))
          .append(own ? " »" : "").append("</td><td><div class=\"wf\"")
          .append(own ? " title=\"off scale: drawn to its own total, " + ReportText.ms(x.totalNanos) + " ms\"" : "")
          .append(">");
      long at = 0;
      long[] parts = phases(x);
      for (int i = 0; i < parts.length; i++) {
        if (parts[i] <= 0) continue;
        sb.append(String.format(Locale.ROOT, "<div class=\"%s\" title=\"%s %s ms\" style=\"left:%.2f%%;width:%.2f%%;background:%s\"></div>",
            SEGMENTS[i][0].replace(' ', '-'), SEGMENTS[i][0], ReportText.ms(parts[i]), 100.0 * at / rowScale,
            Math.max(0.3, 100.0 * parts[i] / rowScale), SEGMENTS[i][1]));
        at += parts[i];
      }
      sb.append("</div></td></tr>\n");
    }
    sb.append("</table>\n");
  }

  /**
   * The waterfall's time for each of {@link #SEGMENTS}. A phase that did not happen (0, or negative:
   * absent) is 0. The recording has no phase for writing the request nor for the time between the
   * body's end and the exchange's release (a response closed late), so what the phases leave over
   * is "other", drawn last; when the body was never closed and the exchange ended only when the
   * garbage collector took it, that remainder is the time the body stayed open.
   */
  static long[] phases(Recording.Exchange x) {
    long dns = present(x.dnsNanos), connect = present(x.connectNanos), tls = present(x.tlsNanos);
    long waitForConn = Math.max(present(x.waitNanos), dns + connect + tls);
    long pool = waitForConn - dns - connect - tls;
    long firstByte = present(x.firstByteNanos);
    long body = present(x.bodyNanos);
    long rest = Math.max(0, x.totalNanos - waitForConn - firstByte - body);
    boolean leftOpen = BODY_LEFT_OPEN.equals(x.outcome);
    return new long[] {dns, connect, tls, pool, firstByte, body, leftOpen ? 0 : rest, leftOpen ? rest : 0};
  }

  /**
   * The waterfall's scale: the slowest total that is not an outlier (at most {@value #OUTLIER_FACTOR}
   * times the median total), so one stuck exchange does not turn every other bar into a sliver.
   */
  static long scale(List<Recording.Exchange> rows) {
    if (rows.isEmpty()) return 1;
    long[] totals = rows.stream().mapToLong(x -> Math.max(1, x.totalNanos)).sorted().toArray();
    long median = totals[(totals.length - 1) / 2];
    long scale = totals[0];
    for (long t : totals) if (t <= median * OUTLIER_FACTOR) scale = Math.max(scale, t);
    return scale;
  }

  private static long present(long nanos) {
    return Math.max(0, nanos);
  }

  /** {@code firstColumnClass}: a class for the first column's cells (null: none). */
  private static void table(StringBuilder sb, String id, String[] header, List<String[]> rows, String firstColumnClass) {
    sb.append("<table id=\"").append(id).append("\"><tr>");
    for (String h : header) sb.append("<th>").append(esc(h)).append("</th>");
    sb.append("</tr>\n");
    for (String[] row : rows) {
      sb.append("<tr>");
      for (int i = 0; i < row.length; i++) {
        String c = row[i];
        boolean numeric = c != null && c.matches("[-+0-9.,/% s]+");
        String cls = i == 0 && firstColumnClass != null ? firstColumnClass : numeric ? "n" : null;
        sb.append(cls == null ? "<td>" : "<td class=\"" + cls + "\">").append(esc(c).replace("\n", "<br>")).append("</td>");
      }
      sb.append("</tr>\n");
    }
    sb.append("</table>\n");
  }

  static String esc(String s) {
    if (s == null) return "";
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<': b.append("&lt;"); break;
        case '>': b.append("&gt;"); break;
        case '&': b.append("&amp;"); break;
        case '"': b.append("&quot;"); break;
        default: b.append(c);
      }
    }
    return b.toString();
  }
}
