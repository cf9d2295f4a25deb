package io.httpdiag.http;

import io.httpdiag.http.internal.HttpReader;
import io.httpdiag.http.internal.ProtocolException;
import io.httpdiag.http.internal.StatusText;
import io.httpdiag.http.internal.Trace;
import io.httpdiag.http.internal.http2.ErrorCode;
import io.httpdiag.http.internal.http2.Frame;
import io.httpdiag.http.internal.http2.HeaderField;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;

/**
 * One exchange on an {@link Http2ClientConn}: writes the request as HEADERS and DATA (within the
 * send windows), waits for the response headers, and is the response body (Go's
 * {@code transportResponseBody}). Reading to the end frees the stream's slot on the connection;
 * {@link #close()} before the end resets the stream (RST_STREAM CANCEL) and keeps the connection;
 * a body never closed holds the slot and its window.
 *
 * <p>The exchange's thread writes and reads; the connection's reading thread delivers headers and
 * DATA under the connection's {@code lock}, which guards every field marked so. Cancellation may
 * come from any thread.
 */
final class Http2ClientStream extends InputStream {
  /** Connection-specific fields: never sent on HTTP/2 (RFC 9113 section 8.2.2). */
  private static final Set<String> CONNECTION_SPECIFIC =
      Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host");
  /** Fields whose values the HPACK tables must never keep (RFC 7541 section 7.1.3). */
  private static final Set<String> SENSITIVE = Set.of("authorization", "proxy-authorization", "cookie");
  private static final int UPLOAD_CHUNK = 16 * 1024;

  private final Exchange x;
  final Http2ClientConn cc;
  /**
   * Signalled (under cc.lock) on whatever this stream's one waiting thread may care about: its
   * headers, DATA, window, reset, failure, cancellation. One condition per stream, so a frame
   * wakes only its own stream's thread, not every stream's.
   */
  final Condition changed;
  int id; // set once by openStream, under cc.writeLock and cc.lock
  int sendWindow; // guarded by cc.lock
  int recvWindow = Http2ClientConn.STREAM_WINDOW; // guarded by cc.lock
  int recvConsumed; // guarded by cc.lock
  boolean remoteEnded; // guarded by cc.lock: END_STREAM received
  private int status; // guarded by cc.lock: 0 until the final response headers
  private List<HeaderField> responseFields; // guarded by cc.lock
  private final ArrayDeque<Frame.Data> chunks = new ArrayDeque<>(); // guarded by cc.lock
  private int headPos; // guarded by cc.lock: bytes of the first chunk already read
  private int buffered; // guarded by cc.lock
  private IOException error; // guarded by cc.lock
  private boolean connGone; // guarded by cc.lock
  private boolean canceled; // guarded by cc.lock
  private boolean discarding; // guarded by cc.lock: the caller is done with the body
  private boolean stopWriting; // guarded by cc.lock: the server answered in full and said stop
  private boolean resetDone; // guarded by cc.lock: RST_STREAM sent or received
  private volatile boolean opened;
  // the caller's side, confined to the reading thread
  private long bytesRead;
  private long contentLength = -1;
  private boolean ended;
  private boolean closed;
  private boolean endedByError;
  private boolean released;
  private byte[] single;

  Http2ClientStream(Exchange x, Http2ClientConn cc) {
    this.x = x;
    this.cc = cc;
    this.changed = cc.lock.newCondition();
  }

  /** Thrown when a stream was refused or lies above a GOAWAY's last id: the server did not process it. */
  static final class NotProcessed extends IOException {
    private static final long serialVersionUID = 1L;

    NotProcessed(String message) {
      super(message);
    }
  }

