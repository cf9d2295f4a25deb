package io.httpdiag.http;

import io.httpdiag.http.internal.DateCache;
import io.httpdiag.http.internal.HttpReader;
import io.httpdiag.http.internal.ProtocolException;
import io.httpdiag.http.internal.Trace;
import io.httpdiag.http.internal.http2.ErrorCode;
import io.httpdiag.http.internal.http2.Frame;
import io.httpdiag.http.internal.http2.HeaderField;
import io.httpdiag.http.internal.http2.Http2;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One HTTP/2 stream on the server: the request it carries (RFC 9113 section 8.3.1), its body as
 * an {@link InputStream} fed by the connection's reading thread, and the {@link ResponseWriter}
 * its handler writes to. Window fields are guarded by the connection's lock; the body buffer by
 * this stream's monitor; the response writer is confined to the handler's thread.
 */
final class Http2Stream {
  private static final System.Logger log = System.getLogger(Server.class.getName());
  /** Connection-specific fields, malformed in HTTP/2 (section 8.2.2); never sent either. */
  private static final Set<String> CONNECTION_SPECIFIC =
      Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade");
  private static final int RESPONSE_BUFFER = 8192;

  final int id;
  /** The exchange this stream carries, for traces; 0 until its HEADERS made it one. Set by the reading thread. */
  volatile long exchangeId;
  private final Http2ServerConn conn;
  final Body body = new Body();
  int sendWindow; // guarded by conn.lock
  int recvWindow = Http2.DEFAULT_INITIAL_WINDOW_SIZE; // guarded by conn.lock
  int recvUnacked; // guarded by conn.lock
  volatile boolean remoteClosed; // set by the reading thread: the client ended its side
  boolean localClosed; // guarded by conn.lock: our END_STREAM went out
  volatile String canceledReason;
  boolean overflowed; // reading thread only
  private long declaredLength = -1; // reading thread only, after request()
  private volatile long received; // written by the reading thread only; read at the exchange's end
  private volatile boolean handlerRunning;
  /** The stream's writeTimeout, canceled when it is done; null without one. */
  volatile java.util.concurrent.ScheduledFuture<?> writeDeadline;
  private volatile Request request;

  Http2Stream(Http2ServerConn conn, int id) {
    this.conn = conn;
    this.id = id;
  }

  /** The request of a decoded header list, or null when it is malformed (section 8.1.1). */
  Request request(List<HeaderField> fields, String remote, Socket socket) {
    String method = null;
    String scheme = null;
    String path = null;
    String authority = null;
    Headers headers = new Headers();
    StringBuilder cookie = null;
    boolean regular = false;
    for (HeaderField f : fields) {
      String name = f.name();
      String value = f.value();
      if (!validValue(value)) {
        return null;
      }
      if (name.startsWith(":")) {
        if (regular) {
          return null; // pseudo-header after a regular field (section 8.3)
        }
        switch (name) {
          case ":method":
            if (method != null) return null;
            method = value;
            break;
          case ":scheme":
            if (scheme != null) return null;
            scheme = value;
            break;
          case ":path":
            if (path != null) return null;
            path = value;
            break;
          case ":authority":
            if (authority != null) return null;
            authority = value;
            break;
          default:
            return null; // unknown or response pseudo-header
        }
        continue;
      }
      regular = true;
      if (!validName(name) || CONNECTION_SPECIFIC.contains(name) || (name.equals("te") && !value.equals("trailers"))) {
        return null;
      }
      if (name.equals("cookie")) { // section 8.2.3: crumbs are joined for HTTP/1.1 semantics
        cookie = cookie == null ? new StringBuilder(value) : cookie.append("; ").append(value);
        continue;
      }
      headers.add(name, value);
    }
    // CONNECT (no :scheme or :path) is not supported: it is refused as malformed.
    if (method == null || scheme == null || path == null || path.isEmpty() || method.isEmpty()) {
      return null;
    }
    if (cookie != null) {
      headers.add("cookie", cookie.toString());
    }
    String contentLength = headers.get("content-length");
    if (contentLength != null) {
      try {
        declaredLength = HttpReader.parseContentLength(contentLength);
      } catch (ProtocolException e) {
        return null;
      }
      if (remoteClosed && declaredLength != 0) {
        return null; // END_STREAM on HEADERS: the body is empty (section 8.1.1)
      }
    }
    String host = authority != null ? authority : headers.get("host");
    if (host == null || host.isEmpty()) {
      host = socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
    }
    URI uri;
    try {
      uri = path.equals("*") ? new URI(scheme, host, "*", null, null)
          : new URI(scheme + "://" + host + ServerConn.escapeLenient(path));
    } catch (URISyntaxException | IllegalArgumentException e) {
      return null;
    }
    Request r = Request.forServer(method, uri, path, "HTTP/2.0", headers, body,
        remoteClosed ? 0 : declaredLength, remote);
    this.request = r;
    return r;
  }

