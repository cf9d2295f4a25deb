package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/** A child records with our .jfc; the dumped file is read back with RecordingFile. */
class JfrIT {
  @Test
  void recordingWithShippedSettingsHoldsExchangeConnectionServerAndPoolEvents() throws Exception {
    Path jfr = ChildJvm.workDir().resolve("rec-" + ProcessHandle.current().pid() + ".jfr");
    Files.deleteIfExists(jfr);
    ChildJvm.simulated().agent("log=off")
        .jvmArg("-XX:StartFlightRecording:filename=" + jfr + ",settings=" + ChildJvm.jfc())
        .args("fresh", "reused", "tls", "server", "failed", "--await-pool-stats").run().assertHealthy();

    List<RecordedEvent> events = RecordingFile.readAllEvents(jfr).stream()
        .filter(e -> e.getEventType().getName().startsWith("httpdiag.")).collect(Collectors.toList());
    Map<String, List<RecordedEvent>> byName =
        events.stream().collect(Collectors.groupingBy(e -> e.getEventType().getName()));

    List<RecordedEvent> exchanges = byName.getOrDefault("httpdiag.Exchange", List.of());
    assertEquals(4, exchanges.size(), "client exchanges: " + exchanges);
    RecordedEvent fresh = byId(exchanges, 1);
    assertEquals("GET", fresh.getString("method"));
    assertEquals("http://127.0.0.1:8080/api?<redacted>", fresh.getString("url"));
    assertEquals("127.0.0.1:8080", fresh.getString("host"));
    assertEquals(200, fresh.getInt("status"));
    assertEquals(1, fresh.getLong("connectionId"));
    assertFalse(fresh.getBoolean("reused"));
    assertEquals(13, fresh.getLong("responseBytes"));
    assertEquals("pooled", fresh.getString("outcome"));
    assertTrue(fresh.getDuration("dnsDuration").toNanos() > 0, "dns");
    assertTrue(fresh.getDuration("connectDuration").toNanos() > 0, "connect");
    assertTrue(fresh.getDuration("waitForConnDuration").toNanos() > 0, "waitForConn");
    // A phase that did not happen is Long.MIN_VALUE (jfr print: N/A), never 0 s (which pulls averages down).
    assertEquals(Long.MIN_VALUE, fresh.getLong("tlsDuration"), "no TLS on plain HTTP");
    assertTrue(fresh.getEventType().getField("tlsDuration").getDescription().contains("Long.MIN_VALUE"));
    assertTrue(fresh.getDuration().toNanos() > 0, "event duration");
    assertEquals("Timespan", annotation(fresh, "dnsDuration"));
    assertEquals("DataAmount", annotation(fresh, "responseBytes"));

    RecordedEvent reused = byId(exchanges, 2);
    assertTrue(reused.getBoolean("reused"));
    assertTrue(reused.getBoolean("wasIdle"));
    assertEquals(Duration.ofNanos(1_300_000), reused.getDuration("idleTime"));
    assertEquals(Long.MIN_VALUE, reused.getLong("dnsDuration"), "no DNS on a reused connection");
    assertEquals(Long.MIN_VALUE, reused.getLong("connectDuration"), "no connect on a reused connection");
    assertEquals(Long.MIN_VALUE, fresh.getLong("idleTime"), "a fresh connection was never idle");

    RecordedEvent tls = byId(exchanges, 3);
    assertEquals("https://<redacted>@secure.test:8443/orders?<redacted>", tls.getString("url"));
    assertEquals(201, tls.getInt("status"));
    assertEquals(5, tls.getLong("requestBytes"));
    assertEquals("connectionClose", tls.getString("outcome"));
    assertTrue(tls.getDuration("tlsDuration").toNanos() > 0, "tls");

    RecordedEvent failed = byId(exchanges, 5);
    assertEquals("failed", failed.getString("outcome"));
    assertEquals("java.net.ConnectException: Connection refused", failed.getString("error"));

    List<RecordedEvent> connections = byName.getOrDefault("httpdiag.Connection", List.of());
    assertEquals(3, connections.size(), "connections (two dials and a failed one): " + connections);
    RecordedEvent tlsConn = connections.stream().filter(e -> e.getLong("connectionId") == 2).findFirst().orElseThrow();
    assertEquals("127.0.0.1:8443", tlsConn.getString("address"));
    assertEquals("secure.test:8443", tlsConn.getString("host"));
    assertEquals("TLSv1.3", tlsConn.getString("tlsProtocol"));
    assertEquals("TLS_AES_128_GCM_SHA256", tlsConn.getString("tlsCipherSuite"));
    assertEquals("http/1.1", tlsConn.getString("alpn"));
    assertTrue(tlsConn.getDuration("tlsDuration").toNanos() > 0);
    assertTrue(tlsConn.getDuration("connectDuration").toNanos() > 0);
    RecordedEvent failedDial = connections.stream().filter(e -> e.getLong("connectionId") == 0).findFirst().orElseThrow();
    assertEquals("java.net.ConnectException: Connection refused", failedDial.getString("error"));

    List<RecordedEvent> server = byName.getOrDefault("httpdiag.ServerExchange", List.of());
    assertEquals(1, server.size());
    RecordedEvent s = server.get(0);
    assertEquals("GET", s.getString("method"));
    assertEquals("/hello?<redacted>", s.getString("target"));
    assertEquals(200, s.getInt("status"));
    assertEquals(13, s.getLong("bytesOut"));
    assertEquals(3, s.getLong("connectionId"));
    assertFalse(s.getBoolean("connectionReused"));
    assertTrue(s.getBoolean("keepAlive"));
    assertTrue(s.getDuration("handlerDuration").toNanos() > 0);

    List<RecordedEvent> pool = byName.getOrDefault("httpdiag.PoolStats", List.of());
    RecordedEvent local = pool.stream().filter(e -> "127.0.0.1:8080".equals(e.getString("host")))
        .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no PoolStats for 127.0.0.1:8080: " + pool));
    assertEquals(1, local.getLong("dials"));
    assertEquals(1, local.getLong("reuses"));
    assertEquals(1, local.getLong("idle"));
    assertEquals(0, local.getLong("inUse"));
    RecordedEvent secure = pool.stream().filter(e -> "secure.test:8443".equals(e.getString("host")))
        .reduce((a, b) -> b).orElseThrow();
    assertEquals(1, secure.getLong("discardedConnectionClose"));
    assertEquals(0, secure.getLong("idle"));

    assertEquals("HTTP Diagnostics", fresh.getEventType().getCategoryNames().get(0));
    assertEquals("HTTP Exchange", fresh.getEventType().getLabel());
  }

