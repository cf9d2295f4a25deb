package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A failing accept (EMFILE and the like) is retried after a pause, as Go's {@code Server.Serve}
 * does, instead of spinning a core and flooding the log. The listening socket is real; only its
 * accept call is replaced, through the serve loop's seam, by one that always fails.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AcceptBackoffTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final Server server = Server.builder().build();
  private final List<Long> attempts = new CopyOnWriteArrayList<>(); // System.nanoTime() of each accept call
  private Thread serving;

  @AfterEach
  void stop() throws Exception {
    if (serving == null) {
      return;
    }
    server.close();
    assertTrue(server.awaitStopped(WAIT), "accept loop still running");
  }

  @Test
  void backoffStartsAt5msDoublesTo1sAndResetsAfterASuccess() {
    Server.AcceptBackoff b = new Server.AcceptBackoff();
    long[] delays = new long[10];
    for (int i = 0; i < delays.length; i++) {
      delays[i] = b.next();
    }
    assertEquals(List.of(5L, 10L, 20L, 40L, 80L, 160L, 320L, 640L, 1000L, 1000L), asList(delays));
    b.reset();
    assertEquals(5, b.next());
  }

  @Test
  void aFailingAcceptIsRetriedWithGrowingPausesNotInATightLoop() throws Exception {
    startServingWithFailingAccept();
    Await.until(WAIT, () -> attempts.size() >= 8, () -> "8 accept attempts, saw " + attempts.size());
    // From the second attempt (the first failure's log line pays for the logger's start-up) to the
    // eighth: six pauses, 10 + 20 + 40 + 80 + 160 + 320 ms at least (a timed wait never ends early).
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(attempts.get(7) - attempts.get(1));
    assertTrue(elapsedMillis >= 630, "failing accepts 2 to 8 took only " + elapsedMillis + " ms");
  }

  @Test
  void closeEndsTheAcceptLoopDuringAPause() throws Exception {
    startServingWithFailingAccept();
    // Attempt 9 is followed by a 1 s pause; closing must not wait for it to end.
    Await.until(WAIT, () -> attempts.size() >= 9, () -> "9 accept attempts, saw " + attempts.size());
    long start = System.nanoTime();
    server.close();
    assertTrue(server.awaitStopped(WAIT), "accept loop still running");
    long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(stopMillis < 900, "the accept loop took " + stopMillis + " ms to stop: it finished its pause first");
  }

  private void startServingWithFailingAccept() throws IOException {
    ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    serving = new Thread(() -> {
      try {
        server.serve(socket, () -> {
          attempts.add(System.nanoTime());
          throw new IOException("simulated accept failure (too many open files)");
        });
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }, "accept-backoff-test");
    serving.setDaemon(true);
    serving.start();
  }

  private static List<Long> asList(long[] values) {
    List<Long> l = new java.util.ArrayList<>();
    for (long v : values) {
      l.add(v);
    }
    return l;
  }
}
