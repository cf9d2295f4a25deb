package io.httpdiag.http;

import io.httpdiag.http.internal.ChunkedOutputStream;
import io.httpdiag.http.internal.DateCache;
import io.httpdiag.http.internal.Head;
import io.httpdiag.http.internal.HttpReader;
import io.httpdiag.http.internal.StatusText;
import io.httpdiag.http.internal.Trace;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The server's {@link ResponseWriter}. The body is buffered (8 KiB) until the handler returns, so
 * a small response leaves as one write with a Content-Length; past the buffer or on
 * {@link #flush()} the head is sent and the rest streams chunked (HTTP/1.1), or until close
 * (HTTP/1.0), unless the handler declared a Content-Length. Confined to the handler's thread.
 */
final class ServerResponse implements ResponseWriter {
  private static final System.Logger log = System.getLogger(Server.class.getName());

  private final ServerConn conn;
  private final Head requestHead;
  private final long exchangeId;
  private final boolean headRequest;
  private final Headers headers = new Headers();
  private final byte[] buffer;
  private int buffered;
  private int status;
  private boolean onWire;
  private Framing framing = Framing.UNDECIDED;
  private long declaredLength = -1;
  private long written;
  private boolean closeAfter;
  private ChunkedOutputStream chunked;
  private OutputStream bodyStream;

  ServerResponse(ServerConn conn, Request request, Head requestHead, long exchangeId) {
    this.conn = conn;
    this.requestHead = requestHead;
    this.exchangeId = exchangeId;
    this.headRequest = request.method().equals("HEAD");
    this.buffer = conn.bodyBuffer();
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
    if (code < 200 && code != 101) {
      // Informational (e.g. 103 Early Hints): sent at once with the current headers; the final status follows.
      byte[] head = headBytes(code, false);
      conn.out.write(head);
      conn.out.flush();
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
    if (len == 0) {
      return;
    }
    if (headRequest) {
      written += len; // counted for Content-Length, never sent
      return;
    }
    if (!onWire) {
      if (buffered + len <= buffer.length) {
        System.arraycopy(b, off, buffer, buffered, len);
        buffered += len;
        return;
      }
      commit(false);
    }
    writeBody(b, off, len);
  }

  @Override
  public void flush() throws IOException {
    if (status == 0) {
      status = 200;
    }
    if (!onWire) {
      commit(false);
    }
    conn.out.flush();
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

  /** The status that went (or goes) on the wire. */
  int statusSent() {
    return status == 0 ? 200 : status;
  }

  long bytesWritten() {
    return written;
  }

  /** Asks for "Connection: close" (if the head is not sent yet) and no reuse. */
  void closeAfter() {
    closeAfter = true;
  }

  /**
   * Completes the response after the handler returned. Returns whether the response was framed
   * so that the connection can carry another one.
   */
  boolean finish() throws IOException {
    if (status == 0) {
      status = 200;
    }
    if (!onWire) {
      commit(true);
    } else if (framing == Framing.CHUNKED) {
      chunked.finish();
    }
    if (framing == Framing.FIXED && !headRequest && written < declaredLength) {
      // Fewer bytes than promised: the client would wait for the rest; only closing ends it.
      log.log(System.Logger.Level.WARNING, "handler wrote {0} of {1} declared Content-Length bytes; closing",
          written, declaredLength);
      closeAfter = true;
    }
    return !closeAfter && framing != Framing.CLOSE;
  }

  /** After a handler exception: a 500 if nothing reached the client yet; the connection closes. */
  void abort() {
    closeAfter = true;
    if (onWire) {
      return;
    }
    try {
      while (!headers.isEmpty()) {
        headers.remove(headers.name(0));
      }
      headers.add("Content-Type", "text/plain; charset=utf-8");
      status = 500;
      declaredLength = -1;
      written = 0;
      byte[] msg = "500 Internal Server Error\n".getBytes(StandardCharsets.UTF_8);
      System.arraycopy(msg, 0, buffer, 0, msg.length);
      buffered = msg.length;
      commit(true);
      conn.out.flush();
    } catch (IOException ignored) {
      // the client is gone
    }
  }

  /** Sends the head (with the buffered body when {@code last}), choosing the framing. */
  private void commit(boolean last) throws IOException {
    boolean bodyAllowed = bodyAllowed(status);
    String cl = headers.get("Content-Length");
    if (cl != null) {
      try {
        declaredLength = HttpReader.parseContentLength(cl.trim());
      } catch (IOException e) {
        log.log(System.Logger.Level.WARNING, "ignoring invalid Content-Length set by handler: {0}", cl);
        headers.remove("Content-Length");
        declaredLength = -1;
      }
    }
    headers.remove("Transfer-Encoding"); // framing is ours to choose
    if (!bodyAllowed) {
      framing = Framing.NONE;
      if (status != 304) {
        headers.remove("Content-Length");
      }
    } else if (declaredLength >= 0) {
      framing = Framing.FIXED;
    } else if (last) {
      framing = Framing.FIXED;
      declaredLength = headRequest ? written : buffered;
      if (!headRequest || written > 0) {
        headers.set("Content-Length", Long.toString(declaredLength));
      }
    } else if (requestHead.minor >= 1) {
      framing = Framing.CHUNKED;
      headers.set("Transfer-Encoding", "chunked");
    } else {
      framing = Framing.CLOSE;
      closeAfter = true;
    }
    if (headers.containsToken("Connection", "close")) {
      closeAfter = true;
    }
    byte[] head = headBytes(status, true);
    onWire = true;
    conn.out.write(head);
    Trace.responseCommitted(conn.server.trace, exchangeId, status);
    if (framing == Framing.CHUNKED) {
      chunked = new ChunkedOutputStream(conn.out);
    }
    if (buffered > 0) {
      int n = buffered;
      buffered = 0;
      writeBody(buffer, 0, n);
    }
  }

  private void writeBody(byte[] b, int off, int len) throws IOException {
    switch (framing) {
      case FIXED:
        if (written + len > declaredLength) {
          throw new IOException("http: wrote more than the declared Content-Length (" + declaredLength + ")");
        }
        conn.out.write(b, off, len);
        break;
      case CHUNKED:
        chunked.write(b, off, len);
        break;
      case CLOSE:
        conn.out.write(b, off, len);
        break;
      default:
        throw new IOException("http: response body not allowed");
    }
    written += len;
  }

  private byte[] headBytes(int code, boolean finalResponse) {
    StringBuilder sb = new StringBuilder(128 + headers.size() * 32);
    sb.append("HTTP/1.1 ").append(code).append(' ').append(StatusText.of(code)).append("\r\n");
    boolean hasDate = false;
    for (int i = 0; i < headers.size(); i++) {
      String name = headers.name(i);
      if (!validName(name)) {
        log.log(System.Logger.Level.WARNING, "dropping response header with invalid name: {0}", name);
        continue;
      }
      if (name.equalsIgnoreCase("Date")) {
        hasDate = true;
      }
      sb.append(name).append(": ");
      appendValue(sb, headers.value(i));
      sb.append("\r\n");
    }
    if (finalResponse) {
      if (closeAfter || conn.server.shuttingDown()) {
        if (!headers.containsToken("Connection", "close")) {
          sb.append("Connection: close\r\n");
        }
        closeAfter = true;
      } else if (requestHead.minor == 0 && framing != Framing.CLOSE && requestHead.keepAlive()) {
        sb.append("Connection: keep-alive\r\n");
      }
    }
    byte[] date = hasDate ? new byte[0] : DateCache.headerLine();
    int headLen = sb.length();
    byte[] out = new byte[headLen + date.length + 2];
    for (int i = 0; i < headLen; i++) {
      out[i] = (byte) sb.charAt(i);
    }
    System.arraycopy(date, 0, out, headLen, date.length);
    out[out.length - 2] = '\r';
    out[out.length - 1] = '\n';
    return out;
  }

  /** Header values from handlers cannot split the response: CR and LF become spaces (as Go does). */
  private static void appendValue(StringBuilder sb, String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      sb.append(c == '\r' || c == '\n' ? ' ' : c > 0xff ? '?' : c);
    }
  }

  private static boolean validName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == ':' ) {
        return false;
      }
    }
    return true;
  }

  private boolean bodyAllowed(int code) {
    return !(code >= 100 && code < 200) && code != 204 && code != 304;
  }

  @Override
  public String toString() {
    return "ResponseWriter{status=" + status + ", headers=" + headers + ", buffered=" + buffered
        + ", written=" + written + ", onWire=" + onWire + "}";
  }

  /** How the response body is framed; decided when the head is sent. */
  private enum Framing { UNDECIDED, FIXED, CHUNKED, CLOSE, NONE }
}