  @Test
  void recordingStartedByTheAppAfterTheAgentStillGetsTheEvents() throws Exception {
    // The agent registers its events only when Flight Recorder initializes; here that happens when
    // the app starts a Recording, long after premain.
    Path jfr = ChildJvm.workDir().resolve("late-" + ProcessHandle.current().pid() + ".jfr");
    Files.deleteIfExists(jfr);
    ChildJvm.simulated().agent("log=off")
        .args("--record=" + jfr + "," + ChildJvm.jfc(), "fresh", "reused", "server", "--await-pool-stats").run().assertHealthy();
    Map<String, Long> counts = RecordingFile.readAllEvents(jfr).stream()
        .filter(e -> e.getEventType().getName().startsWith("httpdiag."))
        .collect(Collectors.groupingBy(e -> e.getEventType().getName(), Collectors.counting()));
    assertEquals(2L, counts.get("httpdiag.Exchange"), "events: " + counts);
    assertEquals(1L, counts.get("httpdiag.Connection"), "events: " + counts);
    assertEquals(1L, counts.get("httpdiag.ServerExchange"), "events: " + counts);
    assertTrue(counts.getOrDefault("httpdiag.PoolStats", 0L) > 0, "events: " + counts);
  }

  private static RecordedEvent byId(List<RecordedEvent> events, long id) {
    return events.stream().filter(e -> e.getLong("exchangeId") == id).findFirst()
        .orElseThrow(() -> new AssertionError("no event for exchange " + id + " in " + events));
  }

  private static String annotation(RecordedEvent e, String field) {
    return e.getEventType().getField(field).getAnnotationElements().stream()
        .map(a -> a.getTypeName().substring(a.getTypeName().lastIndexOf('.') + 1))
        .filter(n -> n.equals("Timespan") || n.equals("DataAmount")).findFirst().orElse("none");
  }
}
