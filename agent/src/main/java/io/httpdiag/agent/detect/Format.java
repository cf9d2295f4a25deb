package io.httpdiag.agent.detect;

import java.util.Locale;

/** Numbers in findings, for people: bytes as B/KiB/MiB, durations as ms/s. */
final class Format {
  private Format() {}

  static String bytes(long n) {
    if (n < 0) return "unknown";
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
    return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
  }

  static String duration(long nanos) {
    if (nanos < 1_000_000_000L) return String.format(Locale.ROOT, "%dms", nanos / 1_000_000L);
    return String.format(Locale.ROOT, "%.1fs", nanos / 1e9);
  }
}
