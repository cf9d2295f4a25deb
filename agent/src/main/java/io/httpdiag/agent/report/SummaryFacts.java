package io.httpdiag.agent.report;

import io.httpdiag.agent.runtime.ExchangeState;

/**
 * The facts of one exchange's summary line, copied from its {@link ExchangeState} on the thread
 * that ends the exchange and formatted later on the log's writer thread ({@link LogAppender}): so
 * the application's thread only copies primitives and references to strings already built (the
 * redacted URL, the error text), and what happens to the exchange's state afterwards cannot change
 * the line. Immutable; phases are durations in nanoseconds, -1 when a phase was not seen.
 */
final class SummaryFacts {
  private final boolean json;
  private final long id;
  private final boolean server;
  private final String method;
  private final String url;
  private final int status;
  private final long total;
  private final long connectionId;
  private final boolean reused;
  private final int streamId;
  // server
  private final long handler;
  private final long bytesIn;
  private final long bytesOut;
  private final boolean keepAlive;
  // client
  private final long dns;
  private final long connect;
  private final long tls;
  private final long waitForConn;
  private final long firstByte;
  private final long body;
  private final boolean gotConn;
  private final boolean wasIdle;
  private final long idleNanos;
  private final int redirects;
  private final int retries;
  private final boolean bodyEnded;
  private final long responseBytes;
  private final boolean drained;
  private final String putIdleResult;
  // outcome
  private final String timeoutKind;
  private final String canceledWhere;
  private final String error;
  private final String outcome;

  SummaryFacts(ExchangeState x, boolean json) {
    this.json = json;
    id = x.id;
    server = x.server;
    method = x.method;
    url = x.url;
    status = x.status;
    total = x.endAt - x.startNanos;
    connectionId = x.connectionId;
    reused = x.reused;
    streamId = x.streamId;
    handler = ExchangeState.between(x.handlerStartAt, x.handlerEndAt);
    bytesIn = x.bytesIn;
    bytesOut = x.bytesOut;
    keepAlive = x.keepAlive;
    dns = ExchangeState.between(x.dnsStartAt, x.dnsDoneAt);
    connect = ExchangeState.between(x.connectStartAt, x.connectDoneAt);
    tls = ExchangeState.between(x.tlsStartAt, x.tlsDoneAt);
    waitForConn = ExchangeState.between(x.getConnAt, x.gotConnAt);
    firstByte = ExchangeState.between(x.wroteRequestAt, x.firstByteAt);
    body = ExchangeState.between(x.responseHeadersAt, x.bodyEndAt);
    gotConn = x.gotConnAt != 0;
    wasIdle = x.wasIdle;
    idleNanos = x.idleNanos;
    redirects = x.redirects;
    retries = x.retries;
    bodyEnded = x.bodyEnded;
    responseBytes = x.responseBytes;
    drained = x.drained;
    putIdleResult = x.putIdleResult;
    timeoutKind = x.timeoutKind;
    canceledWhere = x.canceledWhere;
    error = x.error;
    outcome = x.outcome(); // one of its constants or a string the state holds: no allocation
  }

  /** Appends the line (no terminator): text {@code httpdiag #4 server GET /hello status=200 ...} or one JSON object. */
  void appendTo(StringBuilder sb) {
    LifecycleLog.Line l = new LifecycleLog.Line(json, sb).exchange(id, server).event("exchange", -1)
        .text(method, String.valueOf(url)) // "null" for a missing URL, as the line always showed
        .json("method", method).json(server ? "target" : "url", url);
    if (status != 0) l.num("status", status);
    l.ms("total", total);
    if (server) {
      l.msIf("handler", handler).num("in", bytesIn).num("out", bytesOut).conn(connectionId);
      if (streamId != 0) l.num("stream", streamId);
      l.bool("reused", reused).bool("keepAlive", keepAlive);
    } else {
      l.msIf("dns", dns).msIf("connect", connect).msIf("tls", tls).msIf("waitForConn", waitForConn)
          .msIf("firstByte", firstByte).msIf("body", body);
      if (gotConn) {
        l.bool("reused", reused).bool("wasIdle", wasIdle);
        if (wasIdle) l.idle(idleNanos);
        l.conn(connectionId);
        if (streamId != 0) l.num("stream", streamId); // HTTP/2: which of the connection's streams
      }
      if (redirects > 0) l.num("redirects", redirects);
      if (retries > 0) l.num("retries", retries);
      if (bodyEnded) l.num("bytes", responseBytes).bool("drained", drained);
      if (putIdleResult != null) l.text("-> putIdleConn", putIdleResult).json("putIdleConn", putIdleResult);
    }
    l.kvIf("timeout", timeoutKind).kvIf("canceled", canceledWhere).kvIf("error", error);
    if (json) l.json("outcome", outcome);
    l.finish();
  }
}
