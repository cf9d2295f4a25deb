package io.httpdiag.http;

import java.util.concurrent.Semaphore;

/** The small built-in middleware: concurrency limit and panic recovery. See {@link Middleware}. */
final class BuiltinMiddleware {
  private static final System.Logger log = System.getLogger(Server.class.getName());

  private BuiltinMiddleware() {}

  static Middleware concurrencyLimit(int max) {
    if (max <= 0) {
      throw new IllegalArgumentException("max <= 0: " + max);
    }
    Semaphore permits = new Semaphore(max);
    return next -> (w, r) -> {
      // No queueing: a full server sheds load at once, and the client may retry after a second.
      if (!permits.tryAcquire()) {
        w.headers().set("Retry-After", "1");
        Responses.error(w, 503, Responses.statusText(503));
        return;
      }
      try {
        next.serveHttp(w, r);
      } finally {
        permits.release();
      }
    };
  }

  static Middleware recover() {
    return next -> (w, r) -> {
      try {
        next.serveHttp(w, r);
      } catch (VirtualMachineError | HandlerAbortedException e) {
        throw e;
      } catch (Throwable t) {
        // Go's message: "http: panic serving <addr>: <value>" plus the stack.
        log.log(System.Logger.Level.ERROR, "http: panic serving " + r.remoteAddress() + ": " + t, t);
        if (!w.committed()) {
          w.headers().set("Connection", "close");
          Responses.error(w, 500, Responses.statusText(500));
        }
        throw new HandlerAbortedException(t);
      }
    };
  }

  /**
   * Thrown by {@code recover()} after it logged the cause and answered 500: the server closes
   * the connection (as on any handler exception); it need not log this one again (Go's
   * {@code ErrAbortHandler}). No stack of its own: the cause has it.
   */
  static final class HandlerAbortedException extends RuntimeException {
    HandlerAbortedException(Throwable cause) {
      super("http: handler aborted after " + cause, cause, false, false);
    }
  }
}
