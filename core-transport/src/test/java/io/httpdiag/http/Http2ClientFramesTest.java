package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.internal.http2.ByteSink;
import io.httpdiag.http.internal.http2.ErrorCode;
import io.httpdiag.http.internal.http2.Frame;
import io.httpdiag.http.internal.http2.FrameReader;
import io.httpdiag.http.internal.http2.FrameWriter;
import io.httpdiag.http.internal.http2.HeaderField;
import io.httpdiag.http.internal.http2.HpackDecoder;
import io.httpdiag.http.internal.http2.HpackEncoder;
import io.httpdiag.http.internal.http2.Http2;
import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.TraceRecorder;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/2 client against a frame-level h2c peer scripted here (the frame codec of
 * core-transport, used as a server): GOAWAY with streams above the last id retried on a new
 * connection and those below failing, REFUSED_STREAM retried, the PING health check on a peer that
 * went silent, SETTINGS_MAX_CONCURRENT_STREAMS making the pool dial a second connection.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Http2ClientFramesTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private Peer peer;
  private Transport transport;
  private final ExecutorService callers = Executors.newCachedThreadPool();

  @AfterEach
  void cleanUp() throws Exception {
    callers.shutdownNow();
    if (transport != null) {
      Await.until(WAIT, () -> transport.stats().activeStreams() == 0, () -> "streams held: " + transport.stats());
      transport.close();
    }
    if (peer != null) {
      peer.close();
    }
  }

  private Client client(Transport.Builder b) {
    transport = b.h2c(true).build();
    return Client.builder().transport(transport).build();
  }

  private static String text(Response r) throws IOException {
    try (r) {
      return new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void streamsAboveGoAwaysLastStreamIdAreRetriedOnANewConnection() throws Exception {
    peer = new Peer((conn, index) -> {
      conn.settings();
      if (index == 0) {
        List<Integer> streams = conn.awaitHeaders(2);
        int first = Collections.min(streams);
        conn.respond(first, "one");
        conn.goAway(first, ErrorCode.NO_ERROR);
        conn.drainUntilClosed();
      } else {
        conn.serveForever("two");
      }
    });
    Client c = client(Transport.builder());
    TraceRecorder rec = new TraceRecorder();
    Future<String> a = callers.submit(() -> text(c.send(Request.builder("GET", peer.url("/a")).trace(rec).build())));
    Future<String> b = callers.submit(() -> text(c.send(Request.builder("GET", peer.url("/b")).trace(rec).build())));
    List<String> got = new ArrayList<>(List.of(a.get(20, TimeUnit.SECONDS), b.get(20, TimeUnit.SECONDS)));
    Collections.sort(got);
    assertEquals(List.of("one", "two"), got);
    assertEquals(2, peer.connections.get());
    assertEquals(2, transport.stats().dials(), transport.stats().toString());
    assertTrue(rec.names().contains("exchangeFailed"), rec.details().toString()); // the attempt on the old connection
    // The GOAWAY'd connection took no new stream and closed with its last stream.
    Await.until(WAIT, () -> transport.stats().h2Conns() == 1, () -> transport.stats().toString());
    assertEquals("two", text(c.get(peer.url("/c"))));
    assertEquals(2, peer.connections.get());
  }

  @Test
  void aStreamAtOrBelowGoAwaysLastStreamIdFailsWhenTheConnectionCloses() throws Exception {
    peer = new Peer((conn, index) -> {
      conn.settings();
      List<Integer> streams = conn.awaitHeaders(1);
      conn.goAway(streams.get(0), ErrorCode.NO_ERROR); // "I took it", then the connection dies
      conn.close();
    });
    Client c = client(Transport.builder());
    IOException e = assertThrows(IOException.class, () -> c.get(peer.url("/processed")));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertEquals(1, peer.connections.get()); // not retried: the server may have acted on it
  }

  @Test
  void aRefusedStreamIsRetried() throws Exception {
    peer = new Peer((conn, index) -> {
      conn.settings();
      List<Integer> first = conn.awaitHeaders(1);
      conn.writer.rstStream(first.get(0), ErrorCode.REFUSED_STREAM);
      conn.writer.flush();
      conn.serveForever("second try");
    });
    Client c = client(Transport.builder());
    TraceRecorder rec = new TraceRecorder();
    assertEquals("second try", text(c.send(Request.builder("GET", peer.url("/")).trace(rec).build())));
    assertTrue(rec.details().contains("streamReset REFUSED_STREAM received"), rec.details().toString());
    assertEquals(1, peer.connections.get()); // the connection itself was fine
  }

  @Test
  void aSilentPeerFailsThePingHealthCheckAndTheConnectionCloses() throws Exception {
    peer = new Peer((conn, index) -> conn.drainUntilClosed()); // never writes a byte
    Client c = client(Transport.builder().readIdleTimeout(Duration.ofMillis(200)).pingTimeout(Duration.ofMillis(300)));
    long start = System.nanoTime();
    IOException e = assertThrows(IOException.class, () -> c.get(peer.url("/")));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(e.getMessage().contains("pingTimeout"), e.getMessage());
    assertTrue(tookMillis < 10_000, "took " + tookMillis + " ms");
    assertTrue(peer.framesSeen.contains("PING"), peer.framesSeen.toString());
    Await.until(WAIT, () -> transport.stats().h2Conns() == 0, () -> transport.stats().toString());
  }

  @Test
  void streamsPastTheServersMaxConcurrentStreamsGoToASecondConnection() throws Exception {
    peer = new Peer((conn, index) -> {
      conn.settings(new Frame.Setting(Frame.Setting.MAX_CONCURRENT_STREAMS, 1));
      if (index == 0) {
        conn.respond(conn.awaitHeaders(1).get(0), "warm-up"); // after it, the client knows the limit
      }
      List<Integer> held = conn.awaitHeaders(1);
      peer.held.countDown();
      peer.held.await(20, TimeUnit.SECONDS); // both connections hold one stream each
      conn.respond(held.get(0), "conn " + index);
      conn.drainUntilClosed();
    });
    Client c = client(Transport.builder());
    assertEquals("warm-up", text(c.get(peer.url("/"))));
    Future<String> a = callers.submit(() -> text(c.get(peer.url("/a"))));
    Future<String> b = callers.submit(() -> text(c.get(peer.url("/b"))));
    List<String> got = new ArrayList<>(List.of(a.get(20, TimeUnit.SECONDS), b.get(20, TimeUnit.SECONDS)));
    Collections.sort(got);
    assertEquals(List.of("conn 0", "conn 1"), got);
    assertEquals(2, transport.stats().dials(), transport.stats().toString());
  }

  /** What a scripted connection does; {@code index} counts the peer's connections from 0. */
  interface Script {
    void run(PeerConn conn, int index) throws Exception;
  }

  /** A loopback h2c listener running {@link Script} on each accepted connection. */
  static final class Peer implements AutoCloseable {
    final ServerSocket listener;
    final AtomicInteger connections = new AtomicInteger();
    final List<String> framesSeen = new CopyOnWriteArrayList<>();
    final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(2);
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    Peer(Script script) throws IOException {
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(() -> {
        try {
          while (true) {
            Socket s = listener.accept();
            sockets.add(s);
            int index = connections.getAndIncrement();
            Thread ct = new Thread(() -> {
              try (PeerConn conn = new PeerConn(s, framesSeen)) {
                conn.readPreface();
                script.run(conn, index);
              } catch (Exception e) {
                // the client went away, or the script ended it
              }
            }, "h2-peer-conn-" + index);
            ct.setDaemon(true);
            ct.start();
          }
        } catch (IOException closed) {
          // listener closed
        }
      }, "h2-peer-accept");
      t.setDaemon(true);
      t.start();
    }

    String url(String path) {
      return "http://127.0.0.1:" + listener.getLocalPort() + path;
    }

    @Override
    public void close() throws IOException {
      listener.close();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  /** One peer connection: reads the client's frames, writes scripted ones. */
  static final class PeerConn implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final FrameReader reader;
    final FrameWriter writer;
    final HpackDecoder decoder = new HpackDecoder(Http2.DEFAULT_HEADER_TABLE_SIZE);
    final HpackEncoder encoder = new HpackEncoder(Http2.DEFAULT_HEADER_TABLE_SIZE, true);
    final List<String> framesSeen;

    PeerConn(Socket s, List<String> framesSeen) throws IOException {
      this.socket = s;
      this.in = new BufferedInputStream(s.getInputStream());
      this.reader = new FrameReader(in, 1 << 20, false);
      this.writer = new FrameWriter(new BufferedOutputStream(s.getOutputStream()));
      this.framesSeen = framesSeen;
    }

    void readPreface() throws IOException {
      byte[] preface = in.readNBytes(Http2.CLIENT_PREFACE.length);
      if (!java.util.Arrays.equals(preface, Http2.CLIENT_PREFACE)) {
        throw new IOException("no preface");
      }
    }

    void settings(Frame.Setting... values) throws IOException {
      writer.settings(List.of(values));
      writer.flush();
    }

    /** Reads frames (acknowledging SETTINGS) until {@code n} request HEADERS arrived; returns their streams. */
    List<Integer> awaitHeaders(int n) throws IOException {
      List<Integer> streams = new ArrayList<>();
      while (streams.size() < n) {
        Frame f = next();
        if (f == null) {
          throw new IOException("client closed");
        }
        if (f instanceof Frame.Headers) {
          Frame.Headers h = (Frame.Headers) f;
          decoder.decode(h.fieldBlock(), 0, h.fieldBlock().length, 1 << 20, (name, value, sensitive) -> { });
          streams.add(h.streamId());
        }
      }
      return streams;
    }

    void respond(int streamId, String body) throws IOException {
      ByteSink block = new ByteSink(64);
      encoder.encode(List.of(new HeaderField(":status", "200")), block);
      writer.headers(streamId, false, block.array(), 0, block.size());
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      writer.data(streamId, true, b, 0, b.length);
      writer.flush();
    }

    void goAway(int lastStreamId, ErrorCode code) throws IOException {
      writer.goAway(lastStreamId, code, new byte[0]);
      writer.flush();
    }

    /** Answers every request with {@code body} until the client closes. */
    void serveForever(String body) throws IOException {
      while (true) {
        respond(awaitHeaders(1).get(0), body);
      }
    }

    void drainUntilClosed() throws IOException {
      while (next() != null) {
        // reading only
      }
    }

    private Frame next() throws IOException {
      Frame f = reader.readFrame();
      if (f != null) {
        framesSeen.add(f.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT));
        if (f instanceof Frame.Settings && !((Frame.Settings) f).ack()) {
          writer.settingsAck();
          writer.flush();
        }
      }
      return f;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
