package io.httpdiag.http;

import static io.httpdiag.http.Http2ServerTest.f;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.Http2ServerTest.H2Client;
import io.httpdiag.http.internal.http2.ErrorCode;
import io.httpdiag.http.internal.http2.Frame;
import io.httpdiag.http.internal.http2.HeaderField;
import io.httpdiag.http.testing.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Floods on one connection while a second, well-behaved client is served within a deadline on
 * another: rapid reset, PING and SETTINGS floods from a client that never reads our replies,
 * empty DATA frames, WINDOW_UPDATEs, CONTINUATION, HPACK bombs. Also the per-stream timeouts:
 * readHeaderTimeout for a field block left open, writeTimeout for a stream whose window never
 * opens, idleTimeout only while no stream runs.
 */
class Http2FloodTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** How long the well-behaved client may wait for each response during a flood. */
  private static final int SERVED_WITHIN_MILLIS = 5_000;
  private final List<H2Client> clients = new ArrayList<>();
  private final List<String> closeReasons = new ArrayList<>();
  private final List<String> goAwaysSent = new ArrayList<>();
  private Server server;

  private void start(Server.Builder b) throws IOException {
    server = b.h2c(true).trace(new ServerTrace() {
      @Override
      public void connClosed(long connectionId, String reason) {
        synchronized (closeReasons) {
          closeReasons.add(reason);
        }
      }

      @Override
      public void goAway(long connectionId, int lastStreamId, String errorCode, boolean sent) {
        if (sent) {
          synchronized (goAwaysSent) {
            goAwaysSent.add(errorCode);
          }
        }
      }
    }).build().start();
  }

  private static Handler okOrWaitForCancel() {
    return (w, r) -> {
      if (r.uri().getPath().equals("/wait")) {
        CountDownLatch canceled = new CountDownLatch(1);
        r.onCancel(canceled::countDown);
        canceled.await(20, TimeUnit.SECONDS);
        return;
      }
      if (r.method().equals("POST")) {
        r.body().readAllBytes();
      }
      w.write("ok");
    };
  }

  private H2Client connect() throws IOException {
    H2Client c = new H2Client(server.port());
    clients.add(c);
    return c.handshake();
  }

  @AfterEach
  void noLeakedConnections() {
    for (H2Client c : clients) {
      c.close();
    }
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " connections open");
    }
  }

  /**
   * Runs {@code flood} on its own thread and, until it ends (at least three times), has a
   * well-behaved client on another connection get a response within the deadline.
   */
  private void whileOthersAreServed(Flood flood) throws Exception {
    H2Client good = connect();
    good.socket.setSoTimeout(SERVED_WITHIN_MILLIS);
    AtomicReference<Throwable> floodFailure = new AtomicReference<>();
    CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
      try {
        flood.run();
      } catch (Throwable t) {
        floodFailure.set(t);
      }
    }, r -> new Thread(r, "flood").start());
    int stream = 1;
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (int served = 0; served < 3 || !done.isDone(); served++) {
      long start = System.nanoTime();
      good.get(stream, "/");
      assertEquals(Map.of(stream, "200 ok"), good.responses(1), "the well-behaved client during the flood");
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(millis < SERVED_WITHIN_MILLIS, "served in " + millis + " ms");
      stream += 2;
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the flood did not end within " + WAIT + " (" + served + " responses served meanwhile)");
      }
    }
    done.get(30, TimeUnit.SECONDS);
    if (floodFailure.get() != null) {
      throw new AssertionError("flood", floodFailure.get());
    }
  }

  @FunctionalInterface
  interface Flood {
    void run() throws Exception;
  }

  @Test
  void rapidResetEndsWithEnhanceYourCalm() throws Exception {
    start(Server.builder().handler(okOrWaitForCancel()));
    H2Client attacker = connect();
    whileOthersAreServed(() -> {
      int id = 1;
      try {
        for (int i = 0; i < 5 * Http2ServerConn.MAX_RESETS_PER_WINDOW; i++, id += 2) {
          attacker.get(id, "/wait");
          attacker.w.rstStream(id, ErrorCode.CANCEL);
          attacker.w.flush();
        }
      } catch (IOException closedByTheServer) {
        // expected once the budget is spent
      }
      String read;
      try {
        read = ErrorCode.name(attacker.goAway().errorCode());
      } catch (java.net.SocketException reset) {
        // The server closed with the flood still unread, so the kernel sent an RST, and an RST can
        // destroy the GOAWAY still in our receive buffer: then the server's trace is the witness.
        read = null;
      }
      Await.until(WAIT, () -> goAwaysSent().contains(ErrorCode.ENHANCE_YOUR_CALM.name()), () -> goAwaysSent().toString());
      if (read != null) {
        assertEquals(ErrorCode.ENHANCE_YOUR_CALM.name(), read);
      }
    });
  }

  @Test
  void aPingFloodFromAClientThatNeverReadsIsClosed() throws Exception {
    start(Server.builder().handler(okOrWaitForCancel()));
    H2Client attacker = nonReading();
    whileOthersAreServed(() -> flood(attacker, () -> attacker.w.ping(false, 42)));
    Await.until(WAIT, () -> reasons().contains("protocolError"), () -> reasons().toString());
  }

  @Test
  void aSettingsFloodFromAClientThatNeverReadsIsClosed() throws Exception {
    start(Server.builder().handler(okOrWaitForCancel()));
    H2Client attacker = nonReading();
    whileOthersAreServed(() -> flood(attacker, () -> attacker.w.settings(List.of())));
    Await.until(WAIT, () -> reasons().contains("protocolError"), () -> reasons().toString());
  }

  @Test
  void emptyDataFramesInARowEndWithEnhanceYourCalm() throws Exception {
    start(Server.builder().handler(okOrWaitForCancel()));
    H2Client attacker = connect();
    whileOthersAreServed(() -> {
      attacker.headers(1, false, List.of(f(":method", "POST"), f(":scheme", "http"), f(":path", "/")));
      try {
        for (int i = 0; i < 10 * Http2ServerConn.MAX_EMPTY_DATA_FRAMES; i++) {
          attacker.w.data(1, false, new byte[0], 0, 0);
        }
        attacker.w.flush();
      } catch (IOException closedByTheServer) {
        // expected
      }
      assertEquals(ErrorCode.ENHANCE_YOUR_CALM.name(), ErrorCode.name(attacker.goAway().errorCode()));
    });
  }

  @Test
  void aWindowUpdateFloodCostsOthersNothingAndTheConnectionGoesOn() throws Exception {
    start(Server.builder().handler(okOrWaitForCancel()));
    H2Client flooder = connect();
    whileOthersAreServed(() -> {
      for (int i = 0; i < 100_000; i++) {
        flooder.w.windowUpdate(0, 1);
      }
      flooder.w.flush();
    });
    flooder.w.ping(false, 7);
    flooder.w.flush();
    assertEquals(new Frame.Ping(true, 7), flooder.nextIgnoring(Frame.Settings.class, Frame.WindowUpdate.class));
  }

  @Test
  void aContinuationFloodEndsWithEnhanceYourCalm() throws Exception {
    start(Server.builder().maxHeaderBytes(16 << 10).handler(okOrWaitForCancel()));
    H2Client attacker = connect();
    whileOthersAreServed(() -> {
      attacker.raw(1, 0, 1, 0x82); // HEADERS without END_HEADERS
      try {
        for (int i = 0; i < 1_000; i++) {
          attacker.w.frameHeader(1000, 9, 0, 1);
          attacker.w.out().write(new byte[1000]);
        }
        attacker.w.flush();
      } catch (IOException closedByTheServer) {
        // expected
      }
      assertEquals(ErrorCode.ENHANCE_YOUR_CALM.name(), ErrorCode.name(attacker.goAway().errorCode()));
    });
  }

  @Test
  void hpackBombsGet431AndTheConnectionGoesOn() throws Exception {
    start(Server.builder().maxHeaderBytes(8 << 10).handler(okOrWaitForCancel()));
    H2Client attacker = connect();
    whileOthersAreServed(() -> {
      // One 4 KB field in the dynamic table, then blocks of one-byte references to it: 400 KB decoded each.
      HeaderField big = f("x-big", "v".repeat(4000));
      List<HeaderField> bomb = new ArrayList<>(List.of(f(":method", "GET"), f(":scheme", "http"), f(":path", "/")));
      for (int i = 0; i < 100; i++) {
        bomb.add(big);
      }
      for (int i = 0, id = 1; i < 20; i++, id += 2) {
        attacker.headers(id, true, bomb);
        assertEquals(Map.of(id, "431 request header list too large\n"), attacker.responses(1));
      }
    });
  }

  @Test
  void aFieldBlockLeftOpenEndsTheConnectionAfterReadHeaderTimeout() throws Exception {
    start(Server.builder().readHeaderTimeout(Duration.ofMillis(1000)).handler(okOrWaitForCancel()));
    H2Client c = connect();
    c.get(1, "/");
    assertEquals(Map.of(1, "200 ok"), c.responses(1), "a stream's headers in time");
    long start = System.nanoTime();
    c.raw(1, 0, 3, 0x82); // HEADERS without END_HEADERS; the CONTINUATION never comes
    c.w.flush();
    assertEquals(ErrorCode.NO_ERROR.code, c.goAway().errorCode());
    c.assertClosed();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(millis >= 900 && millis < 15_000, "closed after " + millis + " ms");
    Await.until(WAIT, () -> reasons().contains("readHeaderTimeout"), () -> reasons().toString());
  }

  @Test
  void writeTimeoutResetsAStreamWhoseWindowNeverOpensAndItsHandlersWriteFails() throws Exception {
    AtomicReference<Throwable> writeFailure = new AtomicReference<>();
    CountDownLatch handlerDone = new CountDownLatch(1);
    start(Server.builder().writeTimeout(Duration.ofMillis(300)).handler((w, r) -> {
      try {
        w.write("hello");
        w.flush(); // waits for the window, which the client never opens
      } catch (IOException e) {
        writeFailure.set(e);
      } finally {
        handlerDone.countDown();
      }
    }));
    H2Client c = new H2Client(server.port());
    clients.add(c);
    c.handshake(List.of(new Frame.Setting(Frame.Setting.INITIAL_WINDOW_SIZE, 0)));
    c.get(1, "/");
    assertInstanceOf(Frame.Headers.class, c.nextIgnoring(Frame.Settings.class));
    assertEquals(new Frame.RstStream(1, ErrorCode.INTERNAL_ERROR.code), c.nextIgnoring(Frame.Settings.class));
    assertTrue(handlerDone.await(20, TimeUnit.SECONDS));
    assertTrue(String.valueOf(writeFailure.get()).contains("writeTimeout"), String.valueOf(writeFailure.get()));
    c.w.ping(false, 9); // the connection goes on
    c.w.flush();
    assertEquals(new Frame.Ping(true, 9), c.nextIgnoring(Frame.Settings.class));
  }

  @Test
  void idleTimeoutWaitsForRunningStreams() throws Exception {
    start(Server.builder().idleTimeout(Duration.ofMillis(200)).handler((w, r) -> {
      Thread.sleep(800); // the handler's work, longer than idleTimeout: not idleness
      w.write("late");
    }));
    H2Client c = connect();
    c.get(1, "/");
    assertEquals(Map.of(1, "200 late"), c.responses(1));
    assertEquals(ErrorCode.NO_ERROR.code, c.goAway().errorCode(), "idle once the stream is done");
  }

  /** A client whose receive buffer is small and who never reads: our replies back up. */
  private H2Client nonReading() throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress("127.0.0.1", server.port()));
    H2Client c = new H2Client(s);
    clients.add(c);
    c.w.writePreface();
    c.w.settings(List.of());
    c.w.flush();
    return c;
  }

  /** Sends {@code frame} until the server closes the connection (a write fails). */
  private static void flood(H2Client c, Frame0 frame) throws IOException {
    try {
      for (int i = 0; i < 5_000_000; i++) {
        frame.write();
        if (i % 1000 == 0) {
          c.w.flush();
        }
      }
    } catch (IOException closedByTheServer) {
      return;
    }
    throw new AssertionError("the server never closed the flooding connection");
  }

  @FunctionalInterface
  interface Frame0 {
    void write() throws IOException;
  }

  private List<String> goAwaysSent() {
    synchronized (goAwaysSent) {
      return List.copyOf(goAwaysSent);
    }
  }

  private List<String> reasons() {
    synchronized (closeReasons) {
      return List.copyOf(closeReasons);
    }
  }
}
