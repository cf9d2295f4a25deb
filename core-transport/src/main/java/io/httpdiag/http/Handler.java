package io.httpdiag.http;

/**
 * Responds to an HTTP request, like Go's {@code http.Handler}.
 *
 * <p>Called on the connection's own thread (a virtual thread on JDK 21+), once per request, for
 * one request at a time per connection; blocking is fine. Write the response through {@code w};
 * the server finishes it when the handler returns (an unread request body is drained or the
 * connection closed). An exception thrown here is logged with its stack; the client gets a 500 if
 * nothing was committed yet, and the connection is closed.
 */
@FunctionalInterface
public interface Handler {
  void serveHttp(ResponseWriter w, Request r) throws Exception;
}
