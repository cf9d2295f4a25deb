package io.httpdiag.http.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The {@code Date} header value, formatted once per second and shared by all connections. */
public final class DateCache {
  private static final DateTimeFormatter IMF_FIXDATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
  private static volatile Entry current = new Entry(0, new byte[0]);

  private DateCache() {}

  /** "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" as bytes; do not modify. */
  public static byte[] headerLine() {
    long second = System.currentTimeMillis() / 1000;
    Entry e = current;
    if (e.second != second) {
      String v = IMF_FIXDATE.format(Instant.ofEpochSecond(second).atOffset(ZoneOffset.UTC));
      e = new Entry(second, ("Date: " + v + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      current = e;
    }
    return e.line;
  }

  private static final class Entry {
    final long second;
    final byte[] line;

    Entry(long second, byte[] line) {
      this.second = second;
      this.line = line;
    }
  }
}
