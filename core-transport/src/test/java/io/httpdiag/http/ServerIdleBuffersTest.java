package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.RawConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An idle keep-alive connection holds no 8 KiB buffers: they are lent per exchange from the
 * server's pool ({@link ServerBuffers}) and given back before the connection waits for its next
 * request, whatever size the requests and responses are and however they are pipelined.
 */
class ServerIdleBuffersTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private Server server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " connections open");
    }
  }

  private void start(Handler h) throws IOException {
    server = Server.builder().handler(h).build().start();
  }

  @Test
  void idleConnectionsGiveTheirBuffersBackAndTheNextExchangeReusesThem() throws Exception {
    start((w, r) -> w.write("path=" + r.path()));
    List<RawConnection> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        RawConnection c = new RawConnection(server.port());
        idle.add(c);
        c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
        c.readUntil("path=/" + i, 1, WAIT);
        // Had the connection kept its buffers, the next one would find the pool empty.
        Await.until(WAIT, () -> server.buffers.pooled() == 1,
            () -> "pooled buffer sets " + server.buffers.pooled() + " with " + idle.size() + " idle connections");
      }
      for (int i = 0; i < idle.size(); i++) { // each idle connection still serves, from a borrowed set
        idle.get(i).send("GET /again" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
        idle.get(i).readUntil("path=/again" + i, 1, WAIT);
        Await.until(WAIT, () -> server.buffers.pooled() == 1, () -> "pooled " + server.buffers.pooled());
      }
    } finally {
      for (RawConnection c : idle) {
        c.close();
      }
    }
  }

  @Test
  void requestsLargerThanTheRestingBufferAndTheLentBufferAreServedOnOneConnection() throws Exception {
    start((w, r) -> w.write("path=" + r.path() + " x=" + r.headers().get("X-Big").length()));
    try (RawConnection c = new RawConnection(server.port())) {
      // 1 KiB fits the resting buffer, 5 KiB does not (a second read), 40 KiB outgrows the lent 8 KiB.
      for (int size : new int[] {1024, 5 * 1024, 40 * 1024, 10}) {
        c.send("GET /s" + size + " HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(size) + "\r\n\r\n");
        c.readUntil("path=/s" + size + " x=" + size, 1, WAIT);
      }
    }
    Await.until(WAIT, () -> server.buffers.pooled() == 1, () -> "pooled " + server.buffers.pooled());
  }

  @Test
  void pipelinedBytesThatDoNotFitTheRestingBufferStayInOrder() throws Exception {
    start((w, r) -> w.write("path=" + r.path() + " x=" + r.headers().get("X-Big").length() + ";"));
    try (RawConnection c = new RawConnection(server.port())) {
      // After /a, more than the resting buffer is already read: the connection keeps its lent set.
      c.send("GET /a HTTP/1.1\r\nHost: x\r\nX-Big: 1\r\n\r\n"
          + "GET /b HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(3000) + "\r\n\r\n"
          + "GET /c HTTP/1.1\r\nHost: x\r\nX-Big: 123\r\n\r\n"
          + "GET /d HTTP/1.1\r\nHost: x\r\nX-Big: 12\r\nConnection: close\r\n\r\n");
      String all = c.readUntilClose(WAIT);
      int a = all.indexOf("path=/a x=1;");
      int b = all.indexOf("path=/b x=3000;");
      int cc = all.indexOf("path=/c x=3;");
      int d = all.indexOf("path=/d x=2;");
      assertTrue(a > 0 && b > a && cc > b && d > cc, all);
    }
  }

  @Test
  void largeResponsesStreamFromABorrowedBufferAfterEachIdlePause() throws Exception {
    String big = "0123456789abcdef".repeat(2048); // 32 KiB: past the body buffer, streamed chunked
    start((w, r) -> {
      w.write(big.substring(0, 100));
      w.write(big);
    });
    try (RawConnection c = new RawConnection(server.port())) {
      for (int i = 1; i <= 3; i++) {
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        String all = c.readUntil("\r\n0\r\n\r\n", i, WAIT);
        String last = all.substring(all.lastIndexOf("HTTP/1.1 200 OK"));
        assertEquals(big.substring(0, 100) + big, ServerTest.decodeChunked(last.substring(last.indexOf("\r\n\r\n") + 4)));
        Await.until(WAIT, () -> server.buffers.pooled() == 1, () -> "pooled " + server.buffers.pooled());
      }
    }
  }
}
