package io.httpdiag.agent.runtime;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP/2 side of the {@link Events} facade: core-transport's stream and GOAWAY tracepoints,
 * client and server. Every other step of an HTTP/2 exchange is an HTTP/1.1 one and goes through
 * {@link Events} and {@link ServerEvents}. Same contract: never blocks; the caller's handler counts
 * what this code throws.
 */
public final class Http2Events {
  private static final Http2Connections connections = new Http2Connections();
  /**
   * Server streams opened whose exchange has not started yet (serverStreamOpened comes before
   * serverRequestHeadersRead): exchange id → {@code streamId << 32 | activeStreams}. An entry lives
   * between the two calls; a stream that never becomes an exchange is reset (exchange id 0) or
   * removed when its reset names it. Bounded by {@code max.exchanges}.
   */
  static final ConcurrentHashMap<Long, Long> pendingServerStreams = new ConcurrentHashMap<>();

  private Http2Events() {}

  /** The HTTP/2 connections with their streams served and GOAWAY. */
  public static Http2Connections connections() {
    return connections;
  }

  // ---------------------------------------------------------------- client

  /** The exchange's HEADERS opened {@code streamId}; {@code activeStreams} counts it. */
  public static void clientStreamOpened(long exchangeId, long connectionId, int streamId, int activeStreams) {
    if (!Events.enabled) return;
    connections.streamOpened(connectionId, false, activeStreams);
    ExchangeState x = Events.find(exchangeId);
    if (x == null) return;
    x.streamId = streamId;
    x.activeStreams = activeStreams;
    if (connectionId != 0) x.connectionId = connectionId;
    Events.sink.step(x, Step.STREAM_OPENED, System.nanoTime());
  }

  /** The exchange's stream was reset with {@code errorCode}, by this client ({@code sent}) or the server. */
  public static void clientStreamReset(long exchangeId, long connectionId, int streamId, String errorCode,
      boolean sent) {
    ExchangeState x = Events.find(exchangeId);
    if (x == null) return;
    if (x.streamId == 0) x.streamId = streamId;
    x.streamResetCode = errorCode;
    x.streamResetSent = sent;
    Events.sink.step(x, Step.STREAM_RESET, System.nanoTime());
  }

  /** A GOAWAY on a client connection, received ({@code sent} false) or sent. */
  public static void clientGoAway(long connectionId, int lastStreamId, String errorCode, boolean sent) {
    goAway(connectionId, false, lastStreamId, errorCode, sent);
  }

  // ---------------------------------------------------------------- server

  /** A request's HEADERS opened {@code streamId}; its exchange starts at serverRequestHeadersRead. */
  public static void serverStreamOpened(long connectionId, long exchangeId, int streamId, int activeStreams) {
    if (!Events.enabled) return;
    connections.streamOpened(connectionId, true, activeStreams);
    if (pendingServerStreams.size() >= Events.maxExchanges) return; // the exchange would be dropped too
    pendingServerStreams.put(exchangeId, ((long) streamId << 32) | (activeStreams & 0xFFFFFFFFL));
  }

  /**
   * Called by {@link ServerEvents#serverRequestHeadersRead} for every request: gives {@code x} its
   * stream when one opened it. An HTTP/1.1 request pays one {@code isEmpty} check.
   */
  static void serverExchangeStarted(ExchangeState x) {
    if (pendingServerStreams.isEmpty()) return;
    Long stream = pendingServerStreams.remove(x.id);
    if (stream == null) return;
    x.streamId = (int) (stream >>> 32);
    x.activeStreams = (int) (long) stream;
  }

  /**
   * A server stream was reset ({@code sent}: by the server). {@code exchangeId} 0: the stream never
   * became an exchange (refused, malformed); reported as a connection event then.
   */
  public static void serverStreamReset(long connectionId, long exchangeId, int streamId, String errorCode,
      boolean sent) {
    if (!Events.enabled) return;
    if (exchangeId != 0 && !pendingServerStreams.isEmpty()) pendingServerStreams.remove(exchangeId);
    ExchangeState x = exchangeId == 0 ? null : Events.find(exchangeId);
    if (x == null) {
      Events.sink.connection(connectionId, true, "streamReset", "stream", Integer.toString(streamId), "code",
          errorCode, "sent", Boolean.toString(sent));
      return;
    }
    if (x.streamId == 0) x.streamId = streamId;
    x.streamResetCode = errorCode;
    x.streamResetSent = sent;
    Events.sink.step(x, Step.STREAM_RESET, System.nanoTime());
  }

  /** A GOAWAY on a server connection, sent ({@code sent} true) or received. */
  public static void serverGoAway(long connectionId, int lastStreamId, String errorCode, boolean sent) {
    goAway(connectionId, true, lastStreamId, errorCode, sent);
  }

  // ---------------------------------------------------------------- connections

  private static void goAway(long connectionId, boolean server, int lastStreamId, String errorCode, boolean sent) {
    if (!Events.enabled) return;
    Http2Connections.Conn c = connections.goAway(connectionId, server, lastStreamId, errorCode, sent);
    Events.sink.connection(connectionId, server, "goAway", "lastStreamId", Integer.toString(lastStreamId), "code",
        errorCode, "sent", Boolean.toString(sent), "streams", c == null ? null : Integer.toString(c.streams()));
  }

  /**
   * The key-values of a connection's close: {@code reason}, and for an HTTP/2 connection the streams
   * it served. Call {@link #closed} after the sink saw the close.
   */
  static String[] closeKeyValues(long connectionId, String reason) {
    Http2Connections.Conn c = connections.get(connectionId);
    return c == null ? new String[] {"reason", reason}
        : new String[] {"reason", reason, "streams", Integer.toString(c.streams())};
  }

  /** Forgets an HTTP/2 connection once its close was delivered. */
  static void closed(long connectionId) {
    connections.closed(connectionId);
  }
}
