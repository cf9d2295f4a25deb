package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.internal.http2.ByteSink;
import io.httpdiag.http.internal.http2.ErrorCode;
import io.httpdiag.http.internal.http2.Frame;
import io.httpdiag.http.internal.http2.FrameReader;
import io.httpdiag.http.internal.http2.FrameWriter;
import io.httpdiag.http.internal.http2.HeaderField;
import io.httpdiag.http.internal.http2.HpackDecoder;
import io.httpdiag.http.internal.http2.HpackEncoder;
import io.httpdiag.http.testing.Await;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The h2c server at the frame level, with a client written here from the frame layer: streams
 * multiplexed on one connection, every connection error answered with GOAWAY and its code, stream
 * errors with RST_STREAM while the connection goes on, the stream limit (held by handlers still
 * running after a reset), the header list limit, cancellation, graceful shutdown.
 */
class Http2ServerTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private Server server;
  private final List<H2Client> clients = new ArrayList<>();

  private Server start(Server.Builder b) throws IOException {
    server = b.h2c(true).build().start();
    return server;
  }

  private H2Client connect() throws IOException {
    H2Client c = new H2Client(server.port());
    clients.add(c);
    return c;
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

  @Test
  void streamsAreServedConcurrentlyOnOneConnection() throws Exception {
    CountDownLatch allRunning = new CountDownLatch(3);
    start(Server.builder().handler((w, r) -> {
      allRunning.countDown();
      if (!allRunning.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the streams did not run concurrently");
      }
      w.write("path " + r.uri().getPath());
    }));
    H2Client c = connect().handshake();
    c.get(1, "/a");
    c.get(3, "/b");
    c.get(5, "/c");
    Map<Integer, String> responses = c.responses(3);
    assertEquals(Map.of(1, "200 path /a", 3, "200 path /b", 5, "200 path /c"), responses);
    assertEquals(1, server.openConnections());
  }

  @Test
  void pingIsAnsweredWithTheSameOpaqueData() throws Exception {
    start(Server.builder());
    H2Client c = connect().handshake();
    c.w.ping(false, 0x1122334455667788L);
    c.w.flush();
    assertEquals(new Frame.Ping(true, 0x1122334455667788L), c.nextIgnoring(Frame.Settings.class, Frame.WindowUpdate.class));
  }

  static Stream<Arguments> connectionErrors() {
    return Stream.of(
        Arguments.of("DATA on stream 0", ErrorCode.PROTOCOL_ERROR, (Client) c -> c.raw(0, 0, 0, 0, 'x')),
        Arguments.of("HEADERS on an even stream", ErrorCode.PROTOCOL_ERROR, (Client) c -> c.get(2, "/")),
        Arguments.of("a frame over SETTINGS_MAX_FRAME_SIZE", ErrorCode.FRAME_SIZE_ERROR,
            (Client) c -> { c.w.frameHeader(16385, 0, 0, 1); c.w.out().write(new byte[16385]); }),
        Arguments.of("WINDOW_UPDATE of 0 on the connection", ErrorCode.PROTOCOL_ERROR, (Client) c -> c.raw(8, 0, 0, 0, 0, 0, 0)),
        Arguments.of("WINDOW_UPDATE past 2^31-1", ErrorCode.FLOW_CONTROL_ERROR,
            (Client) c -> c.w.windowUpdate(0, Integer.MAX_VALUE)),
        Arguments.of("SETTINGS_INITIAL_WINDOW_SIZE 2^31", ErrorCode.FLOW_CONTROL_ERROR,
            (Client) c -> c.raw(4, 0, 0, 0, 4, 0x80, 0, 0, 0)),
        Arguments.of("SETTINGS_ENABLE_PUSH 2", ErrorCode.PROTOCOL_ERROR, (Client) c -> c.raw(4, 0, 0, 0, 2, 0, 0, 0, 2)),
        Arguments.of("DATA on an idle stream", ErrorCode.PROTOCOL_ERROR, (Client) c -> c.raw(0, 0, 5, 'x')),
        Arguments.of("RST_STREAM on an idle stream", ErrorCode.PROTOCOL_ERROR, (Client) c -> c.raw(3, 0, 7, 0, 0, 0, 8)),
        Arguments.of("a PUSH_PROMISE from a client", ErrorCode.PROTOCOL_ERROR, (Client) c -> c.raw(5, 4, 1, 0, 0, 0, 2, 0x82)),
        Arguments.of("an HPACK index of 0", ErrorCode.COMPRESSION_ERROR, (Client) c -> c.raw(1, 5, 1, 0x80)),
        Arguments.of("a CONTINUATION after END_HEADERS", ErrorCode.PROTOCOL_ERROR, (Client) c -> c.raw(9, 4, 1, 0x82)),
        Arguments.of("a CONTINUATION flood past maxHeaderBytes", ErrorCode.ENHANCE_YOUR_CALM, (Client) c -> {
          c.raw(1, 0, 1, 0x82);
          for (int i = 0; i < 10; i++) {
            c.w.frameHeader(1000, 9, 0, 1);
            c.w.out().write(new byte[1000]);
          }
        }));
  }

  @FunctionalInterface
  interface Client {
    void send(H2Client c) throws IOException;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("connectionErrors")
  void connectionErrorsAreAnsweredWithGoAwayAndTheirCode(String what, ErrorCode code, Client send) throws Exception {
    start(Server.builder().maxHeaderBytes(4096));
    H2Client c = connect().handshake();
    send.send(c);
    c.w.flush();
    Frame.GoAway goAway = c.goAway();
    assertEquals(code.name(), ErrorCode.name(goAway.errorCode()), what);
    c.assertClosed();
  }

  @Test
  void aPrefaceNotFollowedBySettingsIsAProtocolError() throws Exception {
    start(Server.builder());
    H2Client c = connect();
    c.w.writePreface();
    c.w.ping(false, 1);
    c.w.flush();
    assertEquals(ErrorCode.PROTOCOL_ERROR.code, c.goAway().errorCode());
    c.assertClosed();
  }

  @Test
  void reusingAClosedStreamIdIsAConnectionError() throws Exception {
    start(Server.builder().handler((w, r) -> w.write("ok")));
    H2Client c = connect().handshake();
    c.get(3, "/");
    assertEquals(Map.of(3, "200 ok"), c.responses(1));
    c.get(1, "/");
    Frame.GoAway goAway = c.goAway();
    assertEquals(ErrorCode.STREAM_CLOSED.code, goAway.errorCode());
    assertEquals(3, goAway.lastStreamId());
  }

  @Test
  void malformedRequestsAreResetAndTheConnectionGoesOn() throws Exception {
    start(Server.builder().handler((w, r) -> {
      r.body().readAllBytes(); // so that the response cannot end the stream before its DATA arrives
      w.write("ok");
    }));
    H2Client c = connect().handshake();
    c.headers(1, true, List.of(f(":method", "GET"), f(":scheme", "http"), f(":path", "/"), f("X-Upper", "1")));
    assertEquals(new Frame.RstStream(1, ErrorCode.PROTOCOL_ERROR.code), c.nextIgnoring(Frame.Settings.class));
    c.headers(3, true, List.of(f(":method", "GET"), f(":scheme", "http")));
    assertEquals(new Frame.RstStream(3, ErrorCode.PROTOCOL_ERROR.code), c.nextIgnoring(Frame.Settings.class));
    c.headers(5, true, List.of(f(":method", "GET"), f(":scheme", "http"), f(":path", "/"), f("connection", "close")));
    assertEquals(new Frame.RstStream(5, ErrorCode.PROTOCOL_ERROR.code), c.nextIgnoring(Frame.Settings.class));
    c.headers(7, false, List.of(f(":method", "POST"), f(":scheme", "http"), f(":path", "/"), f("content-length", "1")));
    c.w.data(7, true, new byte[2], 0, 2);
    c.w.flush();
    Frame f = c.nextIgnoring(Frame.Settings.class, Frame.Headers.class, Frame.Data.class);
    assertEquals(new Frame.RstStream(7, ErrorCode.PROTOCOL_ERROR.code), f, "DATA longer than content-length");
    c.get(9, "/");
    assertEquals(Map.of(9, "200 ok"), c.responses(1));
  }

  @Test
  void aHeaderListOverMaxHeaderBytesGets431AndTheConnectionGoesOn() throws Exception {
    start(Server.builder().maxHeaderBytes(4096).handler((w, r) -> w.write("ok")));
    H2Client c = connect().handshake();
    HeaderField big = f("x-big", "v".repeat(3000));
    c.headers(1, true, List.of(f(":method", "GET"), f(":scheme", "http"), f(":path", "/"), big));
    assertEquals(Map.of(1, "200 ok"), c.responses(1), "3 KB fits");
    // The same field twice is two one-byte references in the block, 6 KB decoded (an HPACK bomb in small).
    c.headers(3, true, List.of(f(":method", "GET"), f(":scheme", "http"), f(":path", "/"), big, big));
    assertEquals(Map.of(3, "431 request header list too large\n"), c.responses(1));
    c.get(5, "/");
    assertEquals(Map.of(5, "200 ok"), c.responses(1));
  }

  @Test
  void theStreamLimitHoldsUntilHandlersReturnEvenAfterResets() throws Exception {
    // CVE-2023-44487 (rapid reset): a reset stream frees no slot while its handler still runs.
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger running = new AtomicInteger();
    start(Server.builder().handler((w, r) -> {
      running.incrementAndGet();
      try {
        release.await(20, TimeUnit.SECONDS);
      } finally {
        running.decrementAndGet();
      }
      w.write("late");
    }));
    H2Client c = connect().handshake();
    int max = Http2ServerConn.MAX_CONCURRENT_STREAMS;
    for (int i = 0; i < max; i++) {
      c.get(1 + 2 * i, "/");
    }
    Await.until(WAIT, () -> running.get() == max, () -> running.get() + " handlers running");
    for (int i = 0; i < max; i++) {
      c.w.rstStream(1 + 2 * i, ErrorCode.CANCEL);
    }
    c.get(1 + 2 * max, "/");
    assertEquals(new Frame.RstStream(1 + 2 * max, ErrorCode.REFUSED_STREAM.code), c.nextIgnoring(Frame.Settings.class));
    assertEquals(max, running.get());
    release.countDown();
    Await.until(WAIT, () -> running.get() == 0, () -> running.get() + " handlers running");
    Await.until(WAIT, () -> server.requestsServed() == max, () -> server.requestsServed() + " served");
    c.get(3 + 2 * max, "/");
    assertEquals(Map.of(3 + 2 * max, "200 late"), c.responses(1));
  }

  @Test
  void aClientResetCancelsTheRequest() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch canceled = new CountDownLatch(1);
    start(Server.builder().handler((w, r) -> {
      r.onCancel(canceled::countDown);
      started.countDown();
      canceled.await(20, TimeUnit.SECONDS);
    }));
    H2Client c = connect().handshake();
    c.get(1, "/");
    assertTrue(started.await(20, TimeUnit.SECONDS));
    c.w.rstStream(1, ErrorCode.CANCEL);
    c.w.flush();
    assertTrue(canceled.await(20, TimeUnit.SECONDS), "the handler saw the cancellation");
  }

  @Test
  void requestBodiesAreReadWithinTheStreamWindow() throws Exception {
    start(Server.builder().handler((w, r) -> w.write(Integer.toString(r.body().readAllBytes().length))));
    H2Client c = connect().handshake();
    c.headers(1, false, List.of(f(":method", "POST"), f(":scheme", "http"), f(":path", "/")));
    byte[] chunk = new byte[16384];
    int sent = 0;
    int window = 65535;
    while (sent < 300_000) { // past the initial window: the server has to return it as the handler reads
      int n = Math.min(chunk.length, Math.min(window, 300_000 - sent));
      if (n == 0) {
        Frame f = c.nextIgnoring(Frame.Settings.class);
        Frame.WindowUpdate u = assertInstanceOf(Frame.WindowUpdate.class, f);
        if (u.streamId() == 1) {
          window += u.increment();
        }
        continue;
      }
      c.w.data(1, sent + n == 300_000, chunk, 0, n);
      c.w.flush();
      sent += n;
      window -= n;
    }
    assertEquals(Map.of(1, "200 300000"), c.responses(1));
  }

  @Test
  void responseDataWaitsForTheClientsWindow() throws Exception {
    start(Server.builder().handler((w, r) -> w.write("hello")));
    H2Client c = connect().handshake(List.of(new Frame.Setting(Frame.Setting.INITIAL_WINDOW_SIZE, 0)));
    c.get(1, "/");
    Frame.Headers h = assertInstanceOf(Frame.Headers.class, c.nextIgnoring(Frame.Settings.class));
    assertEquals(false, h.endStream());
    c.w.ping(false, 1); // the PING's answer proves no DATA was queued before it
    c.w.flush();
    assertEquals(new Frame.Ping(true, 1), c.nextIgnoring(Frame.Settings.class));
    c.w.windowUpdate(1, 3);
    c.w.flush();
    Frame.Data first = assertInstanceOf(Frame.Data.class, c.nextIgnoring(Frame.Settings.class));
    assertEquals("hel", new String(first.data(), first.offset(), first.length(), StandardCharsets.US_ASCII));
    assertEquals(false, first.endStream());
    c.w.windowUpdate(1, 100);
    c.w.flush();
    Frame.Data rest = assertInstanceOf(Frame.Data.class, c.nextIgnoring(Frame.Settings.class));
    assertEquals("lo", new String(rest.data(), rest.offset(), rest.length(), StandardCharsets.US_ASCII));
    assertEquals(true, rest.endStream());
  }

  @Test
  void theStreamEndsEvenWhenALoweredWindowLeftItNegative() throws Exception {
    // Section 6.9.2: lowering SETTINGS_INITIAL_WINDOW_SIZE can make a stream's window negative;
    // the final empty DATA frame with END_STREAM needs no window and must still go out.
    CountDownLatch lowered = new CountDownLatch(1);
    start(Server.builder().handler((w, r) -> {
      w.write("hel");
      w.flush();
      lowered.await(20, TimeUnit.SECONDS);
    }));
    H2Client c = connect().handshake(List.of(new Frame.Setting(Frame.Setting.INITIAL_WINDOW_SIZE, 3)));
    c.get(1, "/");
    assertInstanceOf(Frame.Headers.class, c.nextIgnoring(Frame.Settings.class));
    Frame.Data first = assertInstanceOf(Frame.Data.class, c.nextIgnoring(Frame.Settings.class));
    assertEquals(3, first.length());
    c.w.settings(List.of(new Frame.Setting(Frame.Setting.INITIAL_WINDOW_SIZE, 0))); // the window is now -3
    c.w.flush();
    assertEquals(new Frame.Settings(true, List.of()), c.r.readFrame());
    lowered.countDown();
    Frame.Data end = assertInstanceOf(Frame.Data.class, c.r.readFrame());
    assertEquals(0, end.length());
    assertTrue(end.endStream());
  }

  @Test
  void shutdownSendsGoAwayAndLetsRunningStreamsFinish() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    start(Server.builder().handler((w, r) -> {
      started.countDown();
      release.await(20, TimeUnit.SECONDS);
      w.write("finished");
    }));
    H2Client c = connect().handshake();
    c.get(1, "/");
    assertTrue(started.await(20, TimeUnit.SECONDS));
    int[] forced = {-1};
    Thread shutdown = new Thread(() -> forced[0] = server.shutdown(Duration.ofSeconds(20)));
    shutdown.start();
    Frame.GoAway goAway = assertInstanceOf(Frame.GoAway.class, c.nextIgnoring(Frame.Settings.class));
    assertEquals(ErrorCode.NO_ERROR.code, goAway.errorCode());
    assertEquals(1, goAway.lastStreamId());
    release.countDown();
    assertEquals(Map.of(1, "200 finished"), c.responses(1));
    c.assertClosed();
    shutdown.join(20_000);
    assertEquals(0, forced[0], "nothing had to be forced");
  }

  @Test
  void readHeaderTimeoutBoundsThePrefaceAndTheFirstSettings() throws Exception {
    start(Server.builder().readHeaderTimeout(Duration.ofMillis(300)));
    H2Client silent = connect();
    silent.assertClosed(); // nothing sent: closed as on HTTP/1.1
    H2Client prefaceOnly = connect();
    prefaceOnly.w.writePreface();
    prefaceOnly.w.flush();
    assertEquals(ErrorCode.NO_ERROR.code, prefaceOnly.goAway().errorCode(), "no SETTINGS within readHeaderTimeout");
    prefaceOnly.assertClosed();
  }

  @Test
  void anIdleConnectionIsClosedAfterIdleTimeout() throws Exception {
    start(Server.builder().idleTimeout(Duration.ofMillis(300)).handler((w, r) -> w.write("ok")));
    H2Client c = connect().handshake();
    c.get(1, "/");
    assertEquals(Map.of(1, "200 ok"), c.responses(1));
    Frame.GoAway goAway = c.goAway();
    assertEquals(ErrorCode.NO_ERROR.code, goAway.errorCode());
    c.assertClosed();
  }

  static HeaderField f(String name, String value) {
    return new HeaderField(name, value);
  }

  /** An HTTP/2 client made of the frame layer, driven step by step by a test. */
  static final class H2Client implements AutoCloseable {
    final Socket socket;
    final FrameWriter w;
    final FrameReader r;
    final HpackEncoder encoder = new HpackEncoder(4096, true);
    final HpackDecoder decoder = new HpackDecoder(4096);

    H2Client(int port) throws IOException {
      this(new Socket("127.0.0.1", port));
    }

    /** Over a connected {@code socket} (e.g. one made with a small receive buffer). */
    H2Client(Socket socket) throws IOException {
      this.socket = socket;
      socket.setSoTimeout(20_000);
      w = new FrameWriter(new BufferedOutputStream(socket.getOutputStream()));
      r = new FrameReader(new BufferedInputStream(socket.getInputStream()), 1 << 20, false);
    }

    /** Preface, empty SETTINGS, the server's SETTINGS acknowledged. */
    H2Client handshake() throws IOException {
      return handshake(List.of());
    }

    H2Client handshake(List<Frame.Setting> settings) throws IOException {
      w.writePreface();
      w.settings(settings);
      w.flush();
      Frame.Settings s = assertInstanceOf(Frame.Settings.class, r.readFrame());
      assertTrue(!s.ack() && s.values().contains(new Frame.Setting(Frame.Setting.MAX_CONCURRENT_STREAMS, 250)), s.toString());
      w.settingsAck();
      w.flush();
      return this;
    }

    void get(int stream, String path) throws IOException {
      headers(stream, true, List.of(f(":method", "GET"), f(":scheme", "http"), f(":path", path), f(":authority", "h")));
    }

    void headers(int stream, boolean endStream, List<HeaderField> fields) throws IOException {
      ByteSink block = new ByteSink(64);
      encoder.encode(fields, block);
      w.headers(stream, endStream, block.array(), 0, block.size());
      w.flush();
    }

    /** A frame from its header fields and payload bytes. */
    void raw(int type, int flags, int stream, int... payload) throws IOException {
      w.frameHeader(payload.length, type, flags, stream);
      for (int b : payload) {
        w.out().write(b);
      }
    }

    @SafeVarargs
    final Frame nextIgnoring(Class<? extends Frame>... ignored) throws IOException {
      next:
      while (true) {
        Frame f = r.readFrame();
        for (Class<? extends Frame> c : ignored) {
          if (c.isInstance(f)) {
            if (f instanceof Frame.Headers) {
              decode((Frame.Headers) f, x -> {});
            }
            continue next;
          }
        }
        return f;
      }
    }

    /** Reads until {@code n} streams have ended: "status body" by stream. */
    Map<Integer, String> responses(int n) throws IOException {
      Map<Integer, StringBuilder> open = new HashMap<>();
      Map<Integer, String> done = new HashMap<>();
      while (done.size() < n) {
        Frame f = r.readFrame();
        if (f instanceof Frame.Headers) {
          Frame.Headers h = (Frame.Headers) f;
          StringBuilder sb = new StringBuilder();
          decode(h, field -> {
            if (field.name().equals(":status")) {
              sb.append(field.value()).append(' ');
            }
          });
          open.put(h.streamId(), sb);
          if (h.endStream()) {
            done.put(h.streamId(), sb.toString());
          }
        } else if (f instanceof Frame.Data) {
          Frame.Data d = (Frame.Data) f;
          open.get(d.streamId()).append(new String(d.data(), d.offset(), d.length(), StandardCharsets.UTF_8));
          if (d.endStream()) {
            done.put(d.streamId(), open.get(d.streamId()).toString());
          }
        } else if (f instanceof Frame.GoAway || f instanceof Frame.RstStream || f == null) {
          throw new AssertionError("unexpected " + f + " with " + done + " done");
        }
      }
      return done;
    }

    Frame.GoAway goAway() throws IOException {
      while (true) {
        Frame f = r.readFrame();
        if (f == null) {
          throw new AssertionError("connection closed without GOAWAY");
        }
        if (f instanceof Frame.GoAway) {
          return (Frame.GoAway) f;
        }
      }
    }

    /** The server closes after its GOAWAY: the next read ends (or the connection was reset). */
    void assertClosed() throws IOException {
      try {
        Frame f;
        while ((f = r.readFrame()) != null) {
          assertTrue(f instanceof Frame.Settings || f instanceof Frame.WindowUpdate || f instanceof Frame.Ping
              || f instanceof Frame.Data || f instanceof Frame.Headers || f instanceof Frame.RstStream,
              "after GOAWAY: " + f);
        }
      } catch (SocketException reset) {
        // closed with unread input: a reset is a close too
      }
    }

    private void decode(Frame.Headers h, Consumer<HeaderField> sink) throws IOException {
      decoder.decode(h.fieldBlock(), 0, h.fieldBlock().length, Integer.MAX_VALUE,
          (n, v, s) -> sink.accept(new HeaderField(n, v, s)));
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
