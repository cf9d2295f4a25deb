package io.httpdiag.agent.testapp;

import io.httpdiag.http.internal.Trace;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A child-JVM test program that drives the core-transport tracepoints the way a real client and
 * server exchange would, in a fixed order with deterministic ids (exchange and connection ids start
 * at 1). Arguments are scenario names run in order; flags:
 * {@code --wait} (print "testapp: waiting" and wait for a line on stdin before the traffic, for attach),
 * {@code --await-pool-stats} (after the traffic, wait until a httpdiag.PoolStats event was emitted),
 * {@code --record=FILE,SETTINGS} (start a JFR recording from the app itself, dump it to FILE at the end).
 * Prints, at the end, the runtime's counters and the loader of the runtime classes.
 *
 * <p>Tests that later run real traffic swap this main for one using the real client and server.
 */
public final class SimulatedTraffic {
  private SimulatedTraffic() {}

  public static void main(String[] args) throws Exception {
    boolean awaitPoolStats = false;
    jdk.jfr.Recording recording = null;
    java.nio.file.Path recordTo = null;
    for (String arg : args) {
      if (arg.startsWith("--record=")) {
        // A recording the app starts itself, after the agent: JFR is initialized only now.
        String[] fileAndSettings = arg.substring("--record=".length()).split(",", 2);
        recordTo = java.nio.file.Path.of(fileAndSettings[0]);
        recording = new jdk.jfr.Recording(jdk.jfr.Configuration.create(java.nio.file.Path.of(fileAndSettings[1])));
        recording.start();
        continue;
      }
      switch (arg) {
        case "--wait":
          // Load and initialize Trace first, so an attach has to retransform an already loaded class.
          Class.forName("io.httpdiag.http.internal.Trace");
          System.out.println("testapp: waiting");
          System.out.flush();
          String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
          System.out.println("testapp: got " + line);
          break;
        case "--await-pool-stats":
          awaitPoolStats = true;
          break;
        case "fresh": fresh(); break;
        case "reused": reused(); break;
        case "tls": tls(); break;
        case "server": server(); break;
        case "failed": failed(); break;
        case "closeIdle": Trace.clientConnClosed(1, "idleTimeout"); break;
        default:
          if (arg.startsWith("repeat=")) {
            repeat(Integer.parseInt(arg.substring("repeat=".length())));
            break;
          }
          throw new IllegalArgumentException("unknown scenario " + arg);
      }
    }
    if (awaitPoolStats) awaitPoolStats();
    if (recording != null) {
      recording.dump(recordTo);
      recording.close();
    }
    System.out.println("testapp: done");
    report();
  }

  /** Exchange on a new connection: GET with a query, DNS, connect, pooled afterwards. Exchange 1, conn 1. */
  static void fresh() {
    long ex = Trace.newExchangeId();
    Trace.clientExchangeStart(null, ex, "GET", "http://127.0.0.1:8080/api?token=secret&page=2", 0);
    Trace.getConn(null, ex, "127.0.0.1:8080");
    Trace.dnsStart(null, ex, "127.0.0.1");
    Trace.dnsDone(null, ex, "127.0.0.1", null);
    Trace.connectStart(null, ex, "127.0.0.1:8080");
    long conn = Trace.newConnectionId();
    Trace.connectDone(null, ex, conn, "127.0.0.1:8080", null);
    Trace.gotConn(null, ex, conn, false, false, 0, 0, 1);
    Trace.wroteHeaders(null, ex);
    Trace.wroteRequest(null, ex, 0, null);
    Trace.gotFirstResponseByte(null, ex);
    Trace.gotResponseHeaders(null, ex, 200, 13);
    Trace.bodyEnd(null, ex, conn, 13, 13, true, "eof");
    Trace.putIdleConn(null, ex, conn, "ok");
  }

  /** Second exchange on connection 1, taken from the idle pool. */
  static void reused() {
    long ex = Trace.newExchangeId();
    Trace.clientExchangeStart(null, ex, "GET", "http://127.0.0.1:8080/api", 0);
    Trace.getConn(null, ex, "127.0.0.1:8080");
    Trace.gotConn(null, ex, 1, true, true, 1_300_000, 5_000_000, 2);
    Trace.wroteHeaders(null, ex);
    Trace.wroteRequest(null, ex, 0, null);
    Trace.gotFirstResponseByte(null, ex);
    Trace.gotResponseHeaders(null, ex, 200, 13);
    Trace.bodyEnd(null, ex, 1, 13, 13, true, "eof");
    Trace.putIdleConn(null, ex, 1, "ok");
  }

