package io.httpdiag.http;

import java.io.IOException;
import java.io.InputStream;

/** Go's {@code MaxBytesReader} as middleware. See {@link Middleware#maxBodyBytes}. */
final class MaxBytesHandler implements Handler {
  static final String TOO_LARGE = "http: request body too large";

  private final Handler next;
  private final long limit;

  MaxBytesHandler(Handler next, long limit) {
    this.next = next;
    this.limit = limit;
  }

  @Override
  public void serveHttp(ResponseWriter w, Request r) throws Exception {
    if (r.contentLength() > limit) {
      tooLarge(w); // declared too large: the handler never runs, the body is never read
      return;
    }
    LimitedBody body = new LimitedBody(r.body(), limit);
    r.replaceBody(body);
    try {
      next.serveHttp(w, r);
    } catch (Exception e) {
      if (!body.hit || w.committed()) {
        throw e;
      }
      tooLarge(w); // the handler let the limit error escape: it is the client's fault, not a 500
      return;
    }
    if (body.hit && !w.committed()) {
      tooLarge(w);
    }
  }

  private static void tooLarge(ResponseWriter w) throws IOException {
    // Go's requestTooLarge: the rest of the body is not worth reading, close after the reply.
    w.headers().set("Connection", "close");
    Responses.error(w, 413, Responses.statusText(413));
  }

  /** Lets {@code limit} bytes through; reading past them fails, and keeps failing. Handler thread only. */
  static final class LimitedBody extends InputStream {
    private final InputStream in;
    private long remaining;
    boolean hit;

    LimitedBody(InputStream in, long limit) {
      this.in = in;
      this.remaining = limit;
    }

    @Override
    public int read() throws IOException {
      if (hit) {
        throw new IOException(TOO_LARGE);
      }
      int b = in.read();
      if (b < 0) {
        return -1;
      }
      if (remaining == 0) {
        hit = true;
        throw new IOException(TOO_LARGE);
      }
      remaining--;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (hit) {
        throw new IOException(TOO_LARGE);
      }
      if (len == 0) {
        return 0;
      }
      if (remaining == 0) {
        // At the limit: the body is fine only if it ends here.
        if (in.read() < 0) {
          return -1;
        }
        hit = true;
        throw new IOException(TOO_LARGE);
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(in.available(), remaining);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