  /**
   * Takes one DATA frame's body (the reading thread). False when it breaks the stream's window or
   * its declared content-length: the caller resets the stream.
   */
  boolean receive(Frame.Data d) {
    int n = d.flowControlledLength();
    conn.lock.lock();
    try {
      if (n > recvWindow) {
        overflowed = true;
        return false;
      }
      recvWindow -= n;
    } finally {
      conn.lock.unlock();
    }
    received += d.length();
    if (declaredLength >= 0 && (received > declaredLength || (d.endStream() && received != declaredLength))) {
      return false; // section 8.1.1: content-length must match the DATA
    }
    if (n > d.length()) {
      conn.returnStreamWindow(this, n - d.length()); // padding is never read by the handler
    }
    body.offer(d.data(), d.offset(), d.length());
    if (d.endStream()) {
      remoteClosed = true;
      body.end();
    }
    return true;
  }

  /**
   * The client reset the stream or the connection went: traced as the request canceled (while the
   * handler runs, once), then {@link #canceled}. Any thread.
   */
  void canceledByPeer(String reason) {
    if (handlerRunning && canceledReason == null) {
      Trace.serverRequestCanceled(conn.server.trace, exchangeId);
    }
    canceled(reason);
  }

  /** The client reset the stream, the server did, or the connection went. Any thread. */
  void canceled(String reason) {
    if (canceledReason == null) {
      canceledReason = reason;
    }
    body.fail(reason);
    Request r = request;
    if (r != null) {
      r.cancel();
    }
  }

  /** Runs the handler on this (the stream's own) thread and completes the response. */
  void run(Request request) {
    Response w = new Response(request.method().equals("HEAD"));
    Throwable failure = null;
    Object trace = conn.server.trace;
    Trace.handlerStart(trace, exchangeId);
    handlerRunning = true;
    try {
      conn.server.handler.serveHttp(w, request);
    } catch (Throwable t) {
      failure = t;
    }
    handlerRunning = false;
    Trace.handlerEnd(trace, exchangeId, failure);
    int statusSent = 0;
    try {
      if (failure != null) {
        if (!(failure instanceof BuiltinMiddleware.HandlerAbortedException)) {
          log.log(System.Logger.Level.ERROR, "handler failed for " + request.method() + " "
              + ServerConn.redactedTarget(request.target()), failure);
        }
        if (w.onWire) {
          conn.resetStream(id, ErrorCode.INTERNAL_ERROR);
        } else {
          Response error = new Response(false);
          error.headers.set("content-type", "text/plain; charset=utf-8");
          error.writeHeader(500);
          error.write("500 Internal Server Error\n");
          error.finish();
          w = error;
        }
      } else {
        w.finish();
      }
      statusSent = w.onWire ? w.status : 0;
      if (!remoteClosed && canceledReason == null) {
        conn.resetStream(id, ErrorCode.NO_ERROR); // section 8.1: the response is complete, stop sending
      }
    } catch (IOException | RuntimeException e) {
      log.log(System.Logger.Level.DEBUG, "stream {0}: response not completed: {1}", id, e.toString());
    } finally {
      Trace.serverExchangeEnd(trace, conn.connId, exchangeId, statusSent != 0 ? statusSent : w.committedStatus,
          received, w.written, conn.open());
      conn.streamDone(this, true);
    }
  }

