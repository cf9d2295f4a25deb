package io.httpdiag.http;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** A recording fake {@link ResponseWriter} for pure routing logic: keeps status, headers and body. */
final class RecordingWriter implements ResponseWriter {
  private final Headers headers = new Headers();
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private int status;
  private int flushes;

  static Request request(String method, String host, String target) {
    return Request.forServer(method, java.net.URI.create("http://" + host + target), target, "HTTP/1.1",
        Headers.of("Host", host), java.io.InputStream.nullInputStream(), 0, "127.0.0.1:40000");
  }

  @Override
  public Headers headers() {
    return headers;
  }

  @Override
  public void writeHeader(int status) {
    if (this.status == 0) {
      this.status = status;
    }
  }

  @Override
  public void write(byte[] b, int off, int len) {
    writeHeader(200);
    body.write(b, off, len);
  }

  @Override
  public void flush() {
    writeHeader(200);
    flushes++;
  }

  @Override
  public OutputStream body() {
    return new OutputStream() {
      @Override
      public void write(int b) {
        RecordingWriter.this.write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        RecordingWriter.this.write(b, off, len);
      }
    };
  }

  @Override
  public boolean committed() {
    return status != 0;
  }

  @Override
  public int status() {
    return status;
  }

  String bodyText() {
    return body.toString(StandardCharsets.UTF_8);
  }

  int flushes() {
    return flushes;
  }

}
