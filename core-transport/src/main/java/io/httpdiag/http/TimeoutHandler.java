package io.httpdiag.http;

import io.httpdiag.http.internal.Threads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Go's {@code TimeoutHandler}: runs the handler on its own thread against a buffered writer and
 * answers 503 if it has not returned within the limit. See {@link Middleware#timeout}.
 */
final class TimeoutHandler implements Handler {
  static final String DEFAULT_MESSAGE =
      "<html><head><title>Timeout</title></head><body><h1>Timeout</h1></body></html>";
  static final String TIMEOUT_ERROR = "http: Handler timeout";
  private static final System.Logger log = System.getLogger(Server.class.getName());

  private final Handler next;
  private final long nanos;
  private final String message;

  TimeoutHandler(Handler next, long nanos, String message) {
    this.next = next;
    this.nanos = nanos;
    this.message = message;
  }

  @Override
  public void serveHttp(ResponseWriter w, Request r) throws Exception {
    TimeoutWriter tw = new TimeoutWriter();
    r.replaceBody(new GuardedBody(r.body(), tw));
    CountDownLatch done = new CountDownLatch(1);
    Throwable[] failure = new Throwable[1]; // written before done.countDown(), read after
    Threads.start("httpdiag-timeout-handler", () -> {
      try {
        next.serveHttp(tw, r);
      } catch (Throwable t) {
        failure[0] = t;
        if (tw.timedOut() && !(t instanceof IOException && TIMEOUT_ERROR.equals(t.getMessage()))) {
          log.log(System.Logger.Level.WARNING, "handler failed after its timeout: " + r.method() + " " + r.path(), t);
        }
      } finally {
        done.countDown();
      }
    });
    boolean finished;
    InterruptedException interrupted = null;
    try {
      finished = done.await(nanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      finished = false;
      interrupted = e;
    }
    if (!finished && !tw.timeOut(done)) {
      finished = true; // returned between the deadline and the lock: its response stands
    }
    if (!finished) {
      if (r.contentLength() != 0) {
        // The handler may still be reading the body; the connection cannot be reused safely.
        w.headers().set("Connection", "close");
      }
      w.headers().set("Content-Type", message.startsWith("<") ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
      w.writeHeader(503);
      w.write(message);
      r.cancel();
      if (interrupted != null) {
        throw interrupted;
      }
      return;
    }
    Throwable t = failure[0];
    if (t != null) {
      // Go re-panics in the serving goroutine.
      if (t instanceof Exception) {
        throw (Exception) t;
      }
      throw (Error) t;
    }
    tw.copyTo(w);
  }

  /** The buffer the handler writes into. Writes and the timeout decision are ordered by {@code lock}. */
  static final class TimeoutWriter implements ResponseWriter {
    private final ReentrantLock lock = new ReentrantLock();
    private final Headers headers = new Headers();
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(); // guarded by lock
    private int status; // guarded by lock
    private boolean timedOut; // guarded by lock
    private OutputStream body;

    @Override
    public Headers headers() {
      return headers;
    }

    @Override
    public void writeHeader(int code) {
      if (code < 100 || code > 999) {
        throw new IllegalArgumentException("invalid status code " + code);
      }
      lock.lock();
      try {
        if (!timedOut && status == 0) { // Go ignores a WriteHeader after the timeout
          status = code;
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      lock.lock();
      try {
        checkNotTimedOutLocked();
        if (status == 0) {
          status = 200;
        }
        buf.write(b, off, len);
      } finally {
        lock.unlock();
      }
    }

    /** Not supported: the response leaves only when the handler returns. A no-op before the timeout. */
    @Override
    public void flush() throws IOException {
      lock.lock();
      try {
        checkNotTimedOutLocked();
      } finally {
        lock.unlock();
      }
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
      return status() != 0;
    }

    @Override
    public int status() {
      lock.lock();
      try {
        return status;
      } finally {
        lock.unlock();
      }
    }

    boolean timedOut() {
      lock.lock();
      try {
        return timedOut;
      } finally {
        lock.unlock();
      }
    }

    /** Marks the timeout unless the handler has returned meanwhile; returns whether it did. */
    boolean timeOut(CountDownLatch done) {
      lock.lock();
      try {
        if (done.getCount() == 0) {
          return false;
        }
        timedOut = true;
        return true;
      } finally {
        lock.unlock();
      }
    }

    void checkNotTimedOutLocked() throws IOException {
      if (timedOut) {
        throw new IOException(TIMEOUT_ERROR);
      }
    }

    /** Go: the handler's headers replace those of the same name, then status and body follow. */
    void copyTo(ResponseWriter w) throws IOException {
      Headers dst = w.headers();
      for (String name : headers.names()) {
        dst.remove(name);
      }
      headers.forEach(dst::add);
      w.writeHeader(status == 0 ? 200 : status);
      if (buf.size() > 0) {
        w.write(buf.toByteArray());
      }
    }
  }

  /** The request body as the handler sees it: unreadable once the handler has timed out. */
  private static final class GuardedBody extends InputStream {
    private final InputStream in;
    private final TimeoutWriter tw;

    GuardedBody(InputStream in, TimeoutWriter tw) {
      this.in = in;
      this.tw = tw;
    }

    @Override
    public int read() throws IOException {
      check();
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      check();
      return in.read(b, off, len);
    }

    @Override
    public int available() throws IOException {
      check();
      return in.available();
    }

    @Override
    public void close() throws IOException {
      if (!tw.timedOut()) {
        in.close();
      }
    }

    private void check() throws IOException {
      if (tw.timedOut()) {
        throw new IOException(TIMEOUT_ERROR);
      }
    }
  }
}
