package io.httpdiag.junit;

import java.util.List;

/** One leak, as the report shows it: what, where it began, evidence lines, the fix. */
final class Leak {
  final LeakKind kind;
  final String what;
  final String whereLabel;
  final String where;
  final List<String> evidence;
  final String fix;

  Leak(LeakKind kind, String what, String whereLabel, String where, List<String> evidence, String fix) {
    this.kind = kind;
    this.what = what;
    this.whereLabel = whereLabel;
    this.where = where;
    this.evidence = evidence;
    this.fix = fix;
  }

  /** The report: a header line, then each leak numbered, then how to ignore. */
  static String report(String subject, List<Leak> leaks, long waitedNanos, int retries) {
    StringBuilder sb = new StringBuilder();
    sb.append("httpdiag: ").append(leaks.size()).append(leaks.size() == 1 ? " leak" : " leaks")
        .append(subject == null ? "" : " in " + subject)
        .append(String.format(" (still there after waiting %.2f s, %d retries):", waitedNanos / 1e9, retries));
    int i = 1;
    for (Leak l : leaks) {
      sb.append('\n').append(i++).append(". [").append(l.kind).append("] ").append(l.what);
      if (l.where != null) sb.append("\n   ").append(l.whereLabel).append(' ').append(l.where);
      for (String e : l.evidence) sb.append("\n   ").append(e);
      sb.append("\n   fix: ").append(l.fix);
    }
    sb.append("\nTo accept a leak: @HttpLeakCheck(check = ..., ignoreThreads = \"name regex\", ignoreTopFrames = \"class.method\")");
    return sb.toString();
  }
}
