package io.httpdiag.demo;

import io.httpdiag.http.Client;
import io.httpdiag.http.Server;
import io.httpdiag.http.ServerTrace;
import io.httpdiag.http.Transport;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;

/**
 * What one variant of a scenario runs against: an embedded server on 127.0.0.1 with every server
 * timeout set (so only the scenario's own mistake is found), the lifecycle lines, and what to
 * clean up after the check point. Confined to the thread running the variant.
 */
final class Run implements AutoCloseable {
  /** A generous deadline for the clients that are meant to be correct. */
  static final Duration T = Duration.ofSeconds(10);

  final PrintStream out;
  final Lifecycle lifecycle;
  /** Counted down at cleanup: releases handlers that stall on purpose. */
  final CountDownLatch release = new CountDownLatch(1);
  /** Counted down when a stalling handler has the request (the client is now waiting). */
  final CountDownLatch stalled = new CountDownLatch(1);
  private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();
  private Server server;

  Run(PrintStream out) {
    this.out = out;
    this.lifecycle = new Lifecycle(out, 4);
  }

  /** The variant's server, started on first use. */
  Server server() throws Exception {
    if (server == null) {
      server = DemoServer.builder(this).readHeaderTimeout(Duration.ofSeconds(5)).idleTimeout(Duration.ofSeconds(60))
          .build().start();
    }
    return server;
  }

  String url(String path) throws Exception {
    return server().url(path);
  }

  /** A server of the scenario's own, closed at cleanup. */
  Server start(Server.Builder b, ServerTrace trace) throws Exception {
    if (trace != null) b.trace(trace);
    return later(b.build().start());
  }

  /** A correct core-transport client (deadline set, shared default transport) with the lifecycle lines. */
  Client client() {
    return Client.builder().timeout(T).trace(lifecycle).build();
  }

  /** A correct client over {@code transport} (e.g. an h2c one) with the lifecycle lines. */
  Client h2Client(Transport transport) {
    return Client.builder().timeout(T).transport(transport).trace(lifecycle).build();
  }

  /** Closes {@code c} after the check point (e.g. a body left open on purpose). */
  <C extends AutoCloseable> C later(C c) {
    cleanup.push(c);
    return c;
  }

  /**
   * Releases the handlers stalling on purpose and waits (10 s at most) until they returned: in a
   * fixed variant the stalling server is scenery, and a handler still running at the check point
   * would rightly be reported as stuck.
   */
  void releaseStalledHandlers() throws Exception {
    release.countDown();
    long deadline = System.nanoTime() + T.toNanos();
    while (server != null && server.activeConnections() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  void say(String line) {
    out.println("    " + line);
  }

  @Override
  public void close() {
    release.countDown();
    while (!cleanup.isEmpty()) {
      try {
        cleanup.pop().close();
      } catch (Exception e) {
        // Cleaning up after a deliberate mistake: errors here are expected and not the point.
      }
    }
    if (server != null) server.close();
  }
}
