package io.httpdiag.http;

import io.httpdiag.http.internal.BodyInputStream;
import io.httpdiag.http.internal.ChunkedOutputStream;
import io.httpdiag.http.internal.Head;
import io.httpdiag.http.internal.Threads;
import io.httpdiag.http.internal.Trace;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One attempt at one request on one connection (one tracepoint exchange id): get a connection,
 * write the request, read the response head, hand the body to a {@link ClientBody}. Runs on the
 * caller's thread; {@link #abort()} may be called from any thread (cancellation).
 */
final class Exchange {
  /** Request bodies up to this size go out in the same write as the head. */
  private static final int COALESCE_BODY_BYTES = 16 * 1024;

  final Transport t;
  final Request req;
  final Request cancelOn;
  final Headers defaults;
  final ClientTrace trace;
  final long deadline; // System.nanoTime(); 0 = none
  final String kind;
  final long budget;
  final String key;
  final String host;
  final int port;
  final boolean https;
  final long id;
  private PersistConn conn; // guarded by this
  private Socket dialing; // guarded by this
  private boolean aborted; // guarded by this
  private boolean finished; // guarded by this
  private boolean gotFirstByte;
  private boolean wroteWholeBody;
  private String phase = "getting a connection";
  private final Runnable onCancel = this::abort;
  private byte[] wbuf; // the connection's write buffer while encoding
  private int wpos;

  Exchange(Transport t, Request req, Request cancelOn, Headers defaults, ClientTrace trace, long deadline, String kind,
      long budget, String key, String host, int port, boolean https) {
    this.t = t;
    this.req = req;
    this.cancelOn = cancelOn;
    this.defaults = defaults;
    this.trace = trace;
    this.deadline = deadline;
    this.kind = kind;
    this.budget = budget;
    this.key = key;
    this.host = host;
    this.port = port;
    this.https = https;
    this.id = Trace.newExchangeId();
  }

  /** Runs the exchange; returns the response, or null when the caller should retry on a new exchange. */
  Response run(String hostPort) throws IOException {
    Trace.clientExchangeStart(trace, id, req.method(), req.uri().toString(),
        deadline == 0 ? 0 : Math.max(1, deadline - System.nanoTime()));
    cancelOn.onCancel(onCancel);
    PersistConn pc = null;
    try {
      pc = t.getConn(this, hostPort);
      synchronized (this) {
        conn = pc;
        dialing = null;
        if (aborted) {
          throw canceledException(phase, null);
        }
      }
      return roundTrip(pc);
    } catch (IOException | RuntimeException e) {
      boolean canceled = aborted();
      Exception failure = canceled && !(e instanceof HttpTimeoutException) && !isCanceledException(e)
          ? canceledException(phase, e) : e;
      if (failure instanceof HttpTimeoutException) {
        Trace.timeout(trace, id, ((HttpTimeoutException) failure).kind());
      }
      if (canceled) {
        Trace.canceled(trace, id, phase);
      }
      // Go's shouldRetryRequest: a reused connection that died before any response byte.
      boolean retry = pc != null && pc.requests > 1 && !gotFirstByte && !canceled
          && failure instanceof IOException && !(failure instanceof HttpTimeoutException) && replayable();
      if (pc != null) {
        t.discard(pc, canceled ? "canceled" : failure instanceof HttpTimeoutException ? "timeout" : "error", trace, id);
      }
      finish();
      Trace.exchangeFailed(trace, id, failure);
      if (retry) {
        return null;
      }
      if (failure instanceof IOException) {
        throw (IOException) failure;
      }
      throw (RuntimeException) failure;
    }
  }

