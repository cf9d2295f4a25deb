package io.httpdiag.demo;

import io.httpdiag.http.Server;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Slowloris: a client trickles its request headers, one line every 100 ms. A server without
 * {@code readHeaderTimeout} keeps the connection (and its thread) as long as the client goes on; with
 * it, the connection is cut once the deadline from the first byte passes.
 */
final class Slowloris extends Scenario {
  static final long TRICKLE_MILLIS = 1500;

  Slowloris() {
    super("slowloris", CORE, "server without readHeaderTimeout", List.of("MISSING_TIMEOUT"));
  }

  @Override
  String describe(Variant v) {
    return "a client sends one header line every 100 ms for " + TRICKLE_MILLIS + " ms to a server "
        + (v == Variant.BAD ? "with no timeouts" : "with readHeaderTimeout(500ms)");
  }

  @Override
  void run(Variant v, Run run) throws Exception {
    Server.Builder b = DemoServer.builder(run).trace(run.lifecycle);
    if (v == Variant.FIXED) b.readHeaderTimeout(Duration.ofMillis(500)).idleTimeout(Duration.ofSeconds(60));
    Server server = run.later(b.build().start());
    long start = System.nanoTime();
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(1);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
      int lines = 0;
      while (System.nanoTime() - start < Duration.ofMillis(TRICKLE_MILLIS).toNanos()) {
        Thread.sleep(100);
        try {
          out.write(("X-Slow-" + lines + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
          out.flush();
          lines++;
          int b0 = in.read(); // returns only once the server answered (e.g. 408) or closed
          run.say("the server cut the slow connection after " + Lifecycle.ms(System.nanoTime() - start) + " ("
              + lines + " header lines sent" + (b0 < 0 ? ", then EOF" : ", then an answer") + ")");
          return;
        } catch (SocketTimeoutException stillOpen) {
          // nothing from the server yet: the connection is still open
        } catch (IOException cut) {
          run.say("the server cut the slow connection after " + Lifecycle.ms(System.nanoTime() - start) + " ("
              + lines + " header lines sent): " + cut.getMessage());
          return;
        }
      }
      run.say("after " + Lifecycle.ms(System.nanoTime() - start) + " and " + lines
          + " header lines the connection is still open: " + server.openConnections()
          + " connection held by a client that never finishes its request");
    }
  }
}