  /** Answers without a handler (header list too large) and ends the stream. */
  void respondAndEnd(int status, String text) {
    Response w = new Response(false);
    try {
      w.headers.set("content-type", "text/plain; charset=utf-8");
      w.writeHeader(status);
      w.write(text);
      w.finish();
      if (!remoteClosed) {
        conn.resetStream(id, ErrorCode.NO_ERROR);
      }
    } catch (IOException e) {
      log.log(System.Logger.Level.DEBUG, "stream {0}: {1} not sent: {2}", id, status, e.toString());
    } finally {
      Trace.serverExchangeEnd(conn.server.trace, conn.connId, exchangeId, w.committedStatus, received, w.written,
          conn.open());
      conn.streamDone(this, false);
    }
  }

  private static boolean validName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= 0x20 || c >= 0x7f || (c >= 'A' && c <= 'Z') || c == ':') {
        return false; // section 8.2.1: lowercase, visible, no colon outside pseudo-headers
      }
    }
    return true;
  }

  private static boolean validValue(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == 0 || c == '\r' || c == '\n') {
        return false;
      }
    }
    int last = value.length() - 1;
    return last < 0 || (value.charAt(0) != ' ' && value.charAt(0) != '\t' && value.charAt(last) != ' '
        && value.charAt(last) != '\t');
  }

  /**
   * The request body: bytes of DATA frames, buffered here (at most the stream window) until the
   * handler reads them; each read gives the window back to the client.
   */
  final class Body extends InputStream {
    private byte[] buf = new byte[0]; // guarded by this
    private int start; // guarded by this
    private int end; // guarded by this
    private boolean eof; // guarded by this
    private String failure; // guarded by this

    synchronized void offer(byte[] b, int off, int len) {
      if (len == 0) {
        return;
      }
      if (end + len > buf.length) {
        int live = end - start;
        byte[] target = live + len > buf.length ? new byte[Math.max(live + len, Math.min(buf.length * 2 + 1024,
            Http2.DEFAULT_INITIAL_WINDOW_SIZE))] : buf;
        System.arraycopy(buf, start, target, 0, live);
        buf = target;
        start = 0;
        end = live;
      }
      System.arraycopy(b, off, buf, end, len);
      end += len;
      notifyAll();
    }

    synchronized void end() {
      eof = true;
      notifyAll();
    }

    synchronized void fail(String reason) {
      if (!eof) {
        failure = reason;
      }
      notifyAll();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      int n;
      synchronized (this) {
        while (start == end && !eof && failure == null) {
          try {
            wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the request body");
          }
        }
        if (start == end) {
          if (failure != null && !eof) {
            throw new IOException("http2: request body: " + failure);
          }
          return -1;
        }
        n = Math.min(len, end - start);
        System.arraycopy(buf, start, b, off, n);
        start += n;
      }
      conn.returnStreamWindow(Http2Stream.this, n);
      return n;
    }

    @Override
    public synchronized int available() {
      return end - start;
    }

    @Override
    public void close() {
      // Like HTTP/1.1: the server deals with what is left after the handler.
    }
  }

  /**
   * The handler's {@link ResponseWriter}. Body bytes are buffered (8 KiB) so that a small
   * response leaves as HEADERS with a content-length and one DATA frame carrying END_STREAM; past
   * the buffer or on {@link #flush()} the HEADERS go out and DATA streams within the flow-control
   * windows. Confined to the handler's thread.
   */
  final class Response implements ResponseWriter {
    final Headers headers = new Headers();
    private final boolean headRequest;
    private final byte[] buffer = new byte[RESPONSE_BUFFER];
    int buffered;
    int status;
    boolean onWire;
    /** The final status whose HEADERS went out (traced as committed), 0 before. */
    int committedStatus;
    long written;
    private long declared = -1;
    private OutputStream bodyStream;

    Response(boolean headRequest) {
      this.headRequest = headRequest;
    }

    @Override
    public Headers headers() {
      return headers;
    }

    @Override
    public void writeHeader(int code) throws IOException {
      if (code < 100 || code > 999) {
        throw new IllegalArgumentException("invalid status code " + code);
      }
      if (status != 0) {
        log.log(System.Logger.Level.WARNING, "superfluous writeHeader({0}) after status {1}", code, status);
        return;
      }
      if (code < 200) {
        if (code != 101) { // 101 has no meaning in HTTP/2 (section 8.6); other 1xx are sent at once
          conn.writeHeaders(Http2Stream.this, fields(code, -1), false, true);
        }
        return;
      }
      status = code;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (status == 0) {
        status = 200;
      }
      if (!bodyAllowed(status)) {
        throw new IOException("http: request method or response status code does not allow body (status " + status + ")");
      }
      if (declared < 0 && !onWire) {
        declared = declaredLength();
      }
      if (declared >= 0 && written + len > declared) {
        throw new IOException("http: wrote more than the declared Content-Length");
      }
      written += len;
      if (headRequest || len == 0) {
        return;
      }
      if (!onWire && buffered + len <= buffer.length) {
        System.arraycopy(b, off, buffer, buffered, len);
        buffered += len;
        return;
      }
      commit();
      conn.writeData(Http2Stream.this, b, off, len, false, false);
    }

    @Override
    public void flush() throws IOException {
      if (status == 0) {
        status = 200;
      }
      commit();
      conn.flush();
    }

    @Override
    public OutputStream body() {
      if (bodyStream == null) {
        bodyStream = new ResponseWriterStream(this);
      }
      return bodyStream;
    }

    @Override
    public boolean committed() {
      return status != 0;
    }

    @Override
    public int status() {
      return status;
    }

    /** Ends the response after the handler returned: whatever is buffered, then END_STREAM. */
    void finish() throws IOException {
      if (status == 0) {
        status = 200;
      }
      if (!onWire) {
        long length = declaredLength();
        boolean noBody = headRequest || buffered == 0;
        conn.writeHeaders(Http2Stream.this, fields(status, length >= 0 || !bodyAllowed(status) ? length : written),
            noBody, noBody);
        onWire = true;
        traceCommitted();
        if (!noBody) {
          conn.writeData(Http2Stream.this, buffer, 0, buffered, true, true);
        }
      } else {
        conn.writeData(Http2Stream.this, buffer, 0, buffered, true, true);
      }
      buffered = 0;
      if (declared >= 0 && written < declared && !headRequest) {
        conn.resetStream(id, ErrorCode.INTERNAL_ERROR); // Go: a short body is an error the client must see
      }
    }

    /** Sends HEADERS (without END_STREAM) and the buffered body, if not done yet. */
    private void commit() throws IOException {
      if (onWire) {
        return;
      }
      onWire = true;
      conn.writeHeaders(Http2Stream.this, fields(status, declaredLength()), false, false);
      traceCommitted();
      if (buffered > 0) {
        conn.writeData(Http2Stream.this, buffer, 0, buffered, false, false);
        buffered = 0;
      }
    }

    private void traceCommitted() {
      committedStatus = status;
      Trace.responseCommitted(conn.server.trace, exchangeId, status);
    }

    private long declaredLength() {
      String v = headers.get("Content-Length");
      if (v == null) {
        return -1;
      }
      try {
        return HttpReader.parseContentLength(v);
      } catch (ProtocolException e) {
        return -1;
      }
    }

    /** The response field list: {@code :status}, the handler's headers lowercased, date, content-length. */
    private List<HeaderField> fields(int code, long contentLength) {
      List<HeaderField> fields = new ArrayList<>(headers.size() + 3);
      fields.add(new HeaderField(":status", Integer.toString(code)));
      boolean hasDate = false;
      for (int i = 0; i < headers.size(); i++) {
        String name = headers.name(i).toLowerCase(Locale.ROOT);
        if (CONNECTION_SPECIFIC.contains(name) || name.equals("content-length")) {
          continue;
        }
        hasDate |= name.equals("date");
        fields.add(new HeaderField(name, headers.value(i)));
      }
      if (!hasDate) {
        byte[] line = DateCache.headerLine(); // "Date: ...\r\n"
        fields.add(new HeaderField("date", new String(line, 6, line.length - 8, StandardCharsets.ISO_8859_1)));
      }
      if (contentLength >= 0 && bodyAllowed(code) && code >= 200) {
        fields.add(new HeaderField("content-length", Long.toString(contentLength)));
      }
      return fields;
    }
  }

  private static boolean bodyAllowed(int status) {
    return status >= 200 && status != 204 && status != 304;
  }

  @Override
  public String toString() {
    return "stream " + id + Arrays.asList(remoteClosed ? "remoteClosed" : "", localClosed ? "localClosed" : "");
  }
}
