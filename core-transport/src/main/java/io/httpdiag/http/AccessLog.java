package io.httpdiag.http;

import java.io.IOException;
import java.util.function.Consumer;

/** One line per request. See {@link Middleware#accessLog}. */
final class AccessLog implements Handler {
  private static final System.Logger log = System.getLogger(Server.class.getName());

  private final Handler next;
  private final Consumer<String> sink;

  AccessLog(Handler next, Consumer<String> sink) {
    this.next = next;
    this.sink = sink;
  }

  @Override
  public void serveHttp(ResponseWriter w, Request r) throws Exception {
    long start = System.nanoTime();
    CountingWriter cw = new CountingWriter(w);
    boolean failed = true;
    try {
      next.serveHttp(cw, r);
      failed = false;
    } finally {
      int status = cw.status();
      if (status == 0) {
        status = failed ? 500 : 200; // what the server sends for a handler that wrote nothing
      }
      String line = line(r, status, cw.bytes, (System.nanoTime() - start) / 1_000_000);
      try {
        sink.accept(line);
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "access log sink failed", e); // logging must not break serving
      }
    }
  }

  /** {@code 127.0.0.1:50312 "GET /search?<redacted> HTTP/1.1" 200 1234 5ms}: queries may hold secrets. */
  static String line(Request r, int status, long bytes, long millis) {
    String target = r.target();
    int q = target.indexOf('?');
    if (q >= 0) {
      target = target.substring(0, q) + "?<redacted>";
    }
    String remote = r.remoteAddress();
    return new StringBuilder(96)
        .append(remote == null ? "-" : remote)
        .append(" \"").append(r.method()).append(' ').append(target).append(' ').append(r.protocol())
        .append("\" ").append(status).append(' ').append(bytes).append(' ').append(millis).append("ms")
        .toString();
  }

  /** Counts body bytes written through it; the status comes from the delegate. */
  static final class CountingWriter extends DelegatingResponseWriter {
    long bytes;

    CountingWriter(ResponseWriter delegate) {
      super(delegate);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      delegate.write(b, off, len);
      bytes += len;
    }
  }
}