  /** Sends the request and returns the response once its headers arrive. */
  Response roundTrip() throws IOException {
    Request req = x.req;
    boolean hasBody = req.bodyBytes() != null ? req.bodyBytes().length > 0 : req.contentLength() != 0;
    int active = cc.openStream(this, requestFields(req, hasBody), !hasBody);
    opened = true;
    Trace.clientStreamOpened(x.trace, x.id, cc.id, id, active);
    Trace.wroteHeaders(x.trace, x.id);
    long written = hasBody ? writeBody(req) : 0;
    Trace.wroteRequest(x.trace, x.id, written, null);
    x.phase = "waiting for response headers";
    Deadline d = x.deadline.orSooner("responseHeaderTimeout", x.t.responseHeaderTimeout);
    int st;
    List<HeaderField> fields;
    cc.lock.lock();
    try {
      while (status == 0) {
        if (error != null) {
          throw error;
        }
        awaitChange(d, "waiting for response headers");
      }
      st = status;
      fields = responseFields;
    } finally {
      cc.lock.unlock();
    }
    if (x.aborted()) {
      throw x.canceledException(x.phase, null);
    }
    Trace.gotFirstResponseByte(x.trace, x.id);
    Headers headers = new Headers();
    for (HeaderField f : fields) {
      if (!f.name().startsWith(":")) {
        headers.add(f.name(), f.value());
      }
    }
    String cl = headers.get("content-length");
    if (cl != null) {
      try {
        contentLength = HttpReader.parseContentLength(cl);
      } catch (ProtocolException e) {
        contentLength = -1;
      }
    }
    Trace.gotResponseHeaders(x.trace, x.id, st, contentLength);
    x.phase = "reading the response body";
    boolean headRequest = req.method().equals("HEAD");
    long length = headRequest ? contentLength : st == 204 || st == 304 ? 0 : contentLength;
    Response r = new Response(req, st, StatusText.of(st), "HTTP/2.0", headers, this, length);
    checkEnd(); // an empty body frees the stream before the caller sees the response
    Trace.responseReturned(x.trace, x.id, this);
    return r;
  }

  private List<HeaderField> requestFields(Request req, boolean hasBody) {
    List<HeaderField> fields = new ArrayList<>(8 + req.headers().size());
    Headers h = req.headers();
    String authority = h.get("Host");
    if (authority == null) {
      authority = req.uri().getRawAuthority();
      int at = authority.lastIndexOf('@'); // never send userinfo
      authority = at >= 0 ? authority.substring(at + 1) : authority;
    }
    fields.add(new HeaderField(":method", req.method()));
    fields.add(new HeaderField(":scheme", x.endpoint.https() ? "https" : "http"));
    fields.add(new HeaderField(":authority", authority));
    fields.add(new HeaderField(":path", req.target()));
    addFields(fields, h, null);
    Headers defaults = x.call.defaults();
    if (defaults != null) {
      addFields(fields, defaults, h);
    }
    if (!h.contains("User-Agent") && (defaults == null || !defaults.contains("User-Agent"))) {
      fields.add(new HeaderField("user-agent", "httpdiag/0.1"));
    }
    long length = req.bodyBytes() != null ? req.bodyBytes().length : req.contentLength();
    String m = req.method();
    if (length > 0 || (length == 0 && (m.equals("POST") || m.equals("PUT") || m.equals("PATCH")))) {
      fields.add(new HeaderField("content-length", Long.toString(length)));
    }
    return fields;
  }

  private static void addFields(List<HeaderField> out, Headers h, Headers unless) {
    for (int i = 0; i < h.size(); i++) {
      String name = h.name(i).toLowerCase(java.util.Locale.ROOT);
      if (CONNECTION_SPECIFIC.contains(name) || name.equals("content-length") || (unless != null && unless.contains(name))) {
        continue;
      }
      if (name.equals("te") && !h.value(i).equalsIgnoreCase("trailers")) {
        continue; // section 8.2.2: TE may only say "trailers"
      }
      out.add(new HeaderField(name, h.value(i), SENSITIVE.contains(name)));
    }
  }

  private long writeBody(Request req) throws IOException {
    long written = 0;
    try {
      byte[] bytes = req.bodyBytes();
      if (bytes != null) {
        cc.writeData(this, bytes, 0, bytes.length, true);
        return bytes.length;
      }
      InputStream in = req.body();
      long length = req.contentLength();
      byte[] buf = new byte[UPLOAD_CHUNK];
      while (length < 0 || written < length) {
        int n = in.read(buf, 0, (int) (length < 0 ? buf.length : Math.min(buf.length, length - written)));
        if (n < 0) {
          if (length >= 0) {
            throw new IOException("request body ended after " + written + " of " + length + " bytes (the declared length)");
          }
          break;
        }
        cc.writeData(this, buf, 0, n, length >= 0 && written + n == length);
        written += n;
      }
      if (length < 0) {
        cc.writeData(this, buf, 0, 0, true);
      }
      return written;
    } catch (StopWriting stop) {
      return written; // the server answered in full and asked for no more (section 8.1)
    } catch (IOException e) {
      Trace.wroteRequest(x.trace, x.id, written, e);
      throw e;
    } finally {
      if (req.bodyBytes() == null) {
        try {
          req.body().close();
        } catch (IOException ignored) {
          // a courtesy close; its failure is not the exchange's
        }
      }
    }
  }

