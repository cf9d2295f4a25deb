package io.httpdiag.http.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes chunked transfer coding (RFC 9112 section 7.1) to {@code out}. {@link #finish()} writes
 * the last chunk; {@link #close()} finishes without closing {@code out}. Not thread-safe.
 */
public final class ChunkedOutputStream extends OutputStream {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] LAST = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
  private final OutputStream out;
  private boolean finished;

  public ChunkedOutputStream(OutputStream out) {
    this.out = out;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (finished) {
      throw new IOException("chunked body already finished");
    }
    if (len == 0) {
      return; // a zero-length chunk would end the body
    }
    out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.write(b, off, len);
    out.write(CRLF);
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  /** Writes the last chunk and an empty trailer section. Idempotent. */
  public void finish() throws IOException {
    if (!finished) {
      finished = true;
      out.write(LAST);
    }
  }

  @Override
  public void close() throws IOException {
    finish();
    out.flush();
  }
}
