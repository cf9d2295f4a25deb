package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.TransportStats.DiscardReason;
import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.RawServer;
import io.httpdiag.http.testing.TraceRecorder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bytes a server sends while no request is outstanding are not a response (Go's "Unsolicited
 * response received on idle HTTP channel"): the connection is closed, never reused, and the next
 * request goes on a new one.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UnsolicitedResponseTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String UNSOLICITED = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nunsolicited";
  private RawServer server;
  private final Transport transport = Transport.builder().build();
  private final TraceRecorder rec = new TraceRecorder();
  private final Client client = Client.builder().transport(transport).trace(rec).build();

  @AfterEach
  void allConnectionsReleased() throws Exception {
    Await.until(WAIT, () -> transport.stats().inUse() == 0, () -> "connections in use: " + transport.stats());
    transport.close();
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " server connections open");
    }
  }

  @Test
  void bytesArrivingOnAnIdleConnectionAreNotTakenAsTheNextResponse() throws Exception {
    CountDownLatch unsolicitedSent = new CountDownLatch(1);
    server = new RawServer((c, i) -> {
      if (i > 0) {
        answerEveryRequest(c, "second");
        return;
      }
      c.readRequest();
      c.ok("first");
      // Only once the client has put the connection back in its idle pool: nothing is outstanding.
      Await.until(WAIT, () -> transport.stats().idle() == 1, () -> "the first connection idle: " + transport.stats());
      c.write(UNSOLICITED);
      unsolicitedSent.countDown();
      c.awaitClose();
    });
    assertEquals("first", read(client.get(server.url("/1"))));
    assertTrue(unsolicitedSent.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the server sent its extra bytes");

    assertEquals("second", read(client.get(server.url("/2"))));
    assertEquals(2, server.accepted(), "the second request went on a new connection");
    assertEquals(1, transport.stats().discarded(DiscardReason.UNSOLICITED_RESPONSE), transport.stats().toString());
    assertEquals(1, transport.stats().idle());
  }

  @Test
  void bytesFollowingAResponseInTheSameWriteAreNotTakenAsTheNextResponse() throws Exception {
    server = new RawServer((c, i) -> {
      if (i > 0) {
        answerEveryRequest(c, "second");
        return;
      }
      c.readRequest();
      c.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst" + UNSOLICITED);
      c.awaitClose();
    });
    assertEquals("first", read(client.get(server.url("/1"))));

    assertEquals("second", read(client.get(server.url("/2"))));
    assertEquals(2, server.accepted(), "the second request went on a new connection");
    assertEquals(1, transport.stats().discarded("unsolicitedResponse"), transport.stats().toString());
  }

  private static void answerEveryRequest(RawServer.Conn c, String body) throws IOException {
    while (c.readRequest() != null) {
      c.ok(body);
    }
  }

  private static String read(Response r) throws IOException {
    try (r) {
      return new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
