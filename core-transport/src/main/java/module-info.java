/**
 * httpdiag core-transport: an HTTP/1.1 client and server with Go's net/http semantics. Only
 * {@code io.httpdiag.http} is API; {@code io.httpdiag.http.internal} (the wire codec, threads and
 * the tracepoints) and {@code io.httpdiag.http.internal.http2} (HTTP/2 frames and HPACK) are not
 * exported.
 *
 * <p>The httpdiag agent instruments {@code io.httpdiag.http.internal.Trace} by name. Its advice
 * calls the agent's runtime on the boot class path; on the class path that just works, on the
 * module path the agent has to give this module a read edge to that runtime.
 */
module io.httpdiag.http {
  exports io.httpdiag.http;
}
