package io.httpdiag.agent.runtime;

/** The lifecycle steps of one exchange, client and server, named as in the log and Go's httptrace. */
public enum Step {
  EXCHANGE_START("exchangeStart"),
  GET_CONN("getConn"),
  /** The exchange waited for its pool (at its limit) to hand out a connection; see {@link ExchangeState#poolWaitNanos}. */
  POOL_WAIT("poolWait"),
  DNS_START("dnsStart"),
  DNS_DONE("dnsDone"),
  CONNECT_START("connectStart"),
  CONNECT_DONE("connectDone"),
  TLS_HANDSHAKE_START("tlsHandshakeStart"),
  TLS_HANDSHAKE_DONE("tlsHandshakeDone"),
  GOT_CONN("gotConn"),
  WROTE_HEADERS("wroteHeaders"),
  WAIT_100_CONTINUE("wait100Continue"),
  GOT_100_CONTINUE("got100Continue"),
  WROTE_REQUEST("wroteRequest"),
  GOT_FIRST_RESPONSE_BYTE("gotFirstResponseByte"),
  GOT_RESPONSE_HEADERS("gotResponseHeaders"),
  BODY_END("bodyEnd"),
  PUT_IDLE_CONN("putIdleConn"),
  EXCHANGE_FAILED("exchangeFailed"),
  CANCELED("canceled"),
  TIMEOUT("timeout"),
  /** JDK HttpClient: the exchange follows a redirect or retries, under the same exchange id. */
  REDIRECT("redirect"),
  RETRY("retry"),
  // server
  REQUEST_HEADERS_READ("requestHeadersRead"),
  HANDLER_START("handlerStart"),
  RESPONSE_COMMITTED("responseCommitted"),
  HANDLER_END("handlerEnd"),
  REQUEST_CANCELED("requestCanceled"),
  SERVER_EXCHANGE_END("serverExchangeEnd"),
  // HTTP/2, client and server: the exchange's stream opened, and reset (see ExchangeState#streamId)
  STREAM_OPENED("streamOpened"),
  STREAM_RESET("streamReset");

  /** The name printed in the log. */
  public final String label;

  Step(String label) {
    this.label = label;
  }
}
