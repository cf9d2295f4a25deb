package io.httpdiag.http;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A {@link ResponseWriter} that forwards everything to another; middleware overrides what it
 * observes. {@link #body()} is a stream over this object's {@link #write}, so an override of
 * {@code write} sees bytes written through the stream too. Thread confinement: as the delegate's.
 */
class DelegatingResponseWriter implements ResponseWriter {
  final ResponseWriter delegate;
  private OutputStream body;

  DelegatingResponseWriter(ResponseWriter delegate) {
    this.delegate = delegate;
  }

  @Override
  public Headers headers() {
    return delegate.headers();
  }

  @Override
  public void writeHeader(int status) throws IOException {
    delegate.writeHeader(status);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    delegate.write(b, off, len);
  }

  @Override
  public void flush() throws IOException {
    delegate.flush();
  }

  @Override
  public OutputStream body() {
    if (body == null) {
      body = new ResponseWriterStream(this);
    }
    return body;
  }

  @Override
  public boolean committed() {
    return delegate.committed();
  }

  @Override
  public int status() {
    return delegate.status();
  }
}
