package io.httpdiag.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds a server response, like Go's {@code http.ResponseWriter}. Set headers, then
 * {@link #writeHeader} (optional: the first write commits status 200), then write the body.
 *
 * <p>Framing is chosen at commit: a {@code Content-Length} header set by the handler is honoured
 * (writing more fails, writing less closes the connection); otherwise a body written entirely
 * before the handler returns gets a Content-Length, and a flushed or large body is sent chunked
 * (HTTP/1.1) or delimited by closing the connection (HTTP/1.0). Not thread-safe: use it from the
 * handler's thread only.
 */
public interface ResponseWriter {
  /** Response headers; changes after the commit have no effect. */
  Headers headers();

  /** Sends the status line and headers now. Calling it again is ignored (and logged). */
  void writeHeader(int status) throws IOException;

  /** Writes body bytes, committing status 200 first if needed. */
  void write(byte[] b, int off, int len) throws IOException;

  default void write(byte[] b) throws IOException {
    write(b, 0, b.length);
  }

  default void write(String s) throws IOException {
    write(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends everything buffered to the client now (Go's {@code http.Flusher}); commits if needed. */
  void flush() throws IOException;

  /** The body as a stream; closing it is not required and does not close the connection. */
  OutputStream body();

  /** Whether the status line was sent (or is fixed). */
  boolean committed();

  /** The status sent or to be sent; 0 before {@link #writeHeader} or the first write. */
  int status();
}
