package io.httpdiag.http;

/**
 * Listener for the steps of client exchanges, after Go's {@code httptrace.ClientTrace}, plus what
 * Go lacks (body end, failure, cancel, timeout). Attach one to a {@code Client} or to a single
 * {@code Request}; several compose.
 *
 * <p>Methods are called synchronously on the thread doing the step (the caller's thread, or the
 * thread reading the body) and must be fast and must not block. An exception thrown here
 * propagates into the exchange. Every method has an empty default. Durations are nanoseconds.
 */
public interface ClientTrace {
  default void exchangeStart(long exchangeId, String method, String url, long deadlineNanos) {}

  default void getConn(long exchangeId, String hostPort) {}

  default void dnsStart(long exchangeId, String host) {}

  default void dnsDone(long exchangeId, String addresses, Throwable error) {}

  default void connectStart(long exchangeId, String address) {}

  default void connectDone(long exchangeId, long connectionId, String address, Throwable error) {}

  default void tlsHandshakeStart(long exchangeId, long connectionId) {}

  default void tlsHandshakeDone(long exchangeId, long connectionId, String protocol, String cipherSuite, String alpn,
      Throwable error) {}

  default void gotConn(long exchangeId, long connectionId, boolean reused, boolean wasIdle, long idleNanos,
      long connAgeNanos, int requestsOnConn) {}

  default void wroteHeaders(long exchangeId) {}

  default void wait100Continue(long exchangeId) {}

  default void got100Continue(long exchangeId) {}

  default void wroteRequest(long exchangeId, long bodyBytes, Throwable error) {}

  default void gotFirstResponseByte(long exchangeId) {}

  default void gotResponseHeaders(long exchangeId, int status, long contentLength) {}

  default void exchangeFailed(long exchangeId, Throwable error) {}

  default void bodyEnd(long exchangeId, long connectionId, long bytesRead, long contentLength, boolean drained,
      String closedBy) {}

  default void putIdleConn(long exchangeId, long connectionId, String result) {}

  default void canceled(long exchangeId, String where) {}

  default void timeout(long exchangeId, String kind) {}

  /** HTTP/2: the request's HEADERS opened {@code streamId}; {@code activeStreams} includes it. */
  default void streamOpened(long exchangeId, long connectionId, int streamId, int activeStreams) {}

  /** HTTP/2: the stream was reset with {@code errorCode}; {@code sent} true when this client reset it. */
  default void streamReset(long exchangeId, long connectionId, int streamId, String errorCode, boolean sent) {}
}
