package io.httpdiag.http.internal;

import io.httpdiag.http.ClientTrace;
import io.httpdiag.http.ServerTrace;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every lifecycle step of the client and the server goes through one static method here. The
 * public {@link ClientTrace} and {@link ServerTrace} listeners are called from these methods, and
 * the httpdiag agent advises them.
 *
 * <p>Tracepoint: observed by the agent; keep every name and signature stable. Parameters are JDK
 * types only (the agent's runtime is loaded by the bootstrap loader and cannot see ours). The
 * first parameter is the listener for this exchange or connection, or null; the agent ignores it.
 * Listener exceptions propagate to the caller (a listener is user code, like Go's httptrace
 * hooks); the agent's advice never throws.
 *
 * <p>Strings are passed unredacted (URLs carry their query); whoever prints them redacts.
 * Durations are nanoseconds; -1 means unknown. Thread-safe: stateless but for the id counters.
 */
public final class Trace {
  private static final AtomicLong exchangeIds = new AtomicLong();
  private static final AtomicLong connectionIds = new AtomicLong();

  private Trace() {}

  /** A new exchange id: unique in this JVM, shared by client and server, starting at 1. */
  public static long newExchangeId() {
    return exchangeIds.incrementAndGet();
  }

  /** A new connection id: unique in this JVM, shared by client and server, starting at 1. */
  public static long newConnectionId() {
    return connectionIds.incrementAndGet();
  }

  // ---------------------------------------------------------------- configuration (detectors)

  /** A Transport was built. Zero durations mean no timeout; zero counts mean unlimited. */
  public static void transportCreated(Object transport, long dialTimeoutNanos, long tlsHandshakeTimeoutNanos,
      long responseHeaderTimeoutNanos, long idleConnTimeoutNanos, int maxIdleConns, int maxIdleConnsPerHost,
      int maxConnsPerHost, boolean disableKeepAlives) {}

  /** A Transport was closed by its owner. */
  public static void transportClosed(Object transport) {}

  /** A Client was built. {@code timeoutNanos} zero means no overall timeout. */
  public static void clientCreated(Object client, Object transport, long timeoutNanos) {}

  /** A Server was built. Zero durations mean no timeout (the slowloris exposure the agent flags). */
  public static void serverCreated(Object server, long readHeaderTimeoutNanos, long readTimeoutNanos,
      long writeTimeoutNanos, long idleTimeoutNanos, int maxHeaderBytes) {}

  // ---------------------------------------------------------------- client exchange

  /**
   * A client exchange starts (one per {@code Transport.roundTrip}; a redirect or a retry is a new
   * exchange). {@code deadlineNanos} is the remaining time allowed, or 0 for none.
   */
  public static void clientExchangeStart(Object trace, long exchangeId, String method, String url, long deadlineNanos) {
    if (trace != null) ((ClientTrace) trace).exchangeStart(exchangeId, method, url, deadlineNanos);
  }

  /** About to get a connection for {@code hostPort} (from the pool or by dialing). */
  public static void getConn(Object trace, long exchangeId, String hostPort) {
    if (trace != null) ((ClientTrace) trace).getConn(exchangeId, hostPort);
  }

  public static void dnsStart(Object trace, long exchangeId, String host) {
    if (trace != null) ((ClientTrace) trace).dnsStart(exchangeId, host);
  }

  /** {@code addresses}: comma-separated literal addresses; {@code error} null on success. */
  public static void dnsDone(Object trace, long exchangeId, String addresses, Throwable error) {
    if (trace != null) ((ClientTrace) trace).dnsDone(exchangeId, addresses, error);
  }

  public static void connectStart(Object trace, long exchangeId, String address) {
    if (trace != null) ((ClientTrace) trace).connectStart(exchangeId, address);
  }

  /** {@code connectionId} is the new connection's id, or 0 when the dial failed. */
  public static void connectDone(Object trace, long exchangeId, long connectionId, String address, Throwable error) {
    if (trace != null) ((ClientTrace) trace).connectDone(exchangeId, connectionId, address, error);
  }

  public static void tlsHandshakeStart(Object trace, long exchangeId, long connectionId) {
    if (trace != null) ((ClientTrace) trace).tlsHandshakeStart(exchangeId, connectionId);
  }

  /** Protocol, cipher suite and ALPN protocol are null when the handshake failed or none was chosen. */
  public static void tlsHandshakeDone(Object trace, long exchangeId, long connectionId, String protocol,
      String cipherSuite, String alpn, Throwable error) {
    if (trace != null) ((ClientTrace) trace).tlsHandshakeDone(exchangeId, connectionId, protocol, cipherSuite, alpn, error);
  }

  /**
   * A connection was obtained. {@code reused}: it served an earlier exchange. {@code wasIdle}: it
   * came from the idle pool, idle for {@code idleNanos}. {@code requestsOnConn} counts this one.
   */
  public static void gotConn(Object trace, long exchangeId, long connectionId, boolean reused, boolean wasIdle,
      long idleNanos, long connAgeNanos, int requestsOnConn) {
    if (trace != null) {
      ((ClientTrace) trace).gotConn(exchangeId, connectionId, reused, wasIdle, idleNanos, connAgeNanos, requestsOnConn);
    }
  }

  public static void wroteHeaders(Object trace, long exchangeId) {
    if (trace != null) ((ClientTrace) trace).wroteHeaders(exchangeId);
  }

  public static void wait100Continue(Object trace, long exchangeId) {
    if (trace != null) ((ClientTrace) trace).wait100Continue(exchangeId);
  }

  public static void got100Continue(Object trace, long exchangeId) {
    if (trace != null) ((ClientTrace) trace).got100Continue(exchangeId);
  }

  /** The request, body included, was written ({@code error} null) or failed. */
  public static void wroteRequest(Object trace, long exchangeId, long bodyBytes, Throwable error) {
    if (trace != null) ((ClientTrace) trace).wroteRequest(exchangeId, bodyBytes, error);
  }

  public static void gotFirstResponseByte(Object trace, long exchangeId) {
    if (trace != null) ((ClientTrace) trace).gotFirstResponseByte(exchangeId);
  }

  /** Final response headers parsed. {@code contentLength} -1 when unknown (chunked or until close). */
  public static void gotResponseHeaders(Object trace, long exchangeId, int status, long contentLength) {
    if (trace != null) ((ClientTrace) trace).gotResponseHeaders(exchangeId, status, contentLength);
  }

  /**
   * The response is about to be returned to the caller; {@code body} is the stream the caller must
   * read to the end or close. Not forwarded to {@link ClientTrace}: the agent watches {@code body}
   * weakly, to report a body that becomes unreachable while still open.
   */
  public static void responseReturned(Object trace, long exchangeId, Object body) {}

  /** The exchange failed before a response could be returned to the caller. */
  public static void exchangeFailed(Object trace, long exchangeId, Throwable error) {
    if (trace != null) ((ClientTrace) trace).exchangeFailed(exchangeId, error);
  }

  /**
   * The response body ended. {@code drained}: every byte of the body was read. {@code closedBy}:
   * "eof" (read to the end), "close" (closed by the caller, possibly early), or "error".
   */
  public static void bodyEnd(Object trace, long exchangeId, long connectionId, long bytesRead, long contentLength,
      boolean drained, String closedBy) {
    if (trace != null) {
      ((ClientTrace) trace).bodyEnd(exchangeId, connectionId, bytesRead, contentLength, drained, closedBy);
    }
  }

  /**
   * After an exchange, the connection went back to the idle pool ({@code result} "ok") or was
   * closed for a reason: "poolFull", "undrained", "connectionClose", "error", "keepAlivesDisabled",
   * "transportClosed".
   */
  public static void putIdleConn(Object trace, long exchangeId, long connectionId, String result) {
    if (trace != null) ((ClientTrace) trace).putIdleConn(exchangeId, connectionId, result);
  }

  /** The exchange was canceled by its caller; {@code where} names the phase. */
  public static void canceled(Object trace, long exchangeId, String where) {
    if (trace != null) ((ClientTrace) trace).canceled(exchangeId, where);
  }

  /** A timeout fired; {@code kind} is the knob's name, e.g. "responseHeaderTimeout". */
  public static void timeout(Object trace, long exchangeId, String kind) {
    if (trace != null) ((ClientTrace) trace).timeout(exchangeId, kind);
  }

  /** A client connection closed: "idleTimeout", "poolFull", "error", "peerClosed", ... */
  public static void clientConnClosed(long connectionId, String reason) {}

  // ---------------------------------------------------------------- client HTTP/2 (issue 17)
  //
  // An HTTP/2 exchange goes through the same steps as an HTTP/1.1 one (getConn, gotConn with
  // reused=true for a stream multiplexed on an existing connection, wroteHeaders, wroteRequest,
  // gotFirstResponseByte on the first HEADERS or DATA, gotResponseHeaders, bodyEnd, putIdleConn
  // when the stream ends: "ok" keeps the connection). The steps below are the ones only HTTP/2 has.

  /**
   * The request's HEADERS went out on {@code streamId} of connection {@code connectionId};
   * {@code activeStreams} counts the streams open on the connection, this one included.
   */
  public static void clientStreamOpened(Object trace, long exchangeId, long connectionId, int streamId,
      int activeStreams) {
    if (trace != null) ((ClientTrace) trace).streamOpened(exchangeId, connectionId, streamId, activeStreams);
  }

  /**
   * The exchange's stream was reset: {@code errorCode} is the RFC 9113 name ("CANCEL",
   * "REFUSED_STREAM", ...); {@code sent} true when this client sent the RST_STREAM (e.g. the body
   * was closed before its end), false when the server did.
   */
  public static void clientStreamReset(Object trace, long exchangeId, long connectionId, int streamId,
      String errorCode, boolean sent) {
    if (trace != null) ((ClientTrace) trace).streamReset(exchangeId, connectionId, streamId, errorCode, sent);
  }

  /**
   * A GOAWAY on a client connection, received from the server ({@code sent} false) or sent by the
   * transport ({@code sent} true). Streams above {@code lastStreamId} were not processed.
   */
  public static void clientGoAway(long connectionId, int lastStreamId, String errorCode, boolean sent) {}

  // ---------------------------------------------------------------- server

  public static void serverConnAccepted(Object trace, long connectionId, String remoteAddress, String localAddress) {
    if (trace != null) ((ServerTrace) trace).connAccepted(connectionId, remoteAddress, localAddress);
  }

  /** Go's ConnState: "new", "active", "idle", "closed". */
  public static void serverConnState(Object trace, long connectionId, String state) {
    if (trace != null) ((ServerTrace) trace).connState(connectionId, state);
  }

  public static void serverTlsHandshakeDone(Object trace, long connectionId, String protocol, String cipherSuite,
      String alpn, Throwable error) {
    if (trace != null) ((ServerTrace) trace).tlsHandshakeDone(connectionId, protocol, cipherSuite, alpn, error);
  }

  /** A request head was parsed; {@code requestOnConn} is 1 for the first request on the connection. */
  public static void serverRequestHeadersRead(Object trace, long connectionId, long exchangeId, String method,
      String target, String protocol, int requestOnConn) {
    if (trace != null) {
      ((ServerTrace) trace).requestHeadersRead(connectionId, exchangeId, method, target, protocol, requestOnConn);
    }
  }

  /** Malformed input: answered with {@code status} and the connection closed; no handler ran. */
  public static void serverBadRequest(Object trace, long connectionId, int status, String reason) {
    if (trace != null) ((ServerTrace) trace).badRequest(connectionId, status, reason);
  }

  public static void handlerStart(Object trace, long exchangeId) {
    if (trace != null) ((ServerTrace) trace).handlerStart(exchangeId);
  }

  public static void responseCommitted(Object trace, long exchangeId, int status) {
    if (trace != null) ((ServerTrace) trace).responseCommitted(exchangeId, status);
  }

  /** The handler returned ({@code error} null) or threw. */
  public static void handlerEnd(Object trace, long exchangeId, Throwable error) {
    if (trace != null) ((ServerTrace) trace).handlerEnd(exchangeId, error);
  }

  /** The client went away while the handler ran; the request's cancellation fired. */
  public static void serverRequestCanceled(Object trace, long exchangeId) {
    if (trace != null) ((ServerTrace) trace).requestCanceled(exchangeId);
  }

  /** The response was fully written (or abandoned); {@code keepAlive}: the connection serves more. */
  public static void serverExchangeEnd(Object trace, long connectionId, long exchangeId, int status, long bytesRead,
      long bytesWritten, boolean keepAlive) {
    if (trace != null) {
      ((ServerTrace) trace).exchangeEnd(connectionId, exchangeId, status, bytesRead, bytesWritten, keepAlive);
    }
  }

  /** A server connection closed: "clientClosed", "idleTimeout", "readHeaderTimeout", "badRequest", "shutdown", ... */
  public static void serverConnClosed(Object trace, long connectionId, String reason) {
    if (trace != null) ((ServerTrace) trace).connClosed(connectionId, reason);
  }

  // ---------------------------------------------------------------- server HTTP/2 (issue 17)
  //
  // Each HTTP/2 stream is one server exchange with the same steps as an HTTP/1.1 request
  // (serverRequestHeadersRead with protocol "HTTP/2.0" and requestOnConn counting the connection's
  // streams, handlerStart, responseCommitted, handlerEnd, serverRequestCanceled when the peer resets
  // the stream, serverExchangeEnd with keepAlive true while the connection goes on). The steps below
  // are the ones only HTTP/2 has.

  /** A request's HEADERS opened {@code streamId}; called before serverRequestHeadersRead. */
  public static void serverStreamOpened(Object trace, long connectionId, long exchangeId, int streamId,
      int activeStreams) {
    if (trace != null) ((ServerTrace) trace).streamAccepted(connectionId, exchangeId, streamId, activeStreams);
  }

  /**
   * A stream was reset: {@code errorCode} is the RFC 9113 name; {@code sent} true when the server
   * sent the RST_STREAM, false when the client did. {@code exchangeId} is 0 when the stream never
   * became an exchange (refused or malformed).
   */
  public static void serverStreamReset(Object trace, long connectionId, long exchangeId, int streamId,
      String errorCode, boolean sent) {
    if (trace != null) ((ServerTrace) trace).acceptedStreamReset(connectionId, exchangeId, streamId, errorCode, sent);
  }

  /** A GOAWAY on a server connection, sent by the server ({@code sent} true) or received. */
  public static void serverGoAway(Object trace, long connectionId, int lastStreamId, String errorCode, boolean sent) {
    if (trace != null) ((ServerTrace) trace).goAway(connectionId, lastStreamId, errorCode, sent);
  }
}
