package io.httpdiag.agent.cli;

import java.util.List;
import java.util.Locale;

/**
 * The report as one self-contained HTML page: inline CSS, no script, no external resource; the
 * waterfall of the slowest exchanges is made of positioned divs.
 */
final class ReportHtml {
  static final String[][] SEGMENTS = {
      {"dns", "#8e7cc3"}, {"connect", "#f6b26b"}, {"tls", "#e06666"}, {"pool wait", "#cccccc"},
      {"send", "#93c47d"}, {"first byte", "#6fa8dc"}, {"body", "#76a5af"}};

  private ReportHtml() {}

  static String render(Recording r) {
    StringBuilder sb = new StringBuilder(64 * 1024);
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>httpdiag report: ")
        .append(esc(r.file.getFileName().toString())).append("</title>\n<style>\n")
        .append("body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}\n")
        .append("table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top;max-width:36em;overflow-wrap:anywhere}\n")
        .append("th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px}\n")
        .append(".wf{position:relative;height:14px;width:600px;background:#fafafa}.wf div{position:absolute;top:0;height:14px}\n")
        .append(".key span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}\n")
        .append("</style></head><body>\n");
    sb.append("<h1>httpdiag report</h1>\n<p id=\"summary\">").append(esc(r.file.toString())).append(": ")
        .append(r.events).append(" httpdiag events over ")
        .append(String.format(Locale.ROOT, "%.1f", r.span().toNanos() / 1e9)).append(" s; ")
        .append(r.exchanges()).append(" client exchanges, ").append(r.connections).append(" new connections, ")
        .append(r.serverExchanges).append(" server exchanges, ").append(r.findings.size()).append(" findings.</p>\n");
    sb.append("<h2>Client exchanges per host</h2>\n<p>Milliseconds, p50 / p99; dns, connect and tls over the exchanges"
        + " that had them.</p>\n");
    table(sb, "hosts", ReportText.hostHeader(), ReportText.hostRows(r));
    sb.append("<h2>Findings by kind and call site</h2>\n");
    String[] fh = {"kind", "count", "call site", "what", "fix"};
    List<String[]> rows = new java.util.ArrayList<>();
    for (Recording.FindingGroup g : r.findings.values()) {
      rows.add(new String[] {g.kind, Long.toString(g.count), g.callSite, g.title, g.fix == null ? "" : g.fix});
    }
    if (rows.isEmpty()) sb.append("<p>None.</p>\n");
    else table(sb, "findings", fh, rows);
    sb.append("<h2>Slowest exchanges</h2>\n<p class=\"key\">");
    for (String[] s : SEGMENTS) sb.append("<span style=\"background:").append(s[1]).append("\"></span>").append(s[0]);
    sb.append("</p>\n");
    waterfall(sb, r);
    sb.append("<h2>Pool statistics over time</h2>\n<p>Samples where a host's counters changed; counts are since the agent"
        + " started.</p>\n");
    List<String[]> pool = ReportText.poolRows(r);
    if (pool.isEmpty()) sb.append("<p>None.</p>\n");
    else table(sb, "pool", ReportText.poolHeader(), pool);
    sb.append("</body></html>\n");
    return sb.toString();
  }

  private static void waterfall(StringBuilder sb, Recording r) {
    long max = 1;
    for (Recording.Exchange x : r.slowest) max = Math.max(max, x.totalNanos);
    sb.append("<table id=\"waterfall\"><tr><th>exchange</th><th>status</th><th>total ms</th><th>phases (scale: ")
        .append(ReportText.ms(max)).append(" ms)</th></tr>\n");
    for (Recording.Exchange x : r.slowest) {
      long wait = Math.max(0, x.waitNanos - x.dnsNanos - x.connectNanos - x.tlsNanos);
      long send = Math.max(0, x.totalNanos - x.waitNanos - x.firstByteNanos - x.bodyNanos);
      long[] parts = {x.dnsNanos, x.connectNanos, x.tlsNanos, wait, send, x.firstByteNanos, x.bodyNanos};
      sb.append("<tr><td><code>").append(esc(x.method)).append(' ').append(esc(x.url)).append("</code>")
          .append(x.reused ? " (reused)" : "").append("</td><td class=\"n\">").append(x.status)
          .append("</td><td class=\"n\">").append(ReportText.ms(x.totalNanos)).append("</td><td><div class=\"wf\">");
      long at = 0;
      for (int i = 0; i < parts.length; i++) {
        if (parts[i] <= 0) continue;
        sb.append(String.format(Locale.ROOT, "<div title=\"%s %s ms\" style=\"left:%.2f%%;width:%.2f%%;background:%s\"></div>",
            SEGMENTS[i][0], ReportText.ms(parts[i]), 100.0 * at / max, Math.max(0.3, 100.0 * parts[i] / max),
            SEGMENTS[i][1]));
        at += parts[i];
      }
      sb.append("</div></td></tr>\n");
    }
    sb.append("</table>\n");
  }

  private static void table(StringBuilder sb, String id, String[] header, List<String[]> rows) {
    sb.append("<table id=\"").append(id).append("\"><tr>");
    for (String h : header) sb.append("<th>").append(esc(h)).append("</th>");
    sb.append("</tr>\n");
    for (String[] row : rows) {
      sb.append("<tr>");
      for (String c : row) {
        boolean numeric = c != null && c.matches("[-+0-9.,/% s]+");
        sb.append(numeric ? "<td class=\"n\">" : "<td>").append(esc(c)).append("</td>");
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
