package io.httpdiag.agent.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.agent.report.ExchangeEvent;
import io.httpdiag.agent.report.FindingEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The HTML report's waterfall: what each segment is called, and its scale. */
class ReportHtmlTest {
  static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void aBodyLeftOpenUntilCollectedIsNotDrawnAsAnotherPhase() {
    Recording.Exchange x = exchange(35_000);
    x.waitNanos = 2 * MS;
    x.firstByteNanos = 3 * MS;
    x.outcome = "collected";
    long[] p = ReportHtml.phases(x);
    assertEquals("other", ReportHtml.SEGMENTS[6][0]);
    assertEquals(0, p[6], "other");
    assertEquals(2 * MS, p[3], "pool wait");
    assertEquals(3 * MS, p[4], "first byte");
    assertEquals("body left open", ReportHtml.SEGMENTS[7][0]);
    assertEquals(35_000 * MS - 5 * MS, p[7], "body left open");
  }

  @Test
  void aCompleteExchangeSplitsIntoItsPhasesAndTheRemainderIsOther() {
    Recording.Exchange x = exchange(100);
    x.dnsNanos = 1 * MS;
    x.connectNanos = 2 * MS;
    x.tlsNanos = 3 * MS;
    x.waitNanos = 10 * MS; // 4 ms in the pool
    x.firstByteNanos = 50 * MS;
    x.bodyNanos = 30 * MS;
    x.outcome = "pooled";
    assertArrayEquals(new long[] {MS, 2 * MS, 3 * MS, 4 * MS, 50 * MS, 30 * MS, 10 * MS, 0}, ReportHtml.phases(x));
  }

  @Test
  void phasesThatDidNotHappenAreAbsentWhetherZeroOrNegative() {
    Recording.Exchange x = exchange(20);
    x.dnsNanos = -1; // a sentinel for "did not happen"
    x.connectNanos = Long.MIN_VALUE;
    x.tlsNanos = 0;
    x.waitNanos = -1;
    x.firstByteNanos = 15 * MS;
    x.bodyNanos = -1;
    x.outcome = "pooled";
    long[] p = ReportHtml.phases(x);
    for (long v : p) assertTrue(v >= 0, java.util.Arrays.toString(p));
    assertArrayEquals(new long[] {0, 0, 0, 0, 15 * MS, 0, 5 * MS, 0}, p);
  }

  @Test
  void oneOutlierDoesNotSetTheScale() {
    List<Recording.Exchange> rows = new ArrayList<>();
    rows.add(exchange(35_000));
    for (int i = 0; i < 19; i++) rows.add(exchange(20 + i));
    assertEquals(38 * MS, ReportHtml.scale(rows));
  }

  @Test
  void withoutOutliersTheScaleIsTheSlowest() {
    List<Recording.Exchange> rows = new ArrayList<>();
    for (int i = 1; i <= 5; i++) rows.add(exchange(100 * i));
    assertEquals(500 * MS, ReportHtml.scale(rows));
    assertEquals(1, ReportHtml.scale(List.of()));
  }

  @Test
  void thePageShowsTheRealCountKeepsTheKindOnOneLineAndNamesTheOpenBody(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("r.jfr");
    try (jdk.jfr.Recording rec = new jdk.jfr.Recording()) {
      rec.enable(FindingEvent.NAME);
      rec.enable(ExchangeEvent.NAME);
      rec.start();
      for (long count : new long[] {1, 10, 20}) { // the agent commits the 1st, the 10th, and the count at the dump
        FindingEvent f = new FindingEvent();
        f.kind = "MISSING_TIMEOUT";
        f.callSite = "com.acme.Inventory.refresh(Inventory.java:88)";
        f.title = "exchange without a deadline";
        f.count = count;
        f.commit();
      }
      ExchangeEvent x = new ExchangeEvent();
      x.begin();
      x.method = "GET";
      x.url = "http://127.0.0.1:1/big";
      x.host = "127.0.0.1:1";
      x.status = 200;
      x.outcome = "collected";
      x.commit();
      rec.dump(file);
    }
    String page = ReportHtml.render(Recording.read(file));
    String row = page.substring(page.indexOf("<td class=\"kind\">MISSING_TIMEOUT</td>"));
    assertTrue(row.startsWith("<td class=\"kind\">MISSING_TIMEOUT</td><td class=\"n\">20</td>"), row);
    assertTrue(page.contains("td.kind,th{white-space:nowrap;overflow-wrap:normal}"), page);
    assertTrue(!page.contains("title=\"send "), page);
    assertTrue(page.contains("<div class=\"body-left-open\" title=\"body left open "), page);
    assertTrue(page.contains("phases (scale: "), page);
    Files.writeString(dir.resolve("r.html"), page);
  }

  @Test
  void phasesRecordedAsDidNotHappenSentinelsAreReadAsAbsent(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path file = dir.resolve("sentinels.jfr");
    try (jdk.jfr.Recording rec = new jdk.jfr.Recording()) {
      rec.enable(ExchangeEvent.NAME);
      rec.start();
      ExchangeEvent x = new ExchangeEvent();
      x.begin();
      x.method = "GET";
      x.url = "http://127.0.0.1:1/";
      x.host = "127.0.0.1:1";
      x.status = 200;
      x.dnsDuration = Long.MIN_VALUE; // JFR's N/A
      x.connectDuration = -1;
      x.waitForConnDuration = Long.MIN_VALUE;
      x.firstByteDuration = 2 * MS;
      x.outcome = "pooled";
      x.commit();
      rec.dump(file);
    }
    Recording r = Recording.read(file);
    Recording.Exchange x = r.slowest.get(0);
    assertEquals(-1, x.dnsNanos);
    assertEquals(-1, x.waitNanos);
    assertEquals(2 * MS, x.firstByteNanos);
    assertTrue(r.hosts.get("127.0.0.1:1").phases.get("waitForConn").isEmpty(), "an absent wait is not a 0 in the percentiles");
    String page = ReportHtml.render(r);
    assertTrue(!page.contains("width:-") && !page.contains("left:-"), page);
  }

  static Recording.Exchange exchange(long totalMillis) {
    Recording.Exchange x = new Recording.Exchange();
    x.method = "GET";
    x.url = "http://127.0.0.1:1/" + totalMillis;
    x.status = 200;
    x.totalNanos = totalMillis * MS;
    return x;
  }
}
