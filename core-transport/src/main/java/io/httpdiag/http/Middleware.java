package io.httpdiag.http;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Wraps a handler with cross-cutting behaviour, like Go's {@code func(http.Handler) http.Handler}.
 *
 * <p>The built-in middleware are the static factories below. Each returned middleware is
 * thread-safe and may wrap several handlers (state such as the concurrency limit is shared by all
 * of them). A typical order, outermost first:
 * {@code accessLog(..).then(recover()).then(concurrencyLimit(..)).then(timeout(..)).then(maxBodyBytes(..))}.
 */
@FunctionalInterface
public interface Middleware {
  Handler wrap(Handler next);

  /** This middleware outside, {@code inner} inside: {@code a.then(b).wrap(h)} is {@code a.wrap(b.wrap(h))}. */
  default Middleware then(Middleware inner) {
    return next -> wrap(inner.wrap(next));
  }

  /**
   * At most {@code max} requests in the wrapped handler at once. When full, answers 503 with
   * {@code Retry-After: 1} at once, without queueing (load shedding). {@code max} must be positive.
   */
  static Middleware concurrencyLimit(int max) {
    return BuiltinMiddleware.concurrencyLimit(max);
  }

  /**
   * Go's {@code TimeoutHandler}: runs the handler on a thread of its own, writing into a buffer. If
   * it returns within {@code limit}, its status, headers (replacing those of the same name) and
   * body are sent. Otherwise the client gets 503 with {@code message} (text/html if it starts with
   * '<', else text/plain; null means Go's default HTML), the request is {@linkplain Request#cancel()
   * canceled}, and the handler's later writes, flushes and body reads fail with an IOException
   * {@code "http: Handler timeout"}; if the request had a body the connection is closed after the
   * 503, since the handler may still be reading it. {@link ResponseWriter#flush()} inside is not
   * supported: it is a no-op, nothing reaches the client before the handler returns. An exception
   * thrown by the handler in time is rethrown to the caller. The handler keeps its thread until it
   * returns; only cancellation can stop it early.
   */
  static Middleware timeout(Duration limit, String message) {
    if (limit == null || limit.isZero() || limit.isNegative()) {
      throw new IllegalArgumentException("timeout <= 0: " + limit);
    }
    long nanos = limit.toNanos();
    String body = message == null ? TimeoutHandler.DEFAULT_MESSAGE : message;
    return next -> new TimeoutHandler(next, nanos, body);
  }

  /**
   * Go's {@code MaxBytesReader}: a request declaring a Content-Length over {@code limit} gets 413
   * at once and the handler is not called. Otherwise the body lets {@code limit} bytes through and
   * reading past them throws an IOException {@code "http: request body too large"}; if the handler
   * then commits nothing (or lets that exception escape before committing), the response is 413.
   * A 413 asks for the connection to close. Zero means no body at all.
   */
  static Middleware maxBodyBytes(long limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit < 0: " + limit);
    }
    return next -> new MaxBytesHandler(next, limit);
  }

  /**
   * Gives {@code sink} one line per request after the handler returns (or throws), e.g.
   * {@code 127.0.0.1:50312 "GET /search?<redacted> HTTP/1.1" 200 1234 5ms}: remote address,
   * method, target with the query redacted, protocol, status (500 if the handler threw having sent
   * nothing; 200 if it wrote nothing), body bytes written, duration in whole milliseconds. Called on
   * the handler's thread; an exception from the sink is logged and ignored.
   */
  static Middleware accessLog(Consumer<String> sink) {
    if (sink == null) {
      throw new NullPointerException("sink");
    }
    return next -> new AccessLog(next, sink);
  }

  /**
   * Go's panic recovery: an exception escaping the handler is logged through {@link System.Logger}
   * with its stack, answered 500 (with {@code Connection: close}) if nothing was committed, and
   * rethrown wrapped in an unchecked exception, so that the server closes the connection, as it
   * does on any handler exception (a partly sent response cannot be finished). Errors the JVM
   * cannot recover from ({@link VirtualMachineError}) pass through untouched.
   */
  static Middleware recover() {
    return BuiltinMiddleware.recover();
  }
}