  private Response roundTrip(PersistConn pc) throws IOException {
    phase = "writing the request";
    boolean expectContinue = hasBody() && t.expectContinueTimeout > 0
        && req.headers().containsToken("Expect", "100-continue");
    Head head;
    if (expectContinue) {
      head = writeExpectingContinue(pc);
    } else {
      writeRequest(pc, true);
      head = null;
    }
    phase = "waiting for response headers";
    if (head == null || head.status == 100) {
      head = readFinalHead(pc, head != null);
    }
    if (aborted()) {
      // Canceled while the head was on its way: the read can still complete from what had arrived
      // (a virtual thread's socket close takes effect when the reader next parks), and the server may
      // even have answered the disconnect. The caller canceled first: it gets the cancellation.
      throw canceledException(phase, null);
    }
    Trace.gotResponseHeaders(trace, id, head.status, head.chunked ? -1 : head.contentLength);
    phase = "reading the response body";
    boolean headRequest = req.method().equals("HEAD");
    boolean noBody = headRequest || head.status < 200 || head.status == 204 || head.status == 304;
    BodyInputStream body = BodyInputStream.forHead(pc.reader, head, noBody, false, t.maxResponseHeaderBytes);
    String notReusable = t.disableKeepAlives ? "keepAlivesDisabled"
        : !head.keepAlive() || req.headers().containsToken("Connection", "close") || body.untilClose()
            || !wroteWholeBody || head.status == 101 ? "connectionClose" : null; // 101: no longer HTTP/1.1
    pc.setReadDeadline(deadline, kind, budget, "reading the response body");
    ClientBody cb = new ClientBody(this, pc, body, notReusable);
    // Go's Response.ContentLength: a HEAD response reports the field (the size a GET would get);
    // other body-less responses 0, whatever their framing fields say.
    long length = headRequest ? head.contentLength : noBody ? 0 : head.chunked ? -1 : head.contentLength;
    Response r = new Response(req, head.status, head.reason, head.protocol(), head.headers, cb, length);
    cb.checkEnd(); // an empty body gives the connection back before the caller sees the response
    Trace.responseReturned(trace, id, cb);
    return r;
  }

  /** Reads heads until a final (non-1xx) one. */
  private Head readFinalHead(PersistConn pc, boolean firstByteSeen) throws IOException {
    armHeaderDeadline(pc);
    if (!firstByteSeen) {
      awaitFirstByte(pc);
    }
    for (int interim = 0; ; interim++) {
      Head head = pc.reader.readResponseHead(t.maxResponseHeaderBytes);
      if (head.status >= 200 || head.status == 101) {
        return head;
      }
      if (interim >= 5) {
        throw new IOException("too many 1xx responses (more than 5) from " + pc.address);
      }
    }
  }

  private void awaitFirstByte(PersistConn pc) throws IOException {
    if (!pc.reader.awaitByte()) {
      throw new EOFException("server closed the connection before any response byte" + reusedNote(pc));
    }
    gotFirstByte = true;
    Trace.gotFirstResponseByte(trace, id);
  }

  private void armHeaderDeadline(PersistConn pc) {
    long rht = t.responseHeaderTimeout;
    if (rht > 0) {
      long d = System.nanoTime() + rht;
      if (deadline == 0 || d - deadline < 0) {
        pc.setReadDeadline(d, "responseHeaderTimeout", rht, "waiting for response headers");
        return;
      }
    }
    pc.setReadDeadline(deadline, kind, budget, "waiting for response headers");
  }

  /** RFC 9110 section 10.1.1: send the head, wait for 100 (or a final status) before the body. */
  private Head writeExpectingContinue(PersistConn pc) throws IOException {
    writeRequest(pc, false);
    Trace.wait100Continue(trace, id);
    long d = System.nanoTime() + t.expectContinueTimeout;
    if (deadline != 0 && deadline - d < 0) {
      pc.setReadDeadline(deadline, kind, budget, "waiting for 100 Continue");
    } else {
      pc.setReadDeadline(d, "expectContinueTimeout", t.expectContinueTimeout, "waiting for 100 Continue");
    }
    try {
      awaitFirstByte(pc);
    } catch (HttpTimeoutException e) {
      if (!e.kind().equals("expectContinueTimeout")) {
        throw e;
      }
      Trace.timeout(trace, id, "expectContinueTimeout"); // Go sends the body anyway
      writeBody(pc);
      return null;
    }
    armHeaderDeadline(pc);
    Head head = pc.reader.readResponseHead(t.maxResponseHeaderBytes);
    if (head.status == 100) {
      Trace.got100Continue(trace, id);
      writeBody(pc);
      return head;
    }
    if (head.status > 100 && head.status < 200) {
      writeBody(pc); // another interim response: proceed as if continued
      return readFinalHead(pc, true);
    }
    // A final status instead of 100: the body is not sent and the connection cannot carry another request.
    Trace.wroteRequest(trace, id, 0, null);
    closeStreamBody();
    return head;
  }

  // ---------------------------------------------------------------- writing

