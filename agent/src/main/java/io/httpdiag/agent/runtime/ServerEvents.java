package io.httpdiag.agent.runtime;

/**
 * The server side of the {@link Events} facade: core-transport's server tracepoints. Same contract:
 * never blocks; the caller's handler counts what this code throws.
 */
public final class ServerEvents {
  private ServerEvents() {}

  public static void serverConnAccepted(long connectionId, String remoteAddress, String localAddress) {
    if (Events.enabled) {
      Events.sink.connection(connectionId, true, "connAccepted", "remote", remoteAddress, "local", localAddress);
    }
  }

  public static void serverConnState(long connectionId, String state) {
    if (Events.enabled) Events.sink.connection(connectionId, true, "connState", "state", state);
  }

  public static void serverTlsHandshakeDone(long connectionId, String protocol, String cipherSuite, String alpn,
      Throwable error) {
    if (Events.enabled) {
      Events.sink.connection(connectionId, true, "tlsHandshakeDone", "protocol", protocol, "cipher", cipherSuite,
          "alpn", alpn, "error", error == null ? null : Events.describe(error));
    }
  }

  public static void serverRequestHeadersRead(long connectionId, long exchangeId, String method, String target,
      String protocol, int requestOnConn) {
    if (!Events.enabled) return;
    long now = System.nanoTime();
    if (Events.exchanges.size() >= Events.maxExchanges) {
      Counters.droppedExchanges.incrementAndGet();
      if (!Http2Events.pendingServerStreams.isEmpty()) Http2Events.pendingServerStreams.remove(exchangeId);
      return;
    }
    ExchangeState x = new ExchangeState(exchangeId, true, now);
    x.connectionId = connectionId;
    x.method = method;
    x.url = Events.redactor.url(target);
    x.protocol = protocol;
    x.requestOnConn = requestOnConn;
    x.reused = requestOnConn > 1;
    x.thread = Thread.currentThread(); // the connection's thread runs the handler
    Http2Events.serverExchangeStarted(x);
    Events.exchanges.put(exchangeId, x);
    Counters.trackedExchanges.increment();
    Events.sink.start(x);
    Events.sink.step(x, Step.REQUEST_HEADERS_READ, now);
    if (x.streamId != 0) Events.sink.step(x, Step.STREAM_OPENED, now);
  }

  public static void serverBadRequest(long connectionId, int status, String reason) {
    if (Events.enabled) {
      Events.sink.connection(connectionId, true, "badRequest", "status", Integer.toString(status), "reason", reason);
    }
  }

  public static void handlerStart(long exchangeId) {
    ExchangeState x = Events.find(exchangeId);
    if (x == null) return;
    ThreadTracker.handlerStart(exchangeId, x.method, x.url);
    x.handlerStartAt = System.nanoTime();
    Events.sink.step(x, Step.HANDLER_START, x.handlerStartAt);
  }

  public static void responseCommitted(long exchangeId, int status) {
    ExchangeState x = Events.find(exchangeId);
    if (x == null) return;
    x.committedAt = System.nanoTime();
    x.status = status;
    Events.sink.step(x, Step.RESPONSE_COMMITTED, x.committedAt);
  }

  public static void handlerEnd(long exchangeId, Throwable error) {
    ThreadTracker.handlerEnd(exchangeId);
    ExchangeState x = Events.find(exchangeId);
    if (x == null) return;
    x.handlerEndAt = System.nanoTime();
    if (error != null) x.error = Events.describe(error);
    Events.sink.step(x, Step.HANDLER_END, x.handlerEndAt);
  }

  public static void serverRequestCanceled(long exchangeId) {
    ExchangeState x = Events.find(exchangeId);
    if (x == null) return;
    x.canceledWhere = "handler";
    Events.sink.step(x, Step.REQUEST_CANCELED, System.nanoTime());
  }

  public static void serverExchangeEnd(long connectionId, long exchangeId, int status, long bytesRead,
      long bytesWritten, boolean keepAlive) {
    ExchangeState x = Events.find(exchangeId);
    if (x == null) return;
    x.endAt = System.nanoTime();
    x.status = status;
    x.bytesIn = bytesRead;
    x.bytesOut = bytesWritten;
    x.keepAlive = keepAlive;
    Events.sink.step(x, Step.SERVER_EXCHANGE_END, x.endAt);
    Events.end(x);
  }

  public static void serverConnClosed(long connectionId, String reason) {
    if (!Events.enabled) return;
    Events.sink.connection(connectionId, true, "connClosed", Http2Events.closeKeyValues(connectionId, reason));
    Http2Events.closed(connectionId);
  }
}
