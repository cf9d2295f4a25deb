package io.httpdiag.http;

/** Wraps a handler with cross-cutting behaviour, like Go's {@code func(http.Handler) http.Handler}. */
@FunctionalInterface
public interface Middleware {
  Handler wrap(Handler next);

  /** This middleware outside, {@code inner} inside: {@code a.then(b).wrap(h)} is {@code a.wrap(b.wrap(h))}. */
  default Middleware then(Middleware inner) {
    return next -> wrap(inner.wrap(next));
  }
}