  /** Writes the head and, when {@code withBody}, the body; small bodies go in the head's write. */
  private void writeRequest(PersistConn pc, boolean withBody) throws IOException {
    byte[] bytes = req.bodyBytes();
    long length = bytes != null ? bytes.length : req.contentLength();
    int n = encodeHead(pc, length);
    boolean coalesce = withBody && bytes != null && bytes.length <= COALESCE_BODY_BYTES;
    if (coalesce) {
      ensure(bytes.length);
      System.arraycopy(bytes, 0, wbuf, n, bytes.length);
      n += bytes.length;
      pc.wbuf = wbuf;
    }
    try {
      pc.out.write(pc.wbuf, 0, n);
      if (!withBody) {
        pc.out.flush();
      }
    } catch (IOException e) {
      IOException w = writeFailed(pc, e);
      Trace.wroteRequest(trace, id, 0, w);
      throw w;
    }
    Trace.wroteHeaders(trace, id);
    if (coalesce) {
      wroteWholeBody = true;
      Trace.wroteRequest(trace, id, bytes.length, null);
    } else if (withBody) {
      writeBody(pc);
    }
  }

  private void writeBody(PersistConn pc) throws IOException {
    byte[] bytes = req.bodyBytes();
    long written = 0;
    // Socket timeouts do not cover writes: a server that stops reading would block us past the
    // deadline, so a timer closes the connection then (Go's write deadline via the conn's timer).
    ScheduledFuture<?> timer = null;
    AtomicBoolean fired = new AtomicBoolean();
    if (deadline != 0) {
      timer = Threads.timer().schedule(() -> {
        fired.set(true);
        pc.close();
      }, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
    try {
      if (bytes != null) {
        pc.out.write(bytes);
        written = bytes.length;
      } else if (hasBody()) {
        written = copyStreamBody(pc.out);
      }
      pc.out.flush();
    } catch (IOException e) {
      IOException w = timer != null && !timer.cancel(false) && fired.get()
          ? new HttpTimeoutException(kind, kind + " (" + Transport.format(budget) + ") elapsed writing the request body")
          : writeFailed(pc, e);
      Trace.wroteRequest(trace, id, written, w);
      throw w;
    } finally {
      if (timer != null) {
        timer.cancel(false);
      }
      closeStreamBody();
    }
    wroteWholeBody = true;
    Trace.wroteRequest(trace, id, written, null);
  }

  private static IOException writeFailed(PersistConn pc, IOException e) {
    if (e instanceof HttpTimeoutException) {
      return e;
    }
    return new IOException("writing the request to " + pc.address + " failed" + reusedNote(pc) + ": " + e.getMessage(), e);
  }

  private static String reusedNote(PersistConn pc) {
    return pc.requests > 1 ? " (a reused connection, request " + pc.requests + " on it)" : "";
  }

  private long copyStreamBody(OutputStream socketOut) throws IOException {
    InputStream in = req.body();
    long length = req.contentLength();
    byte[] buf = new byte[8192];
    long total = 0;
    if (length < 0) {
      BufferedOutputStream bout = new BufferedOutputStream(socketOut, 8192 + 16);
      ChunkedOutputStream chunked = new ChunkedOutputStream(bout);
      int n;
      while ((n = in.read(buf)) > 0) {
        chunked.write(buf, 0, n);
        total += n;
      }
      chunked.close();
      return total;
    }
    while (total < length) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, length - total));
      if (n < 0) {
        throw new IOException("request body ended after " + total + " of " + length + " bytes (the declared length)");
      }
      socketOut.write(buf, 0, n);
      total += n;
    }
    return total;
  }

  private void closeStreamBody() {
    if (req.bodyBytes() == null) {
      try {
        req.body().close();
      } catch (IOException ignored) {
        // the transport closes a stream body as a courtesy; its failure is not the exchange's
      }
    }
  }

  /** Encodes the request line and header section into {@code pc.wbuf}; returns the length. */
  private int encodeHead(PersistConn pc, long length) {
    wbuf = pc.wbuf;
    wpos = 0;
    put(req.method());
    put(" ");
    put(req.target());
    put(" HTTP/1.1\r\n");
    Headers h = req.headers();
    if (!h.contains("Host")) {
      String authority = req.uri().getRawAuthority();
      int at = authority.lastIndexOf('@'); // never send userinfo in Host
      field("Host", at >= 0 ? authority.substring(at + 1) : authority);
    }
    for (int i = 0; i < h.size(); i++) {
      String name = h.name(i);
      if (!name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Transfer-Encoding")) {
        field(name, h.value(i)); // the transport frames the body itself
      }
    }
    if (defaults != null) {
      for (int i = 0; i < defaults.size(); i++) {
        if (!h.contains(defaults.name(i))) {
          field(defaults.name(i), defaults.value(i));
        }
      }
    }
    if (!h.contains("User-Agent") && (defaults == null || !defaults.contains("User-Agent"))) {
      put("User-Agent: httpdiag/0.1\r\n");
    }
    if (length > 0 || (length == 0 && permitsBody())) {
      field("Content-Length", Long.toString(length));
    } else if (length < 0) {
      put("Transfer-Encoding: chunked\r\n");
    }
    if (t.disableKeepAlives && !h.contains("Connection")) {
      put("Connection: close\r\n");
    }
    put("\r\n");
    pc.wbuf = wbuf;
    return wpos;
  }

  private void field(String name, String value) {
    put(name);
    put(": ");
    put(value);
    put("\r\n");
  }

  /** Appends {@code s} as ISO-8859-1 (values were checked to be Latin-1 without CR/LF). */
  private void put(String s) {
    int len = s.length();
    ensure(len);
    byte[] b = wbuf;
    int n = wpos;
    for (int i = 0; i < len; i++) {
      b[n + i] = (byte) s.charAt(i);
    }
    wpos = n + len;
  }

  private void ensure(int more) {
    if (wpos + more > wbuf.length) {
      wbuf = Arrays.copyOf(wbuf, Math.max(wbuf.length * 2, wpos + more));
    }
  }

  /** Rejects names and values that would break the framing (CR, LF, NUL) before anything is sent. */
  static void checkHeaders(Headers h) {
    for (int i = 0; i < h.size(); i++) {
      String name = h.name(i);
      if (name.isEmpty()) {
        throw new IllegalArgumentException("empty header name");
      }
      for (int j = 0; j < name.length(); j++) {
        char c = name.charAt(j);
        if (c <= ' ' || c >= 0x7f || c == ':') {
          throw new IllegalArgumentException("invalid header name: \"" + name + "\"");
        }
      }
      String value = h.value(i);
      for (int j = 0; j < value.length(); j++) {
        char c = value.charAt(j);
        if ((c < ' ' && c != '\t') || c == 0x7f || c > 0xff) {
          throw new IllegalArgumentException("invalid character in value of header " + name);
        }
      }
    }
  }

  // ---------------------------------------------------------------- state

  private boolean hasBody() {
    return req.bodyBytes() != null ? req.bodyBytes().length > 0 : req.contentLength() != 0;
  }

  /** Go's {@code outgoingLength == 0 && method allows a body}: an empty POST says Content-Length: 0. */
  private boolean permitsBody() {
    String m = req.method();
    return m.equals("POST") || m.equals("PUT") || m.equals("PATCH");
  }

  /** Go's rule: the body can be sent again, and the method is idempotent or marked so. */
  private boolean replayable() {
    if (req.bodyBytes() == null && req.contentLength() != 0) {
      return false; // a stream body was consumed
    }
    String m = req.method();
    return m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS") || m.equals("TRACE")
        || req.headers().contains("Idempotency-Key") || req.headers().contains("X-Idempotency-Key");
  }

  private static boolean isCanceledException(Exception e) {
    return e instanceof IOException && e.getMessage() != null && e.getMessage().startsWith("request canceled");
  }

  IOException canceledException(String where, Throwable cause) {
    IOException e = new IOException("request canceled while " + where + ": " + req.method() + " " + req.uri());
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  synchronized boolean aborted() {
    return aborted;
  }

  synchronized void dialing(Socket s) {
    dialing = s;
    if (aborted) {
      try {
        s.close();
      } catch (IOException ignored) {
        // canceled anyway
      }
    }
  }

  /** Cancellation: closes whatever socket the exchange is using; wakes it if waiting for a connection. */
  void abort() {
    PersistConn c;
    Socket s;
    synchronized (this) {
      if (aborted || finished) {
        return;
      }
      aborted = true;
      c = conn;
      s = dialing;
    }
    if (c != null) {
      c.close();
    }
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing to unblock a dial
      }
    }
    t.wakeWaiters(key);
  }

  /**
   * The exchange no longer owns its connection; later cancellation does nothing. Returns whether
   * it had been canceled first (the connection must then be discarded).
   */
  boolean finish() {
    boolean wasAborted;
    synchronized (this) {
      finished = true;
      conn = null;
      dialing = null;
      wasAborted = aborted;
    }
    cancelOn.removeOnCancel(onCancel);
    return wasAborted;
  }
}