  /** POST over a new TLS connection with user info in the URL; the connection is not pooled (Connection: close). */
  static void tls() {
    long ex = Trace.newExchangeId();
    Trace.clientExchangeStart(null, ex, "POST", "https://alice:s3cret@secure.test:8443/orders?card=4111", 5_000_000_000L);
    Trace.getConn(null, ex, "secure.test:8443");
    Trace.dnsStart(null, ex, "secure.test");
    Trace.dnsDone(null, ex, "127.0.0.1", null);
    Trace.connectStart(null, ex, "127.0.0.1:8443");
    long conn = Trace.newConnectionId();
    Trace.connectDone(null, ex, conn, "127.0.0.1:8443", null);
    Trace.tlsHandshakeStart(null, ex, conn);
    Trace.tlsHandshakeDone(null, ex, conn, "TLSv1.3", "TLS_AES_128_GCM_SHA256", "http/1.1", null);
    Trace.gotConn(null, ex, conn, false, false, 0, 0, 1);
    Trace.wroteHeaders(null, ex);
    Trace.wroteRequest(null, ex, 5, null);
    Trace.gotFirstResponseByte(null, ex);
    Trace.gotResponseHeaders(null, ex, 201, 2);
    Trace.bodyEnd(null, ex, conn, 2, 2, true, "eof");
    Trace.putIdleConn(null, ex, conn, "connectionClose");
    Trace.clientConnClosed(conn, "connectionClose");
  }

  /** One request handled by the server on a new connection. */
  static void server() {
    long conn = Trace.newConnectionId();
    long ex = Trace.newExchangeId();
    Trace.serverConnAccepted(null, conn, "127.0.0.1:50000", "127.0.0.1:8080");
    Trace.serverConnState(null, conn, "new");
    Trace.serverConnState(null, conn, "active");
    Trace.serverRequestHeadersRead(null, conn, ex, "GET", "/hello?name=bob", "HTTP/1.1", 1);
    Trace.handlerStart(null, ex);
    Trace.responseCommitted(null, ex, 200);
    Trace.handlerEnd(null, ex, null);
    Trace.serverExchangeEnd(null, conn, ex, 200, 0, 13, true);
    Trace.serverConnState(null, conn, "idle");
    Trace.serverConnClosed(null, conn, "clientClosed");
  }

  /** A dial that fails: a finding even at the default level. */
  static void failed() {
    long ex = Trace.newExchangeId();
    Trace.clientExchangeStart(null, ex, "GET", "http://127.0.0.1:9/down?k=v", 0);
    Trace.getConn(null, ex, "127.0.0.1:9");
    Trace.connectStart(null, ex, "127.0.0.1:9");
    ConnectException refused = new ConnectException("Connection refused");
    Trace.connectDone(null, ex, 0, "127.0.0.1:9", refused);
    Trace.exchangeFailed(null, ex, refused);
  }

  /** Runs {@code n} pooled exchanges on one connection, twice, and prints the mean cost of the second run. */
  static void repeat(int n) {
    long conn = Trace.newConnectionId();
    long nanos = 0;
    for (int round = 0; round < 2; round++) {
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        long ex = Trace.newExchangeId();
        Trace.clientExchangeStart(null, ex, "GET", "http://127.0.0.1:8080/api?i=" + i, 0);
        Trace.getConn(null, ex, "127.0.0.1:8080");
        Trace.gotConn(null, ex, conn, true, true, 1000, 1000, i + 1);
        Trace.wroteHeaders(null, ex);
        Trace.wroteRequest(null, ex, 0, null);
        Trace.gotFirstResponseByte(null, ex);
        Trace.gotResponseHeaders(null, ex, 200, 13);
        Trace.bodyEnd(null, ex, conn, 13, 13, true, "eof");
        Trace.putIdleConn(null, ex, conn, "ok");
      }
      nanos = System.nanoTime() - start;
    }
    System.out.println("testapp: perExchangeNanos=" + nanos / n);
  }

  /** Waits (deadline 20 s) until JFR emitted a httpdiag.PoolStats event, via an in-process stream. */
  static void awaitPoolStats() throws Exception {
    CountDownLatch seen = new CountDownLatch(1);
    try (jdk.jfr.consumer.RecordingStream rs = new jdk.jfr.consumer.RecordingStream()) {
      rs.enable("httpdiag.PoolStats").withPeriod(Duration.ofMillis(200));
      rs.onEvent("httpdiag.PoolStats", e -> seen.countDown());
      rs.startAsync();
      if (!seen.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("no httpdiag.PoolStats within 20 s");
    }
    System.out.println("testapp: poolStats seen");
  }

  /** Prints the agent runtime's counters and who loaded it, resolved as the app would. */
  static void report() {
    try {
      Class<?> counters = Class.forName("io.httpdiag.agent.runtime.Counters");
      System.out.println("testapp: counters " + counters.getMethod("summary").invoke(null));
      Object last = counters.getField("lastFailure").get(null);
      if (last != null) ((Throwable) last).printStackTrace(System.out);
      ClassLoader loader = counters.getClassLoader();
      System.out.println("testapp: runtimeLoader=" + (loader == null ? "boot" : loader.getName()));
      Class<?> installer = Class.forName("io.httpdiag.agent.instrument.Installer");
      System.out.println("testapp: installed=" + installer.getMethod("isInstalled").invoke(null));
    } catch (ClassNotFoundException e) {
      System.out.println("testapp: no agent");
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
    System.out.println("testapp: java.version=" + System.getProperty("java.version"));
  }
}
