package io.httpdiag.http;

import static io.httpdiag.http.internal.http2.ErrorCode.FLOW_CONTROL_ERROR;
import static io.httpdiag.http.internal.http2.ErrorCode.PROTOCOL_ERROR;
import static io.httpdiag.http.internal.http2.Http2Exception.connectionError;

import io.httpdiag.http.internal.Threads;
import io.httpdiag.http.internal.Trace;
import io.httpdiag.http.internal.http2.ByteSink;
import io.httpdiag.http.internal.http2.ErrorCode;
import io.httpdiag.http.internal.http2.Frame;
import io.httpdiag.http.internal.http2.FrameReader;
import io.httpdiag.http.internal.http2.FrameWriter;
import io.httpdiag.http.internal.http2.HeaderField;
import io.httpdiag.http.internal.http2.HpackDecoder;
import io.httpdiag.http.internal.http2.HpackEncoder;
import io.httpdiag.http.internal.http2.Http2;
import io.httpdiag.http.internal.http2.Http2Exception;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One HTTP/2 client connection (RFC 9113), Go's {@code http2.ClientConn}: many exchanges, one
 * stream each, multiplexed on one socket. A reading thread of its own (virtual on JDK 21+) reads
 * every frame and hands response headers and DATA to the {@link Http2ClientStream}s; the exchanges'
 * threads write their HEADERS and DATA themselves.
 *
 * <p>Two locks, always taken in this order: {@link #writeLock} serializes frames on the wire (and
 * the HPACK encoder, and stream id allocation, which must follow wire order); {@link #lock} guards
 * the stream table, the flow-control windows and every stream's buffered body, and is never held
 * while writing. The reading thread writes control frames (SETTINGS ACK, PING ACK, WINDOW_UPDATE)
 * under the write lock like any writer, as Go's read loop does.
 *
 * <p>Flow control: we announce a 1 MiB stream window and a 16 MiB connection window (Go: 4 MiB and
 * 1 GiB); a stream never buffers more than its window, and both windows are given back as the
 * caller consumes the body, so an unread body holds its window (the cost of a leak on HTTP/2).
 *
 * <p>Which streams the pool may open here is the pool's business ({@code ConnPool}, under its
 * lock: {@link #reservedStreams}); this class only refuses new streams after GOAWAY or close.
 */
final class Http2ClientConn {
  /** Our SETTINGS_INITIAL_WINDOW_SIZE: the most a stream buffers unread. */
  static final int STREAM_WINDOW = 1 << 20;
  /** The connection receive window after our first WINDOW_UPDATE. */
  static final int CONN_WINDOW = 16 << 20;
  /** Streams assumed allowed until the server's SETTINGS say otherwise (Go's initialMaxConcurrentStreams). */
  static final int INITIAL_MAX_CONCURRENT_STREAMS = 100;
  private static final System.Logger LOG = System.getLogger(Transport.class.getName());

  final long id;
  final String key;
  final String address;
  final long createdNanos;
  final Transport t;
  private final Socket socket;
  private final FrameReader reader;
  private final HpackDecoder decoder; // reading thread only

  final ReentrantLock writeLock = new ReentrantLock();
  private final FrameWriter writer; // guarded by writeLock
  private final HpackEncoder encoder; // guarded by writeLock
  private final ByteSink block = new ByteSink(256); // guarded by writeLock
  private int nextStreamId = 1; // guarded by writeLock

  final ReentrantLock lock = new ReentrantLock();
  private final Map<Integer, Http2ClientStream> streams = new HashMap<>(); // guarded by lock
  private int connSendWindow = Http2.DEFAULT_INITIAL_WINDOW_SIZE; // guarded by lock
  private int peerInitialWindow = Http2.DEFAULT_INITIAL_WINDOW_SIZE; // guarded by lock
  private int connRecvWindow = CONN_WINDOW; // guarded by lock: what the server may still send
  private int connRecvConsumed; // guarded by lock: consumed, not yet given back
  private int goAwayLastStreamId = Integer.MAX_VALUE; // guarded by lock
  private String closedReason; // guarded by lock; non-null once the connection is gone

  volatile int peerMaxConcurrentStreams = INITIAL_MAX_CONCURRENT_STREAMS;
  private volatile boolean goAway; // received or sent: no new streams
  private volatile long lastFrameNanos = System.nanoTime();
  private volatile long pingOutstanding; // opaque of the health-check PING awaiting its ACK; 0 for none

  // Pool bookkeeping, guarded by the pool's lock.
  int reservedStreams; // exchanges holding a stream slot here (opened or about to open)
  int requests; // exchanges served, including current ones
  long idleSinceNanos;

  Http2ClientConn(Transport t, PersistConn pc) throws IOException {
    this.t = t;
    this.id = pc.id;
    this.key = pc.key;
    this.address = pc.address;
    this.createdNanos = pc.createdNanos;
    this.socket = pc.socket;
    this.reader = new FrameReader(new BufferedInputStream(socket.getInputStream(), 16 * 1024),
        t.maxResponseHeaderBytes, false);
    this.decoder = new HpackDecoder(Http2.DEFAULT_HEADER_TABLE_SIZE);
    this.writer = new FrameWriter(new BufferedOutputStream(socket.getOutputStream(), 16 * 1024 + 9));
    this.encoder = new HpackEncoder(Http2.DEFAULT_HEADER_TABLE_SIZE, true);
    writeLock.lock();
    try {
      // Section 3.4: preface, then our SETTINGS; we need not wait for the server's (Go does not).
      writer.writePreface();
      writer.settings(List.of(new Frame.Setting(Frame.Setting.ENABLE_PUSH, 0),
          new Frame.Setting(Frame.Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW),
          new Frame.Setting(Frame.Setting.MAX_HEADER_LIST_SIZE, t.maxResponseHeaderBytes)));
      writer.windowUpdate(0, CONN_WINDOW - Http2.DEFAULT_INITIAL_WINDOW_SIZE);
      writer.flush();
    } finally {
      writeLock.unlock();
    }
    Threads.start("httpdiag-h2-client-" + id, this::readLoop);
    if (t.readIdleTimeout > 0) {
      scheduleHealthCheck(t.readIdleTimeout);
    }
  }

  /** Whether a new stream may still be opened here (no GOAWAY, not closed). */
  boolean canTakeNewRequest() {
    return !goAway && !socket.isClosed();
  }

  /** Whether the socket is still open. */
  boolean isOpen() {
    return !socket.isClosed();
  }

  /** Closes the socket; the reading thread fails the open streams. Idempotent, any thread. */
  void close(String reason) {
    lock.lock();
    try {
      if (closedReason == null) {
        closedReason = reason;
      }
    } finally {
      lock.unlock();
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // closed either way
    }
  }

  @Override
  public String toString() {
    return "h2conn#" + id + " " + address;
  }

  // ------------------------------------------------------------------ for streams

  /**
   * Allocates the stream's id, registers it and writes its HEADERS; returns the streams open on
   * the connection, this one included. Throws {@link Http2ClientStream.NotProcessed} when the
   * connection no longer takes streams: nothing was sent, the request may go elsewhere.
   */
  int openStream(Http2ClientStream s, List<HeaderField> fields, boolean endStream) throws IOException {
    writeLock.lock();
    try {
      int active;
      lock.lock();
      try {
        if (goAway || closedReason != null) {
          throw new Http2ClientStream.NotProcessed("http2: " + this + " is "
              + (closedReason != null ? "closed (" + closedReason + ")" : "going away (GOAWAY)"));
        }
        s.id = nextStreamId;
        nextStreamId += 2;
        s.sendWindow = peerInitialWindow;
        streams.put(s.id, s);
        active = streams.size();
        if (nextStreamId < 0) {
          goAway = true; // ids exhausted (2^31): this connection takes no more streams
        }
      } finally {
        lock.unlock();
      }
      block.reset();
      encoder.encode(fields, block);
      writer.headers(s.id, endStream, block.array(), 0, block.size());
      writer.flush();
      return active;
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Sends {@code b[off, off+len)} as DATA within both send windows, waiting while either is shut;
   * {@code endStream} ends the request (an empty final frame when {@code len} is 0).
   */
  void writeData(Http2ClientStream s, byte[] b, int off, int len, boolean endStream) throws IOException {
    do {
      int n;
      lock.lock();
      try {
        while (true) {
          s.checkWritable();
          int avail = Math.max(0, Math.min(Math.min(connSendWindow, s.sendWindow), writer.maxFrameSize()));
          n = Math.min(len, avail);
          if (n > 0 || len == 0) {
            break;
          }
          s.awaitChange("writing the request body");
        }
        connSendWindow -= n;
        s.sendWindow -= n;
      } finally {
        lock.unlock();
      }
      boolean last = endStream && n == len;
      writeLock.lock();
      try {
        writer.data(s.id, last, b, off, n);
        if (last || n == len) {
          writer.flush();
        }
      } finally {
        writeLock.unlock();
      }
      off += n;
      len -= n;
    } while (len > 0);
  }

  /** Sends RST_STREAM and forgets the stream; frames still in flight for it are dropped. */
  void resetStream(Http2ClientStream s, ErrorCode code) {
    int unread;
    lock.lock();
    try {
      if (streams.get(s.id) == s) {
        streams.remove(s.id);
      }
      unread = s.discardBuffered();
      s.changed.signalAll();
    } finally {
      lock.unlock();
    }
    consumed(null, unread); // the connection window the dropped bytes held is the server's again
    writeLock.lock();
    try {
      writer.rstStream(s.id, code);
      writer.flush();
    } catch (IOException e) {
      // the connection is going; the reading thread notices
    } finally {
      writeLock.unlock();
    }
  }

  /** The stream ended normally (both sides done); it no longer receives frames. */
  void forget(Http2ClientStream s) {
    lock.lock();
    try {
      if (streams.get(s.id) == s) {
        streams.remove(s.id);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * {@code n} body bytes of {@code s} (null: of a stream already gone) were consumed: gives the
   * windows back once half a window is owed, as Go does, so WINDOW_UPDATEs stay few.
   */
  void consumed(Http2ClientStream s, int n) {
    if (n <= 0) {
      return;
    }
    int connIncrement = 0;
    int streamIncrement = 0;
    lock.lock();
    try {
      connRecvConsumed += n;
      if (connRecvConsumed >= CONN_WINDOW / 4) {
        connIncrement = connRecvConsumed;
        connRecvWindow += connIncrement;
        connRecvConsumed = 0;
      }
      if (s != null && !s.remoteEnded && streams.get(s.id) == s) {
        s.recvConsumed += n;
        if (s.recvConsumed >= STREAM_WINDOW / 2) {
          streamIncrement = s.recvConsumed;
          s.recvWindow += streamIncrement;
          s.recvConsumed = 0;
        }
      }
    } finally {
      lock.unlock();
    }
    if (connIncrement == 0 && streamIncrement == 0) {
      return;
    }
    writeLock.lock();
    try {
      if (connIncrement > 0) {
        writer.windowUpdate(0, connIncrement);
      }
      if (streamIncrement > 0) {
        writer.windowUpdate(s.id, streamIncrement);
      }
      writer.flush();
    } catch (IOException e) {
      // the connection is going; the reading thread notices
    } finally {
      writeLock.unlock();
    }
  }

  // ------------------------------------------------------------------ reading thread

  private void readLoop() {
    String reason = "peerClosed";
    IOException failure = null;
    try {
      while (true) {
        Frame f;
        try {
          f = reader.readFrame();
        } catch (Http2Exception e) {
          if (e.isConnectionError()) {
            throw e;
          }
          Http2ClientStream s = stream(e.streamId());
          if (s != null) {
            s.fail(new IOException("http2: " + e.getMessage()), false);
            resetStream(s, e.code());
          }
          continue;
        }
        if (f == null) {
          break;
        }
        lastFrameNanos = System.nanoTime();
        onFrame(f);
      }
    } catch (Http2Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "{0}: {1}", this, e.getMessage());
      sendGoAway(e.code(), e.getMessage());
      reason = "protocolError";
      failure = new IOException("http2: protocol error from " + address + ": " + e.getMessage(), e);
    } catch (IOException e) {
      reason = "error";
      failure = e;
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "HTTP/2 client connection " + this + " failed", e);
      reason = "error";
      failure = new IOException(e);
    }
    List<Http2ClientStream> open;
    lock.lock();
    try {
      if (closedReason != null) {
        reason = closedReason; // closed on our side: say why
      } else {
        closedReason = reason;
      }
      open = new ArrayList<>(streams.values());
      streams.clear();
      // each stream is woken by its fail() below
    } finally {
      lock.unlock();
    }
    close(reason);
    String why = "http2: connection to " + address + " closed (" + reason + ")"
        + (failure != null && failure.getMessage() != null ? ": " + failure.getMessage() : "");
    for (Http2ClientStream s : open) {
      s.fail(new IOException(why, failure), true);
    }
    t.pool.h2ConnClosed(this, reason);
  }

  private void onFrame(Frame f) throws IOException {
    if (f instanceof Frame.Data) {
      onData((Frame.Data) f);
    } else if (f instanceof Frame.Headers) {
      onHeaders((Frame.Headers) f);
    } else if (f instanceof Frame.Settings) {
      onSettings((Frame.Settings) f);
    } else if (f instanceof Frame.WindowUpdate) {
      onWindowUpdate((Frame.WindowUpdate) f);
    } else if (f instanceof Frame.RstStream) {
      Frame.RstStream r = (Frame.RstStream) f;
      Http2ClientStream s = remove(r.streamId());
      if (s == null) {
        checkNotIdle(r.streamId(), "RST_STREAM");
      } else {
        s.resetByServer(ErrorCode.name(r.errorCode()), r.errorCode() == ErrorCode.REFUSED_STREAM.code);
      }
    } else if (f instanceof Frame.Ping) {
      Frame.Ping p = (Frame.Ping) f;
      if (!p.ack()) {
        writeLock.lock();
        try {
          writer.ping(true, p.opaque());
          writer.flush();
        } finally {
          writeLock.unlock();
        }
      } else if (p.opaque() == pingOutstanding) {
        pingOutstanding = 0;
      }
    } else if (f instanceof Frame.GoAway) {
      onGoAway((Frame.GoAway) f);
    }
    // PRIORITY is ignored (RFC 9113 section 5.3.2), unknown frames too (section 4.1);
    // PUSH_PROMISE cannot arrive: we disabled push and the reader refuses it.
  }

  private void onHeaders(Frame.Headers h) throws IOException {
    List<HeaderField> fields = new ArrayList<>();
    // Decoded before anything else: the dynamic table follows every block the server sent.
    boolean within = decoder.decode(h.fieldBlock(), 0, h.fieldBlock().length, t.maxResponseHeaderBytes,
        (name, value, sensitive) -> fields.add(new HeaderField(name, value, sensitive)));
    Http2ClientStream s = stream(h.streamId());
    if (s == null) {
      checkNotIdle(h.streamId(), "HEADERS");
      return; // a stream we reset: its frames in flight are expected (section 5.4.2)
    }
    String problem = within ? s.onHeaders(fields, h.endStream())
        : "response header list larger than maxResponseHeaderBytes " + t.maxResponseHeaderBytes;
    if (problem != null) {
      s.fail(new IOException("http2: " + problem + " on stream " + s.id + " from " + address), false);
      resetStream(s, PROTOCOL_ERROR);
    }
  }

  private void onData(Frame.Data d) throws IOException {
    int n = d.flowControlledLength();
    Http2ClientStream s;
    boolean overflow = false;
    lock.lock();
    try {
      if (n > connRecvWindow) {
        throw connectionError(FLOW_CONTROL_ERROR, "DATA of " + n + " bytes with a connection window of " + connRecvWindow);
      }
      connRecvWindow -= n;
      s = streams.get(d.streamId());
      if (s != null) {
        if (n > s.recvWindow) {
          overflow = true;
        } else {
          s.recvWindow -= n;
          s.changed.signal(); // one reader per stream
          if (!s.offer(d)) {
            s = null; // no longer wanted: give the window back below
          }
        }
      }
    } finally {
      lock.unlock();
    }
    if (s == null) {
      checkNotIdle(d.streamId(), "DATA");
      consumed(null, n);
    } else if (overflow) {
      s.fail(new IOException("http2: server overran the stream window on stream " + s.id), false);
      resetStream(s, FLOW_CONTROL_ERROR);
      consumed(null, n);
    } else if (n > d.length()) {
      consumed(s, n - d.length()); // padding is never read
    }
  }

  private void onSettings(Frame.Settings settings) throws IOException {
    if (settings.ack()) {
      return;
    }
    lock.lock();
    try {
      for (Frame.Setting s : settings.values()) {
        switch (s.id()) {
          case Frame.Setting.INITIAL_WINDOW_SIZE:
            int delta = (int) s.value() - peerInitialWindow;
            for (Http2ClientStream stream : streams.values()) {
              if ((long) stream.sendWindow + delta > Http2.MAX_WINDOW_SIZE) {
                throw connectionError(FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE overflows stream " + stream.id);
              }
              stream.sendWindow += delta;
            }
            peerInitialWindow = (int) s.value();
            break;
          case Frame.Setting.MAX_CONCURRENT_STREAMS:
            peerMaxConcurrentStreams = (int) Math.min(Integer.MAX_VALUE, s.value());
            break;
          default:
            break;
        }
      }
      signalAllLocked(); // windows and limits changed
    } finally {
      lock.unlock();
    }
    writeLock.lock();
    try {
      for (Frame.Setting s : settings.values()) {
        if (s.id() == Frame.Setting.MAX_FRAME_SIZE) {
          writer.maxFrameSize((int) s.value());
        } else if (s.id() == Frame.Setting.HEADER_TABLE_SIZE) {
          encoder.peerHeaderTableSize(s.value());
        }
      }
      writer.settingsAck();
      writer.flush();
    } finally {
      writeLock.unlock();
    }
    t.pool.h2CapacityChanged(this);
  }

  private void onWindowUpdate(Frame.WindowUpdate u) throws IOException {
    Http2ClientStream overflowed = null;
    lock.lock();
    try {
      if (u.streamId() == 0) {
        if ((long) connSendWindow + u.increment() > Http2.MAX_WINDOW_SIZE) {
          throw connectionError(FLOW_CONTROL_ERROR, "WINDOW_UPDATE takes the connection window past 2^31-1");
        }
        connSendWindow += u.increment();
      } else {
        Http2ClientStream s = streams.get(u.streamId());
        if (s != null) {
          if ((long) s.sendWindow + u.increment() > Http2.MAX_WINDOW_SIZE) {
            overflowed = s;
          } else {
            s.sendWindow += u.increment();
            s.changed.signal();
          }
        }
      }
      if (u.streamId() == 0) {
        signalAllLocked(); // every stream may send again
      }
    } finally {
      lock.unlock();
    }
    if (overflowed != null) {
      overflowed.fail(new IOException("http2: stream window past 2^31-1 on stream " + overflowed.id), false);
      resetStream(overflowed, FLOW_CONTROL_ERROR);
    }
  }

  /**
   * Section 6.8: streams above the last id were not processed and may be retried on another
   * connection; the others go on. No new stream opens here.
   */
  private void onGoAway(Frame.GoAway g) {
    List<Http2ClientStream> unprocessed = new ArrayList<>();
    lock.lock();
    try {
      goAway = true;
      goAwayLastStreamId = Math.min(goAwayLastStreamId, g.lastStreamId());
      for (Http2ClientStream s : streams.values()) {
        if (s.id > goAwayLastStreamId) {
          unprocessed.add(s);
        }
      }
      for (Http2ClientStream s : unprocessed) {
        streams.remove(s.id);
      }
      // the unprocessed streams are woken by their fail() below
    } finally {
      lock.unlock();
    }
    Trace.clientGoAway(id, g.lastStreamId(), ErrorCode.name(g.errorCode()), false);
    for (Http2ClientStream s : unprocessed) {
      s.fail(new Http2ClientStream.NotProcessed("http2: server sent GOAWAY (" + ErrorCode.name(g.errorCode())
          + ", last stream " + g.lastStreamId() + "); stream " + s.id + " was not processed"), false);
    }
    t.pool.h2GoAway(this); // closes the connection now if no stream holds it
  }

  private void checkNotIdle(int streamId, String frame) throws Http2Exception {
    boolean idle;
    writeLock.lock();
    try {
      idle = (streamId & 1) == 1 && streamId >= nextStreamId;
    } finally {
      writeLock.unlock();
    }
    if (idle || (streamId & 1) == 0) {
      throw connectionError(PROTOCOL_ERROR, frame + " on stream " + streamId + ", which the client never opened");
    }
  }

  private Http2ClientStream stream(int streamId) {
    lock.lock();
    try {
      return streams.get(streamId);
    } finally {
      lock.unlock();
    }
  }

  /** Wakes every stream's waiter (caller holds lock): a connection-wide window or limit changed. */
  private void signalAllLocked() {
    for (Http2ClientStream s : streams.values()) {
      s.changed.signal();
    }
  }

  private Http2ClientStream remove(int streamId) {
    lock.lock();
    try {
      Http2ClientStream s = streams.remove(streamId);
      return s; // resetByServer wakes it
    } finally {
      lock.unlock();
    }
  }

  /** Sends GOAWAY (a connection error of the server's, or our own close) and traces it. */
  private void sendGoAway(ErrorCode code, String debug) {
    goAway = true;
    writeLock.lock();
    try {
      byte[] text = debug.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      writer.goAway(0, code, text.length > 256 ? java.util.Arrays.copyOf(text, 256) : text);
      writer.flush();
    } catch (IOException e) {
      // the server is gone
    } finally {
      writeLock.unlock();
    }
    Trace.clientGoAway(id, 0, code.name(), true);
  }

  // ------------------------------------------------------------------ health check

  /**
   * Go's ReadIdleTimeout: with no frame for that long, send a PING; without its ACK within
   * pingTimeout, the connection is dead and closed (its streams fail).
   */
  private void scheduleHealthCheck(long delayNanos) {
    Threads.timer().schedule(() -> Threads.start("httpdiag-h2-health", this::healthCheck),
        Math.max(1, delayNanos), TimeUnit.NANOSECONDS);
  }

  private void healthCheck() {
    if (socket.isClosed()) {
      return;
    }
    long quiet = System.nanoTime() - lastFrameNanos;
    if (quiet < t.readIdleTimeout) {
      scheduleHealthCheck(t.readIdleTimeout - quiet);
      return;
    }
    long opaque = System.nanoTime() | 1;
    pingOutstanding = opaque;
    writeLock.lock();
    try {
      writer.ping(false, opaque);
      writer.flush();
    } catch (IOException e) {
      return; // the reading thread notices
    } finally {
      writeLock.unlock();
    }
    Threads.timer().schedule(() -> {
      if (pingOutstanding == opaque) {
        close("pingTimeout");
      } else {
        scheduleHealthCheck(t.readIdleTimeout);
      }
    }, Math.max(1, t.pingTimeout), TimeUnit.NANOSECONDS);
  }
}