  // ------------------------------------------------------------------ body

  @Override
  public int read() throws IOException {
    if (single == null) {
      single = new byte[1];
    }
    return read(single, 0, 1) < 0 ? -1 : single[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("response body closed");
    }
    if (ended) {
      if (endedByError) {
        throw new IOException("response body unreadable after an earlier error");
      }
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int n = 0;
    cc.lock.lock();
    try {
      while (buffered == 0 && !remoteEnded) {
        if (error != null) {
          throw error;
        }
        awaitChange(x.deadline, "reading the response body");
      }
      while (n < len && buffered > 0) {
        Frame.Data d = chunks.peekFirst();
        int take = Math.min(len - n, d.length() - headPos);
        System.arraycopy(d.data(), d.offset() + headPos, b, off + n, take);
        n += take;
        headPos += take;
        buffered -= take;
        if (headPos == d.length()) {
          chunks.pollFirst();
          headPos = 0;
        }
      }
    } catch (IOException e) {
      cc.lock.unlock();
      throw failRead(e);
    }
    cc.lock.unlock();
    cc.consumed(this, n);
    bytesRead += n;
    checkEnd();
    return n == 0 ? -1 : n;
  }

  @Override
  public int available() {
    if (closed || ended) {
      return 0;
    }
    cc.lock.lock();
    try {
      return buffered;
    } finally {
      cc.lock.unlock();
    }
  }

  /**
   * Closes the body. Before its end the stream is reset (RST_STREAM CANCEL) and the connection
   * goes on serving other streams; the window the unread bytes held is given back. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ended) {
      return;
    }
    boolean drained;
    cc.lock.lock();
    try {
      drained = remoteEnded && buffered == 0;
      discarding = true;
    } finally {
      cc.lock.unlock();
    }
    if (!drained) {
      sendReset(ErrorCode.CANCEL);
    }
    end("close", drained, false);
  }

  /** Frees the stream as soon as the body's last byte is consumed, before the caller sees -1. */
  private void checkEnd() {
    boolean done;
    cc.lock.lock();
    try {
      done = !ended && remoteEnded && buffered == 0;
    } finally {
      cc.lock.unlock();
    }
    if (done) {
      end("eof", true, false);
    }
  }

  private IOException failRead(IOException e) {
    IOException f = x.aborted() && !(e instanceof RequestCanceledException) ? x.canceledException("reading the response body", e) : e;
    if (f instanceof HttpTimeoutException) {
      Trace.timeout(x.trace, x.id, ((HttpTimeoutException) f).kind());
    } else if (f instanceof RequestCanceledException) {
      Trace.canceled(x.trace, x.id, "reading the response body");
    }
    sendReset(ErrorCode.CANCEL); // a timeout or cancellation ends the stream, not the connection
    end("error", false, true);
    return f;
  }

  private void end(String closedBy, boolean drained, boolean byError) {
    ended = true;
    endedByError = byError;
    Trace.bodyEnd(x.trace, x.id, cc.id, bytesRead, contentLength, drained, closedBy);
    x.finish();
    release();
  }

  // ------------------------------------------------------------------ exchange failures, cancellation

  /**
   * The exchange failed before its response was returned: resets the stream if it is still open
   * and frees its slot. {@code failure} is what the caller will see.
   */
  void abandon() {
    if (opened) {
      sendReset(ErrorCode.CANCEL);
    }
    release();
  }

  /** Cancellation from any thread: wakes the exchange's thread and resets the stream at once. */
  void cancel() {
    cc.lock.lock();
    try {
      canceled = true;
      changed.signalAll();
    } finally {
      cc.lock.unlock();
    }
    if (opened) {
      sendReset(ErrorCode.CANCEL);
    }
  }

  private void release() {
    if (released) {
      return;
    }
    released = true;
    cc.forget(this);
    boolean gone;
    cc.lock.lock();
    try {
      gone = connGone;
    } finally {
      cc.lock.unlock();
    }
    x.t.pool.h2StreamDone(cc, x.trace, x.id, gone || !cc.isOpen() ? "error" : "ok");
  }

  /** Sends RST_STREAM once, unless the stream already ended on both sides or the server reset it. */
  private void sendReset(ErrorCode code) {
    cc.lock.lock();
    try {
      if (resetDone || connGone || id == 0 || remoteEnded) {
        return;
      }
      resetDone = true;
    } finally {
      cc.lock.unlock();
    }
    cc.resetStream(this, code);
    Trace.clientStreamReset(x.trace, x.id, cc.id, id, code.name(), true);
  }

  // ------------------------------------------------------------------ from the connection, under cc.lock

  /** Fails a write or wait on this stream when it can no longer go on. Caller holds cc.lock. */
  void checkWritable() throws IOException {
    if (canceled) {
      throw x.canceledException(x.phase, null);
    }
    if (error != null) {
      throw error;
    }
    if (stopWriting || (remoteEnded && status != 0)) {
      throw new StopWriting();
    }
  }

  /** Waits for a change on the connection, bounded by {@code d}. Caller holds cc.lock. */
  void awaitChange(Deadline d, String what) throws IOException {
    if (canceled) {
      throw x.canceledException(what, null);
    }
    try {
      if (!d.isSet()) {
        changed.await();
        return;
      }
      long left = d.remainingNanos();
      if (left <= 0) {
        throw d.expired(what + " on stream " + id + " of " + cc);
      }
      changed.awaitNanos(left);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted " + what);
    }
  }

  void awaitChange(String what) throws IOException {
    awaitChange(x.deadline, what);
  }

  /** A DATA frame arrived (caller holds cc.lock); false when the body is no longer wanted. */
  boolean offer(Frame.Data d) {
    if (d.endStream()) {
      remoteEnded = true;
    }
    if (discarding || error != null) {
      return false;
    }
    if (d.length() > 0) {
      chunks.addLast(d);
      buffered += d.length();
    }
    return true;
  }

  /** Drops the unread body (caller holds cc.lock); returns the bytes dropped, to give back to the connection. */
  int discardBuffered() {
    int n = buffered;
    chunks.clear();
    headPos = 0;
    buffered = 0;
    discarding = true;
    return n;
  }

  /** Response HEADERS (or trailers) arrived; returns a problem that makes the stream malformed, or null. */
  String onHeaders(List<HeaderField> fields, boolean endStream) {
    cc.lock.lock();
    try {
      if (status != 0) { // trailers (section 8.1): not exposed, but they end the stream
        if (!endStream) {
          return "trailers without END_STREAM";
        }
        remoteEnded = true;
        changed.signalAll();
        return null;
      }
      String value = fields.isEmpty() || !fields.get(0).name().equals(":status") ? null : fields.get(0).value();
      int st;
      try {
        st = value == null || value.length() != 3 ? -1 : Integer.parseInt(value);
      } catch (NumberFormatException e) {
        st = -1;
      }
      if (st < 100 || st > 999) {
        return "response without a valid :status";
      }
      if (st < 200) {
        return endStream ? "1xx response with END_STREAM" : null; // interim responses are skipped
      }
      status = st;
      responseFields = fields;
      remoteEnded = endStream;
      changed.signalAll();
      return null;
    } finally {
      cc.lock.unlock();
    }
  }

  /** The server reset the stream. REFUSED_STREAM means it was not processed (section 8.7): retryable. */
  void resetByServer(String code, boolean refused) {
    cc.lock.lock();
    try {
      resetDone = true;
      if (code.equals("NO_ERROR") && remoteEnded) {
        // Section 8.1: the response is complete and the server wants no more of the request. Not
        // a failure of the exchange, so not traced as a reset.
        stopWriting = true;
        changed.signalAll();
        return;
      } else if (error == null) {
        error = refused ? new NotProcessed("http2: stream " + id + " refused by the server (REFUSED_STREAM)")
            : new IOException("http2: stream " + id + " reset by the server (" + code + ")");
      }
      changed.signalAll();
    } finally {
      cc.lock.unlock();
    }
    Trace.clientStreamReset(x.trace, x.id, cc.id, id, code, false);
  }

  /** The stream can go on no longer: {@code connectionGone} when the whole connection went. Any thread. */
  void fail(IOException e, boolean connectionGone) {
    cc.lock.lock();
    try {
      if (error == null) {
        error = e;
      }
      connGone |= connectionGone;
      if (e instanceof NotProcessed) {
        resetDone = true; // nothing to reset: the server ignores it
      }
      changed.signalAll();
    } finally {
      cc.lock.unlock();
    }
  }

  /** Ends the request body's upload quietly. */
  private static final class StopWriting extends IOException {
    private static final long serialVersionUID = 1L;

    StopWriting() {
      super("the server ended the stream");
    }
  }
}
