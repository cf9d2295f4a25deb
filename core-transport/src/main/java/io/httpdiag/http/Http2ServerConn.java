package io.httpdiag.http;

import static io.httpdiag.http.internal.http2.ErrorCode.ENHANCE_YOUR_CALM;
import static io.httpdiag.http.internal.http2.ErrorCode.FLOW_CONTROL_ERROR;
import static io.httpdiag.http.internal.http2.ErrorCode.PROTOCOL_ERROR;
import static io.httpdiag.http.internal.http2.ErrorCode.STREAM_CLOSED;
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
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One HTTP/2 server connection (RFC 9113), entered after the client preface was read. The
 * connection's own thread reads and dispatches frames; each stream's handler runs on a thread of
 * its own (virtual on JDK 21+) with the same {@link Handler} API as HTTP/1.1. Frames are written
 * under {@link #lock}, which also guards the stream table and the flow-control windows; a handler
 * waiting for send window waits on {@link #windowOpened} without holding it.
 *
 * <p>Limits: at most {@link #MAX_CONCURRENT_STREAMS} handlers run per connection; a stream is
 * counted until its handler returns, not until the client resets it (the rapid-reset lesson,
 * CVE-2023-44487); beyond it streams are refused. A request body is buffered up to the stream
 * window (65,535 bytes), returned to the client as the handler reads it; the connection window is
 * returned as DATA arrives, since every stream's buffer is already bounded.
 *
 * <p>Floods end the connection with GOAWAY(ENHANCE_YOUR_CALM): more than
 * {@link #MAX_RESETS_PER_WINDOW} client resets of streams still being served within
 * {@link #RESET_WINDOW_NANOS} (rapid reset); more than {@link #MAX_OWED_CONTROL_FRAMES} PING and
 * SETTINGS acknowledgements owed to a client that does not read them (they are written by a
 * thread of their own, so the reading thread never blocks on them and the queue is what grows,
 * as in Go); more than {@link #MAX_EMPTY_DATA_FRAMES} empty DATA frames in a row.
 *
 * <p>Timeouts: readHeaderTimeout bounds the preface and first SETTINGS, and each field block
 * left open (HEADERS without END_HEADERS: the CONTINUATION frames must arrive in time, since no
 * other frame may come in between); writeTimeout bounds each stream from its request headers to
 * the end of its response (Go's meaning: the stream is reset with INTERNAL_ERROR and its
 * handler's writes fail); idleTimeout applies only while no handler runs.
 *
 * <p>Traced: each stream is one server exchange (a new exchange id) going through the HTTP/1.1
 * steps with protocol "HTTP/2.0", plus the steps only HTTP/2 has (stream opened, stream reset,
 * GOAWAY); the connection itself is traced as accepted and closed by {@link ServerConn}.
 */
final class Http2ServerConn {
  /** Handlers allowed per connection, announced as SETTINGS_MAX_CONCURRENT_STREAMS (Go's default). */
  static final int MAX_CONCURRENT_STREAMS = 250;
  private static final System.Logger log = System.getLogger(Server.class.getName());
  /** Bytes received before a WINDOW_UPDATE returns them (half the default window, as Go does). */
  private static final int WINDOW_UPDATE_THRESHOLD = Http2.DEFAULT_INITIAL_WINDOW_SIZE / 2;
  /** PING and SETTINGS acknowledgements queued and not yet written, at most (Go's maxQueuedControlFrames). */
  static final int MAX_OWED_CONTROL_FRAMES = 10_000;
  /**
   * Client resets of streams still being served allowed per {@link #RESET_WINDOW_NANOS}: four times
   * the stream limit, so that a client canceling all its streams at once stays well within it,
   * while the floods of CVE-2023-44487 (100,000s per second) end in their first milliseconds.
   */
  static final int MAX_RESETS_PER_WINDOW = 4 * MAX_CONCURRENT_STREAMS;
  static final long RESET_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Empty DATA frames without END_STREAM accepted in a row: they carry nothing and cost work. */
  static final int MAX_EMPTY_DATA_FRAMES = 100;
  /** How long a timer waits for the connection's write lock before judging the writes stuck and closing. */
  private static final long STUCK_WRITE_MILLIS = 1000;

  final Server server;
  /** The connection's id in traces. */
  final long connId;
  private final ServerConn conn;
  private final Socket socket;
  private final DeadlineInputStream in;
  private final FrameReader reader;
  private final HpackDecoder decoder; // reading thread only

  final ReentrantLock lock = new ReentrantLock();
  final Condition windowOpened = lock.newCondition();
  private final FrameWriter writer; // guarded by lock
  private final HpackEncoder encoder; // guarded by lock
  private final ByteSink headerBlock = new ByteSink(256); // guarded by lock
  private final Map<Integer, Http2Stream> streams = new HashMap<>(); // guarded by lock
  private int runningHandlers; // guarded by lock
  private int connSendWindow = Http2.DEFAULT_INITIAL_WINDOW_SIZE; // guarded by lock
  private int peerInitialWindow = Http2.DEFAULT_INITIAL_WINDOW_SIZE; // guarded by lock
  private boolean goAwaySent; // guarded by lock
  private boolean closed; // guarded by lock
  private int lastStreamId; // reading thread only: the highest stream the client opened
  private int streamsOpened; // reading thread only: requestOnConn of the next exchange, less one
  private int connRecvWindow = Http2.DEFAULT_INITIAL_WINDOW_SIZE; // reading thread only
  private int connRecvUnacked; // reading thread only
  private volatile long lastActivityNanos = System.nanoTime(); // last frame read or handler returned
  private volatile boolean idleTimedOut;
  private long resetWindowStart = System.nanoTime(); // reading thread only
  private int resetsInWindow; // reading thread only
  private int emptyDataInARow; // reading thread only
  private int framesRead; // reading thread only
  private static final int FRAMES_PER_YIELD = 64;
  private boolean fieldBlockDeadline; // reading thread only: a field block's readHeaderTimeout is armed
  private final Object controlLock = new Object();
  private long[] owedPings = new long[4]; // guarded by controlLock: opaque data of the PING ACKs owed
  private int owedPingCount; // guarded by controlLock
  private int owedSettingsAcks; // guarded by controlLock
  private boolean controlWriterRunning; // guarded by controlLock

  Http2ServerConn(ServerConn conn, Socket socket, DeadlineInputStream in) throws IOException {
    this.server = conn.server;
    this.conn = conn;
    this.connId = conn.id;
    this.socket = socket;
    this.in = in;
    this.reader = new FrameReader(new BufferedInputStream(in, 16 * 1024), server.maxHeaderBytes, false);
    this.decoder = new HpackDecoder(Http2.DEFAULT_HEADER_TABLE_SIZE);
    this.writer = new FrameWriter(new BufferedOutputStream(socket.getOutputStream(), 16 * 1024 + 9));
    this.encoder = new HpackEncoder(Http2.DEFAULT_HEADER_TABLE_SIZE, true);
    long headerTimeout = server.readHeaderTimeoutNanos;
    if (headerTimeout != 0) {
      reader.onFieldBlockContinues(() -> {
        in.setDeadline(new Deadline(System.nanoTime() + headerTimeout, "readHeaderTimeout", headerTimeout),
            "reading CONTINUATION frames");
        fieldBlockDeadline = true;
      });
    }
  }

  /** Runs the connection until it ends; returns why, for the connection's trace. */
  String serve() {
    try {
      lock.lock();
      try {
        writer.settings(List.of(new Frame.Setting(Frame.Setting.MAX_CONCURRENT_STREAMS, MAX_CONCURRENT_STREAMS),
            new Frame.Setting(Frame.Setting.MAX_HEADER_LIST_SIZE, server.maxHeaderBytes)));
        writer.flush();
      } finally {
        lock.unlock();
      }
      // Section 3.4: the preface is followed by a SETTINGS frame, within readHeaderTimeout.
      Frame first = reader.readFrame();
      if (!(first instanceof Frame.Settings) || ((Frame.Settings) first).ack()) {
        throw connectionError(PROTOCOL_ERROR, "the client preface is not followed by SETTINGS");
      }
      onSettings((Frame.Settings) first);
      in.setDeadline(Deadline.NONE, "reading frames");
      scheduleIdleCheck(idleTimeoutNanos());
      while (true) {
        Frame f;
        try {
          f = reader.readFrame();
        } catch (Http2Exception e) {
          if (e.isConnectionError()) {
            throw e;
          }
          resetStream(e.streamId(), e.code()); // the frame was consumed; the connection goes on
          continue;
        }
        if (fieldBlockDeadline) {
          fieldBlockDeadline = false;
          in.setDeadline(Deadline.NONE, "reading frames");
        }
        if (f == null) {
          return "clientClosed";
        }
        lastActivityNanos = System.nanoTime();
        onFrame(f);
        if ((++framesRead & (FRAMES_PER_YIELD - 1)) == 0) {
          // A virtual thread is never preempted: a client that keeps this connection's input full
          // (a flood) would keep its carrier, and with few carriers other connections' readers and
          // handlers would wait behind it. Go's scheduler preempts; here the reader yields.
          Thread.yield();
        }
      }
    } catch (Http2Exception e) {
      log.log(System.Logger.Level.DEBUG, "connection {0}: {1}", conn.id, e.getMessage());
      goAway(e.code(), e.getMessage());
      return "protocolError";
    } catch (SocketTimeoutException e) {
      goAway(ErrorCode.NO_ERROR, "");
      return "readHeaderTimeout"; // the only read deadline: preface, first SETTINGS, an open field block
    } catch (IOException e) {
      return idleTimedOut ? "idleTimeout" : goAwaySent() ? "shutdown" : "clientClosed";
    } finally {
      closeStreams();
    }
  }

  /** Graceful shutdown (Go's Shutdown): GOAWAY now, close once the running handlers are done. Any thread. */
  void shutdown() {
    boolean idle;
    lock.lock();
    try {
      if (!goAwaySent && !closed) {
        goAwayLocked(ErrorCode.NO_ERROR, "");
      }
      idle = runningHandlers == 0;
    } finally {
      lock.unlock();
    }
    if (idle) {
      closeSocket();
    }
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
      onRstStream((Frame.RstStream) f);
    } else if (f instanceof Frame.Ping) {
      Frame.Ping p = (Frame.Ping) f;
      if (!p.ack()) {
        oweControlFrame(true, p.opaque());
      }
    } else if (f instanceof Frame.GoAway) {
      Frame.GoAway g = (Frame.GoAway) f;
      log.log(System.Logger.Level.DEBUG, "connection {0}: client sent GOAWAY {1}", conn.id, ErrorCode.name(g.errorCode()));
      Trace.serverGoAway(server.trace, connId, g.lastStreamId(), ErrorCode.name(g.errorCode()), false);
    }
    // PRIORITY is deprecated and ignored (RFC 9113 section 5.3.2); unknown frames are ignored.
  }

  private void onHeaders(Frame.Headers h) throws IOException {
    int id = h.streamId();
    List<HeaderField> fields = new ArrayList<>();
    // Decoded before any check: the dynamic table must follow every block the client sent.
    boolean within = decoder.decode(h.fieldBlock(), 0, h.fieldBlock().length, server.maxHeaderBytes,
        (name, value, sensitive) -> fields.add(new HeaderField(name, value, sensitive)));
    Http2Stream s = stream(id);
    if (s != null) { // trailers (section 8.1)
      if (s.remoteClosed) {
        resetStream(id, STREAM_CLOSED);
      } else if (!h.endStream()) {
        resetStream(id, PROTOCOL_ERROR);
      } else {
        s.remoteClosed = true;
        s.body.end();
      }
      return;
    }
    if ((id & 1) == 0) {
      throw connectionError(PROTOCOL_ERROR, "HEADERS on even stream " + id + " (a client opens odd streams)");
    }
    if (id <= lastStreamId) {
      throw connectionError(STREAM_CLOSED, "HEADERS on closed stream " + id);
    }
    lastStreamId = id;
    if (h.priority() != null && h.priority().streamDependency() == id) {
      resetStream(id, PROTOCOL_ERROR); // section 5.3.1: a stream cannot depend on itself
      return;
    }
    Http2Stream stream = new Http2Stream(this, id);
    int active;
    lock.lock();
    try {
      if (goAwaySent) {
        return; // section 6.8: streams opened after our GOAWAY are ignored
      }
      if (runningHandlers >= MAX_CONCURRENT_STREAMS) {
        writer.rstStream(id, ErrorCode.REFUSED_STREAM);
        writer.flush();
        Trace.serverStreamReset(server.trace, connId, 0, id, ErrorCode.REFUSED_STREAM.name(), true);
        return;
      }
      active = ++runningHandlers;
      stream.sendWindow = peerInitialWindow;
      streams.put(id, stream);
    } finally {
      lock.unlock();
    }
    if (h.endStream()) {
      stream.remoteClosed = true;
      stream.body.end();
    }
    Request request = within ? stream.request(fields, conn.remote(), socket) : null;
    if (within && request == null) {
      resetStream(id, PROTOCOL_ERROR); // malformed request (section 8.1.1): never an exchange
      streamDone(stream, false);
      return;
    }
    if (server.writeTimeoutNanos != 0) {
      // Go's WriteTimeout on HTTP/2: per stream, from its request headers to the end of its response.
      stream.writeDeadline = Threads.timer().schedule(
          () -> Threads.start("httpdiag-h2-write-timeout", () -> writeTimedOut(stream)), server.writeTimeoutNanos,
          TimeUnit.NANOSECONDS);
    }
    stream.exchangeId = Trace.newExchangeId();
    Trace.serverStreamOpened(server.trace, connId, stream.exchangeId, id, active);
    if (!within) {
      Threads.start("httpdiag-h2-stream", () -> stream.respondAndEnd(431, "request header list too large\n"));
    } else {
      Trace.serverRequestHeadersRead(server.trace, connId, stream.exchangeId, request.method(), request.target(),
          "HTTP/2.0", ++streamsOpened);
      Threads.start("httpdiag-h2-stream", () -> stream.run(request));
    }
  }

  private void onData(Frame.Data d) throws IOException {
    int n = d.flowControlledLength();
    if (n > 0 || d.endStream()) {
      emptyDataInARow = 0;
    } else if (++emptyDataInARow > MAX_EMPTY_DATA_FRAMES) {
      throw connectionError(ENHANCE_YOUR_CALM, "more than " + MAX_EMPTY_DATA_FRAMES + " empty DATA frames in a row");
    }
    if (n > connRecvWindow) {
      throw connectionError(FLOW_CONTROL_ERROR, "DATA of " + n + " bytes with a connection window of " + connRecvWindow);
    }
    connRecvWindow -= n;
    connRecvUnacked += n;
    if (connRecvUnacked >= WINDOW_UPDATE_THRESHOLD) {
      sendWindowUpdate(0, connRecvUnacked);
      connRecvWindow += connRecvUnacked;
      connRecvUnacked = 0;
    }
    int id = d.streamId();
    Http2Stream s = stream(id);
    if (s == null) {
      if (id > lastStreamId) {
        throw connectionError(PROTOCOL_ERROR, "DATA on idle stream " + id);
      }
      return; // a stream we closed or reset: frames in flight are expected (section 5.4.2)
    }
    if (s.remoteClosed) {
      resetStream(id, STREAM_CLOSED);
      return;
    }
    if (!s.receive(d)) {
      resetStream(id, d.flowControlledLength() > 0 && s.overflowed ? FLOW_CONTROL_ERROR : PROTOCOL_ERROR);
    }
  }

  private void onSettings(Frame.Settings settings) throws IOException {
    if (settings.ack()) {
      return; // ours carry nothing that waits for the acknowledgement
    }
    if (settings.values().isEmpty()) {
      // Nothing to apply: no lock, which a write blocked on a client that floods SETTINGS without reading may hold.
      oweControlFrame(false, 0);
      return;
    }
    lock.lock();
    try {
      for (Frame.Setting s : settings.values()) {
        switch (s.id()) {
          case Frame.Setting.INITIAL_WINDOW_SIZE:
            int delta = (int) s.value() - peerInitialWindow;
            for (Http2Stream stream : streams.values()) {
              if ((long) stream.sendWindow + delta > Http2.MAX_WINDOW_SIZE) {
                throw connectionError(FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE overflows stream " + stream.id);
              }
              stream.sendWindow += delta;
            }
            peerInitialWindow = (int) s.value();
            break;
          case Frame.Setting.MAX_FRAME_SIZE:
            writer.maxFrameSize((int) s.value());
            break;
          case Frame.Setting.HEADER_TABLE_SIZE:
            encoder.peerHeaderTableSize(s.value());
            break;
          default:
            break;
        }
      }
      windowOpened.signalAll();
    } finally {
      lock.unlock();
    }
    oweControlFrame(false, 0); // the values are applied: the acknowledgement may go (section 6.5.3)
  }

  private void onWindowUpdate(Frame.WindowUpdate u) throws IOException {
    lock.lock();
    try {
      if (u.streamId() == 0) {
        if ((long) connSendWindow + u.increment() > Http2.MAX_WINDOW_SIZE) {
          throw connectionError(FLOW_CONTROL_ERROR, "WINDOW_UPDATE takes the connection window past 2^31-1");
        }
        connSendWindow += u.increment();
      } else {
        Http2Stream s = streams.get(u.streamId());
        if (s == null) {
          if (u.streamId() > lastStreamId) {
            throw connectionError(PROTOCOL_ERROR, "WINDOW_UPDATE on idle stream " + u.streamId());
          }
          return;
        }
        if ((long) s.sendWindow + u.increment() > Http2.MAX_WINDOW_SIZE) {
          resetStreamLocked(s.id, FLOW_CONTROL_ERROR);
          return;
        }
        s.sendWindow += u.increment();
      }
      windowOpened.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void onRstStream(Frame.RstStream r) throws IOException {
    Http2Stream s;
    lock.lock();
    try {
      s = streams.remove(r.streamId());
      windowOpened.signalAll();
    } finally {
      lock.unlock();
    }
    if (s == null) {
      if (r.streamId() > lastStreamId) {
        throw connectionError(PROTOCOL_ERROR, "RST_STREAM on idle stream " + r.streamId());
      }
      return;
    }
    // Rapid reset (CVE-2023-44487): a reset frees no handler slot, but opening and resetting
    // streams in a loop still costs a handler start each; past the budget the client is an attacker.
    long now = System.nanoTime();
    if (now - resetWindowStart > RESET_WINDOW_NANOS) {
      resetWindowStart = now;
      resetsInWindow = 0;
    }
    if (++resetsInWindow > MAX_RESETS_PER_WINDOW) {
      s.canceledByPeer("stream reset by the client (" + ErrorCode.name(r.errorCode()) + ")");
      throw connectionError(ENHANCE_YOUR_CALM, "more than " + MAX_RESETS_PER_WINDOW + " streams reset by the client in "
          + TimeUnit.NANOSECONDS.toSeconds(RESET_WINDOW_NANOS) + " s (rapid reset)");
    }
    Trace.serverStreamReset(server.trace, connId, s.exchangeId, s.id, ErrorCode.name(r.errorCode()), false);
    s.canceledByPeer("stream reset by the client (" + ErrorCode.name(r.errorCode()) + ")");
  }

  // ------------------------------------------------------------------ writing, for streams

  /**
   * Sends a field block: HEADERS (and CONTINUATION) with {@code :status} first. Without
   * {@code flush} it waits in the buffer for the DATA that follows (one write for both).
   */
  void writeHeaders(Http2Stream s, List<HeaderField> fields, boolean endStream, boolean flush) throws IOException {
    lock.lock();
    try {
      checkWritable(s);
      headerBlock.reset();
      encoder.encode(fields, headerBlock);
      writer.headers(s.id, endStream, headerBlock.array(), 0, headerBlock.size());
      if (endStream) {
        s.localClosed = true;
      }
      if (flush || endStream) {
        writer.flush();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends DATA within the connection's and the stream's send windows, waiting (without the lock)
   * while either is closed. {@code endStream} with {@code len} zero sends an empty final frame.
   */
  void writeData(Http2Stream s, byte[] b, int off, int len, boolean endStream, boolean flush) throws IOException {
    lock.lock();
    try {
      while (true) {
        checkWritable(s);
        // A window can be negative after the client lowered SETTINGS_INITIAL_WINDOW_SIZE (section 6.9.2).
        int available = Math.max(0, Math.min(Math.min(connSendWindow, s.sendWindow), writer.maxFrameSize()));
        int n = Math.min(len, available);
        if (n == 0 && len > 0) {
          writer.flush(); // what is written must leave before we wait for the client to open the window
          awaitWindow();
          continue;
        }
        boolean last = endStream && n == len;
        if (n > 0 || last) {
          writer.data(s.id, last, b, off, n);
        }
        connSendWindow -= n;
        s.sendWindow -= n;
        off += n;
        len -= n;
        if (last) {
          s.localClosed = true;
        }
        if (len == 0) {
          break;
        }
      }
      if (flush || endStream) {
        writer.flush();
      }
    } finally {
      lock.unlock();
    }
  }

  void flush() throws IOException {
    lock.lock();
    try {
      writer.flush();
    } finally {
      lock.unlock();
    }
  }

  /** Gives {@code n} consumed request-body bytes back to the client's stream window. Any thread. */
  void returnStreamWindow(Http2Stream s, int n) {
    lock.lock();
    try {
      s.recvUnacked += n;
      if (s.recvUnacked >= WINDOW_UPDATE_THRESHOLD && !s.remoteClosed && streams.get(s.id) == s && !closed) {
        writer.windowUpdate(s.id, s.recvUnacked);
        writer.flush();
        s.recvWindow += s.recvUnacked;
        s.recvUnacked = 0;
      }
    } catch (IOException e) {
      // the connection is going; the reading thread notices
    } finally {
      lock.unlock();
    }
  }

  /** Sends RST_STREAM and forgets the stream; its handler, if any, sees the request canceled. */
  void resetStream(int id, ErrorCode code) throws IOException {
    lock.lock();
    try {
      resetStreamLocked(id, code);
    } finally {
      lock.unlock();
    }
  }

  /** The handler of {@code s} returned ({@code handlerRan}) or never ran. Any thread. */
  void streamDone(Http2Stream s, boolean handlerRan) {
    java.util.concurrent.ScheduledFuture<?> deadline = s.writeDeadline;
    if (deadline != null) {
      deadline.cancel(false);
    }
    boolean closeNow;
    lock.lock();
    try {
      if (streams.get(s.id) == s) {
        streams.remove(s.id);
      }
      runningHandlers--;
      closeNow = goAwaySent && runningHandlers == 0;
      if (runningHandlers == 0) {
        lastActivityNanos = System.nanoTime();
        scheduleIdleCheck(idleTimeoutNanos());
      }
    } finally {
      lock.unlock();
    }
    if (handlerRan) {
      server.requestServed();
    }
    if (closeNow) {
      closeSocket();
    }
  }

  private void resetStreamLocked(int id, ErrorCode code) throws IOException {
    Http2Stream s = streams.remove(id);
    if (!closed) {
      writer.rstStream(id, code);
      writer.flush();
      Trace.serverStreamReset(server.trace, connId, s != null ? s.exchangeId : 0, id, code.name(), true);
    }
    windowOpened.signalAll();
    if (s != null) {
      s.canceled("stream reset by the server (" + code + ")");
    }
  }

  /**
   * writeTimeout fired for {@code s}: reset it (INTERNAL_ERROR, as Go) so that its handler's
   * writes fail and its slot is freed. When the write lock cannot be had, a write is stuck on a
   * client that does not read: the connection is closed. Runs on a thread of its own.
   */
  private void writeTimedOut(Http2Stream s) {
    try {
      if (!lock.tryLock(STUCK_WRITE_MILLIS, TimeUnit.MILLISECONDS)) {
        log.log(System.Logger.Level.DEBUG, "connection {0}: writeTimeout with writes stuck; closing", conn.id);
        closeSocket();
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      if (streams.get(s.id) == s && !s.localClosed) {
        s.canceled("writeTimeout (" + TimeUnit.NANOSECONDS.toMillis(server.writeTimeoutNanos) + " ms) exceeded");
        resetStreamLocked(s.id, ErrorCode.INTERNAL_ERROR);
      }
    } catch (IOException e) {
      // the connection is going
    } finally {
      lock.unlock();
    }
  }

  private void checkWritable(Http2Stream s) throws IOException {
    if (closed) {
      throw new IOException("http2: the connection is closed");
    }
    if (s.canceledReason != null) {
      throw new IOException("http2: " + s.canceledReason);
    }
    if (s.localClosed) {
      throw new IllegalStateException("http2: stream " + s.id + " already ended its response");
    }
  }

  private void awaitWindow() throws IOException {
    try {
      windowOpened.await(1, TimeUnit.SECONDS); // timed only as a safety net; every change signals
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the client's flow-control window");
    }
  }

  private Http2Stream stream(int id) {
    lock.lock();
    try {
      return streams.get(id);
    } finally {
      lock.unlock();
    }
  }

  private void sendWindowUpdate(int streamId, int increment) throws IOException {
    lock.lock();
    try {
      writer.windowUpdate(streamId, increment);
      writer.flush();
    } finally {
      lock.unlock();
    }
  }

  /** Whether the connection serves more streams after the current ones (no GOAWAY sent, not closed). Any thread. */
  boolean open() {
    lock.lock();
    try {
      return !goAwaySent && !closed;
    } finally {
      lock.unlock();
    }
  }

  private boolean goAwaySent() {
    lock.lock();
    try {
      return goAwaySent;
    } finally {
      lock.unlock();
    }
  }

  /**
   * GOAWAY as the reading thread ends the connection. When the write lock stays held (a write
   * blocked on a client that does not read), the socket is closed instead, which ends that write.
   */
  private void goAway(ErrorCode code, String debug) {
    boolean locked;
    try {
      locked = lock.tryLock(STUCK_WRITE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      locked = false;
    }
    if (!locked) {
      closeSocket();
      return;
    }
    try {
      if (!closed) {
        goAwayLocked(code, debug);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues a PING ACK ({@code ping}) or a SETTINGS ACK for the control writer. The reading thread
   * never writes them itself: a client that sends them without reading our replies would block it.
   */
  private void oweControlFrame(boolean ping, long opaque) throws Http2Exception {
    boolean start;
    synchronized (controlLock) {
      if (owedPingCount + owedSettingsAcks >= MAX_OWED_CONTROL_FRAMES) {
        throw connectionError(ENHANCE_YOUR_CALM, "more than " + MAX_OWED_CONTROL_FRAMES
            + " PING/SETTINGS acknowledgements owed to a client that does not read them");
      }
      if (ping) {
        if (owedPingCount == owedPings.length) {
          owedPings = java.util.Arrays.copyOf(owedPings, owedPingCount * 2);
        }
        owedPings[owedPingCount++] = opaque;
      } else {
        owedSettingsAcks++;
      }
      start = !controlWriterRunning;
      controlWriterRunning = true;
    }
    if (start) {
      Threads.start("httpdiag-h2-control", this::writeOwedControlFrames);
    }
  }

  /** The control writer: writes what is owed until nothing is; blocks (holding the write lock) if the client does not read. */
  private void writeOwedControlFrames() {
    long[] pings = new long[4];
    while (true) {
      int n;
      int acks;
      synchronized (controlLock) {
        n = owedPingCount;
        acks = owedSettingsAcks;
        if ((n == 0 && acks == 0)) {
          controlWriterRunning = false;
          return;
        }
        if (pings.length < n) {
          pings = new long[owedPings.length];
        }
        System.arraycopy(owedPings, 0, pings, 0, n);
        owedPingCount = 0;
        owedSettingsAcks = 0;
      }
      lock.lock();
      try {
        if (!closed) {
          for (int i = 0; i < acks; i++) {
            writer.settingsAck();
          }
          for (int i = 0; i < n; i++) {
            writer.ping(true, pings[i]);
          }
          writer.flush();
        }
      } catch (IOException e) {
        // the connection is going; the reading thread notices (the queue may fill, it is bounded)
      } finally {
        lock.unlock();
      }
    }
  }

  private void goAwayLocked(ErrorCode code, String debug) {
    goAwaySent = true;
    try {
      // The debug text names the broken rule; it never carries request data.
      byte[] text = debug.getBytes(StandardCharsets.UTF_8);
      writer.goAway(lastStreamId, code, text.length > 256 ? java.util.Arrays.copyOf(text, 256) : text);
      writer.flush();
      Trace.serverGoAway(server.trace, connId, lastStreamId, code.name(), true);
    } catch (IOException e) {
      // the client is gone
    }
  }

  private long idleTimeoutNanos() {
    return server.idleTimeoutNanos != 0 ? server.idleTimeoutNanos : server.readTimeoutNanos;
  }

  /**
   * Go's IdleTimeout on HTTP/2: a connection with no running handler and no frame for that long
   * gets GOAWAY(NO_ERROR) and is closed. Checked by the shared timer, scheduled whenever the
   * connection becomes idle, since the reading thread blocks in a read without a deadline.
   */
  private void scheduleIdleCheck(long delayNanos) {
    if (idleTimeoutNanos() != 0) {
      // The check takes the connection lock, which a writer blocked on the socket may hold: not on the shared timer.
      Threads.timer().schedule(() -> Threads.start("httpdiag-h2-idle", this::idleCheck), Math.max(delayNanos, 1),
          TimeUnit.NANOSECONDS);
    }
  }

  private void idleCheck() {
    long idle = idleTimeoutNanos();
    lock.lock();
    try {
      if (closed || goAwaySent || runningHandlers > 0) {
        return; // the last handler to return schedules the next check
      }
      long quiet = System.nanoTime() - lastActivityNanos;
      if (quiet < idle) {
        scheduleIdleCheck(idle - quiet);
        return;
      }
      idleTimedOut = true;
      goAwayLocked(ErrorCode.NO_ERROR, "");
    } finally {
      lock.unlock();
    }
    closeSocket();
  }

  private void closeStreams() {
    List<Http2Stream> open;
    lock.lock();
    try {
      closed = true;
      open = new ArrayList<>(streams.values());
      streams.clear();
      windowOpened.signalAll();
    } finally {
      lock.unlock();
    }
    for (Http2Stream s : open) {
      s.canceledByPeer("the connection closed");
    }
  }

  private void closeSocket() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  /**
   * Reads what may be the HTTP/2 client preface (RFC 9113 section 3.4) into {@code buf} (24 bytes),
   * stopping at the first byte that differs. Returns the number of bytes read: 24 means HTTP/2;
   * anything less, those bytes belong to an HTTP/1.1 request (or the client closed).
   */
  static int readPreface(InputStream in, byte[] buf) throws IOException {
    int n = 0;
    while (n < Http2.CLIENT_PREFACE.length) {
      int r = in.read(buf, n, 1);
      if (r < 0) {
        return n;
      }
      if (buf[n] != Http2.CLIENT_PREFACE[n]) {
        return n + 1;
      }
      n++;
    }
    return n;
  }
}
