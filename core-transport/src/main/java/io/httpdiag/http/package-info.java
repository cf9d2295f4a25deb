/**
 * An HTTP/1.1 client and server with Go's {@code net/http} semantics and knobs, no dependencies.
 *
 * <p><b>Client.</b> Build one {@link io.httpdiag.http.Transport} (the connection pool) and one
 * {@link io.httpdiag.http.Client} and share them; a client per request defeats the pool. Read every
 * body to the end or close it: a body read to the end gives its connection back to the pool, one
 * closed early closes its connection, and one never closed holds its connection for good. Zero
 * timeouts mean none, as in Go; give production clients an overall timeout.
 *
 * <pre>{@code
 * Transport transport = Transport.production().build();
 * Client client = Client.builder().transport(transport).timeout(Duration.ofSeconds(10)).build();
 * try (Response r = client.get("http://127.0.0.1:8080/users/42")) {
 *   if (r.status() != 200) {
 *     throw new IOException("GET /users/42: " + r.status());
 *   }
 *   byte[] body = r.body().readAllBytes(); // to the end: the connection is reused
 * }
 * transport.close(); // whoever built the transport closes it
 * }</pre>
 *
 * <p><b>Server.</b> A {@link io.httpdiag.http.ServeMux} routes Go 1.22 patterns ("GET /users/{id}",
 * most specific wins, 405 with Allow); each connection runs on its own thread (virtual on JDK 21+).
 * Set at least {@code readHeaderTimeout} in production: zero, the default, leaves the server open to
 * slow clients.
 *
 * <pre>{@code
 * ServeMux mux = new ServeMux();
 * mux.handle("GET /users/{id}", (w, r) -> {
 *   w.headers().set("Content-Type", "text/plain; charset=utf-8");
 *   w.write("user " + r.pathValue("id") + "\n");
 * });
 * Server server = Server.builder().handler(mux).port(8080)
 *     .readHeaderTimeout(Duration.ofSeconds(5)).idleTimeout(Duration.ofSeconds(60)).build()
 *     .start();
 * // ...
 * server.shutdown(Duration.ofSeconds(10)); // finish active requests, then close
 * }</pre>
 *
 * <p><b>Contracts.</b> {@code Client}, {@code Transport}, {@code Server} and {@code ServeMux}
 * (once configured) are thread-safe; a {@link io.httpdiag.http.Response} and its body belong to
 * the thread reading them; a {@link io.httpdiag.http.ResponseWriter} to the handler's thread.
 * Timeouts surface as {@link io.httpdiag.http.HttpTimeoutException} naming the knob; cancellation
 * ({@link io.httpdiag.http.Request#cancel()}) as {@link io.httpdiag.http.RequestCanceledException}.
 */
package io.httpdiag.http;
