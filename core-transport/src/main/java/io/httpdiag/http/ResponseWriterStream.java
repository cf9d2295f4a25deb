package io.httpdiag.http;

import java.io.IOException;
import java.io.OutputStream;

/** {@link ResponseWriter#body()} for every writer: an OutputStream that writes and flushes through it. */
final class ResponseWriterStream extends OutputStream {
  private final ResponseWriter w;

  ResponseWriterStream(ResponseWriter w) {
    this.w = w;
  }

  @Override
  public void write(int b) throws IOException {
    w.write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    w.write(b, off, len);
  }

  @Override
  public void flush() throws IOException {
    w.flush();
  }
}
