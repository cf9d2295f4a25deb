package io.httpdiag.http;

import io.httpdiag.http.TransportStats.DiscardReason;
import io.httpdiag.http.internal.BodyInputStream;
import io.httpdiag.http.internal.Trace;
import java.io.IOException;
import java.io.InputStream;

/**
 * A response body (Go's {@code bodyEOFSignal}). When the last byte is read the connection goes back
 * to the pool at once; {@link #close()} before that closes the connection unless the rest is
 * already buffered. Owned by the thread reading it; not thread-safe, but cancellation of the
 * request from another thread aborts a blocked read.
 */
final class ClientBody extends InputStream {
  private final Exchange x;
  private final PersistConn pc;
  private final BodyInputStream body;
  private final DiscardReason notReusable; // null when the connection may be reused after the body
  private boolean ended;
  private boolean closed;
  private byte[] single;

  ClientBody(Exchange x, PersistConn pc, BodyInputStream body, DiscardReason notReusable) {
    this.x = x;
    this.pc = pc;
    this.body = body;
    this.notReusable = notReusable;
  }

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
      if (!body.eof()) {
        throw new IOException("response body unreadable after an earlier error");
      }
      return -1;
    }
    int n;
    try {
      n = body.read(b, off, len);
    } catch (IOException e) {
      IOException f = x.aborted() ? x.canceledException("reading the response body", e) : e;
      if (f instanceof HttpTimeoutException) {
        Trace.timeout(x.trace, x.id, ((HttpTimeoutException) f).kind());
      } else if (f != e) {
        Trace.canceled(x.trace, x.id, "reading the response body");
      }
      end("error", false, f instanceof HttpTimeoutException ? DiscardReason.TIMEOUT
          : f != e ? DiscardReason.CANCELED : DiscardReason.ERROR);
      throw f;
    }
    checkEnd();
    return n;
  }

  /** One array of the declared length when Content-Length is known (see BodyInputStream#readAllBytes). */
  @Override
  public byte[] readAllBytes() throws IOException {
    long left = closed || ended ? -1 : body.bytesLeft();
    if (left < 0 || left > BodyInputStream.MAX_EXACT_ARRAY) {
      return super.readAllBytes();
    }
    return BodyInputStream.readExactly((int) left, this);
  }

  @Override
  public int available() {
    return closed || ended ? 0 : body.available();
  }

  /**
   * Closes the body. Before its end the connection is closed (Go's behaviour: draining an
   * unbounded body could take forever), unless the rest is already in the read buffer.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!ended) {
      boolean drained = body.drainBuffered();
      end("close", drained, DiscardReason.UNDRAINED);
    }
  }

  /** Releases the connection as soon as the body's last byte is consumed, before the caller sees -1. */
  void checkEnd() {
    if (!ended && body.eof()) {
      end("eof", true, null);
    }
  }

  private void end(String closedBy, boolean drained, DiscardReason failReason) {
    ended = true;
    Trace.bodyEnd(x.trace, x.id, pc.id, body.bytesRead(), body.contentLength(), drained, closedBy);
    boolean canceled = x.finish();
    pc.setReadDeadline(Deadline.NONE, null);
    if (canceled) {
      x.t.pool.discard(pc, DiscardReason.CANCELED, x.trace, x.id);
    } else if (!drained) {
      x.t.pool.discard(pc, failReason, x.trace, x.id);
    } else if (notReusable != null) {
      x.t.pool.discard(pc, notReusable, x.trace, x.id);
    } else {
      x.t.pool.putIdleConn(pc, x.trace, x.id);
    }
  }
}
