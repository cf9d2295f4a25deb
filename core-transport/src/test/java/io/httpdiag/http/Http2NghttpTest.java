package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * h2c against nghttp2's own tools (Debian package nghttp2-client; .ci/run installs it): nghttp
 * multiplexing several requests and an upload on one connection, h2load with 4 connections of 25
 * concurrent streams each.
 */
class Http2NghttpTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final Set<Long> connections = ConcurrentHashMap.newKeySet();
  private Server server;

  private void start(Handler handler) throws IOException {
    server = Server.builder().h2c(true).handler(handler).trace(new ServerTrace() {
      @Override
      public void connAccepted(long connectionId, String remoteAddress, String localAddress) {
        connections.add(connectionId);
      }
    }).build().start();
  }

  @AfterEach
  void noLeakedConnections() {
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " connections open");
    }
  }

  private static void assumeInstalled(String tool) {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/" + tool)), tool + " not installed (.ci/run installs nghttp2-client)");
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), cmd[0] + " hung");
    assertEquals(0, p.exitValue(), cmd[0] + " failed: " + out);
    return out;
  }

  @Test
  void nghttpMultiplexesRequestsOnOneConnection() throws Exception {
    assumeInstalled("nghttp");
    start((w, r) -> w.write("path " + r.uri().getPath() + "\n"));
    List<String> cmd = new ArrayList<>(List.of("nghttp", "--no-dep", "-t", "20"));
    for (int i = 0; i < 10; i++) {
      cmd.add(server.url("/" + i));
    }
    String out = run(cmd.toArray(new String[0]));
    for (int i = 0; i < 10; i++) {
      assertTrue(out.contains("path /" + i + "\n"), out);
    }
    assertEquals(1, connections.size());
    assertEquals(10, server.requestsServed());
  }

  @Test
  void nghttpUploadsABodyLargerThanTheWindow() throws Exception {
    assumeInstalled("nghttp");
    start((w, r) -> w.write(r.method() + " " + r.body().readAllBytes().length));
    Path upload = Files.createTempFile("h2-upload", ".bin");
    try {
      Files.write(upload, new byte[500_000]);
      assertEquals("POST 500000", run("nghttp", "-t", "20", "-d", upload.toString(), server.url("/up")).trim());
    } finally {
      Files.delete(upload);
    }
  }

  @Test
  void h2loadWithConcurrentStreamsHasNoErrors() throws Exception {
    assumeInstalled("h2load");
    start((w, r) -> w.write("ok"));
    String out = run("h2load", "-n", "2000", "-c", "4", "-m", "25", "-T", "30", server.url("/"));
    assertTrue(out.contains("2000 succeeded, 0 failed, 0 errored, 0 timeout"), out);
    assertTrue(out.contains("status codes: 2000 2xx"), out);
    assertEquals(4, connections.size());
  }
}
