package io.httpdiag.bench;

import java.util.ArrayList;
import java.util.List;

/** A markdown table, printed as it is built up. */
final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... header) {
    this.header = List.of(header);
  }

  void row(Object... cells) {
    List<String> r = new ArrayList<>();
    for (Object c : cells) {
      r.add(String.valueOf(c));
    }
    rows.add(r);
  }

  String render() {
    StringBuilder b = new StringBuilder();
    b.append("| ").append(String.join(" | ", header)).append(" |\n|");
    for (int i = 0; i < header.size(); i++) {
      b.append(i == 0 ? "---|" : "--:|");
    }
    b.append('\n');
    for (List<String> r : rows) {
      b.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    return b.toString();
  }

  static String rps(double v) {
    return Double.isNaN(v) ? "–" : String.format("%,.0f", v);
  }

  static String micros(double us) {
    if (Double.isNaN(us) || us < 0) {
      return "–";
    }
    return us >= 1000 ? String.format("%.2f ms", us / 1000) : String.format("%.0f µs", us);
  }

  static String ratio(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "–" : String.format("%.2fx", v);
  }

  static String pct(double cv) {
    return String.format("%.1f%%", cv * 100);
  }

  static String num(double v, int decimals) {
    return Double.isNaN(v) || v < 0 ? "–" : String.format("%,." + decimals + "f", v);
  }
}
