package io.httpdiag.http;

/**
 * Listener for the steps of server connections and exchanges, including Go's {@code ConnState}
 * transitions ("new", "active", "idle", "closed"). Attach one to a {@link Server} through its
 * builder.
 *
 * <p>Methods are called synchronously on the connection's thread and must be fast and must not
 * block; an exception thrown here closes the connection. Every method has an empty default.
 */
public interface ServerTrace {
  default void connAccepted(long connectionId, String remoteAddress, String localAddress) {}

  default void connState(long connectionId, String state) {}

  default void tlsHandshakeDone(long connectionId, String protocol, String cipherSuite, String alpn, Throwable error) {}

  default void requestHeadersRead(long connectionId, long exchangeId, String method, String target, String protocol,
      int requestOnConn) {}

  default void badRequest(long connectionId, int status, String reason) {}

  default void handlerStart(long exchangeId) {}

  default void responseCommitted(long exchangeId, int status) {}

  default void handlerEnd(long exchangeId, Throwable error) {}

  default void requestCanceled(long exchangeId) {}

  default void exchangeEnd(long connectionId, long exchangeId, int status, long bytesRead, long bytesWritten,
      boolean keepAlive) {}

  default void connClosed(long connectionId, String reason) {}

  /**
   * HTTP/2: a request's HEADERS opened {@code streamId}; {@code activeStreams} includes it. (Named
   * apart from {@link ClientTrace}'s stream methods so that one class can implement both listeners:
   * their parameters have the same types in a different order.)
   */
  default void streamAccepted(long connectionId, long exchangeId, int streamId, int activeStreams) {}

  /** HTTP/2: a stream was reset with {@code errorCode}; {@code sent} true when the server reset it. */
  default void acceptedStreamReset(long connectionId, long exchangeId, int streamId, String errorCode, boolean sent) {}

  /** HTTP/2: a GOAWAY was sent ({@code sent} true) or received on the connection. */
  default void goAway(long connectionId, int lastStreamId, String errorCode, boolean sent) {}
}
