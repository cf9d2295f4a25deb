package io.httpdiag.http;

import io.httpdiag.http.internal.ChunkedOutputStream;
import io.httpdiag.http.internal.Threads;
import io.httpdiag.http.internal.Trace;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes one exchange's request on its connection: the head (request line, the caller's headers,
 * the client's defaults, Host, User-Agent and the framing the transport chooses) and the body, a
 * small one in the head's write, a stream with Content-Length or chunked. Runs on the exchange's
 * thread; the write buffer is the connection's, reused across its exchanges.
 */
final class RequestWriter {
  /** Request bodies up to this size go out in the same write as the head. */
  private static final int COALESCE_BODY_BYTES = 16 * 1024;

  private final Request req;
  private final Headers defaults;
  private final boolean disableKeepAlives;
  private final ClientTrace trace;
  private final long exchangeId;
  private final Deadline deadline;
  private boolean wroteWholeBody;
  private byte[] wbuf; // the connection's write buffer while encoding
  private int wpos;

  RequestWriter(Exchange x) {
    this.req = x.req;
    this.defaults = x.call.defaults();
    this.disableKeepAlives = x.t.disableKeepAlives;
    this.trace = x.trace;
    this.exchangeId = x.id;
    this.deadline = x.deadline;
  }

  /** Whether the whole body went out (false also while writing, and when a final status came instead of 100). */
  boolean wroteWholeBody() {
    return wroteWholeBody;
  }

  /** Writes the head and, when {@code withBody}, the body; small bodies go in the head's write. */
  void writeRequest(PersistConn pc, boolean withBody) throws IOException {
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
      Trace.wroteRequest(trace, exchangeId, 0, w);
      throw w;
    }
    Trace.wroteHeaders(trace, exchangeId);
    if (coalesce) {
      wroteWholeBody = true;
      Trace.wroteRequest(trace, exchangeId, bytes.length, null);
    } else if (withBody) {
      writeBody(pc);
    }
  }

  void writeBody(PersistConn pc) throws IOException {
    byte[] bytes = req.bodyBytes();
    long written = 0;
    // Socket timeouts do not cover writes: a server that stops reading would block us past the
    // deadline, so a timer closes the connection then (Go's write deadline via the conn's timer).
    ScheduledFuture<?> timer = null;
    AtomicBoolean fired = new AtomicBoolean();
    if (deadline.isSet()) {
      timer = Threads.timer().schedule(() -> {
        fired.set(true);
        pc.close();
      }, Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
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
          ? deadline.expired("writing the request body")
          : writeFailed(pc, e);
      Trace.wroteRequest(trace, exchangeId, written, w);
      throw w;
    } finally {
      if (timer != null) {
        timer.cancel(false);
      }
      closeStreamBody();
    }
    wroteWholeBody = true;
    Trace.wroteRequest(trace, exchangeId, written, null);
  }

  private static IOException writeFailed(PersistConn pc, IOException e) {
    if (e instanceof HttpTimeoutException) {
      return e;
    }
    return new IOException("writing the request to " + pc.address + " failed" + pc.reusedNote() + ": " + e.getMessage(), e);
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

  void closeStreamBody() {
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
    if (disableKeepAlives && !h.contains("Connection")) {
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

  boolean hasBody() {
    return req.bodyBytes() != null ? req.bodyBytes().length > 0 : req.contentLength() != 0;
  }

  /** Go's {@code outgoingLength == 0 && method allows a body}: an empty POST says Content-Length: 0. */
  private boolean permitsBody() {
    String m = req.method();
    return m.equals("POST") || m.equals("PUT") || m.equals("PATCH");
  }

}
