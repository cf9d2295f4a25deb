package io.httpdiag.http;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A server connection's buffered output. The buffer is lent while the connection serves a request
 * ({@link #attach}) and taken back once the response is flushed ({@link #detach}), so an idle
 * connection holds none; without one, writes go straight to the socket. Same batching as
 * {@link java.io.BufferedOutputStream}: a write at least as large as the buffer bypasses it.
 *
 * <p>Not thread-safe: confined to the connection's thread and the handler running on it.
 */
final class ServerOutputStream extends OutputStream {
  private final OutputStream out;
  private byte[] buf;
  private int count;

  ServerOutputStream(OutputStream out) {
    this.out = out;
  }

  /** Buffers writes in {@code buffer} from now on. */
  void attach(byte[] buffer) {
    buf = buffer;
    count = 0;
  }

  /** Lets go of the buffer. Bytes not flushed are dropped: flush first unless the connection is closing. */
  void detach() {
    buf = null;
    count = 0;
  }

  @Override
  public void write(int b) throws IOException {
    if (buf == null) {
      out.write(b);
      return;
    }
    if (count == buf.length) {
      flushBuffer();
    }
    buf[count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (buf == null) {
      out.write(b, off, len);
      return;
    }
    if (len >= buf.length) {
      flushBuffer();
      out.write(b, off, len);
      return;
    }
    if (len > buf.length - count) {
      flushBuffer();
    }
    System.arraycopy(b, off, buf, count, len);
    count += len;
  }

  @Override
  public void flush() throws IOException {
    flushBuffer();
    out.flush();
  }

  @Override
  public void close() throws IOException {
    try {
      flush();
    } finally {
      out.close();
    }
  }

  private void flushBuffer() throws IOException {
    if (count > 0) {
      int n = count;
      count = 0; // a failed write must not send these bytes again with the next flush
      out.write(buf, 0, n);
    }
  }
}
