package io.httpdiag.agent.report;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * One client exchange, from exchange start to body end (or failure). A phase that did not happen (no
 * DNS for an IP literal or a reused connection, no TLS on plain HTTP...) is {@code Long.MIN_VALUE},
 * which {@code jfr print} shows as N/A, never 0: a 0 would pull every average down.
 */
@Name(ExchangeEvent.NAME)
@Label("HTTP Exchange")
@Category({"HTTP Diagnostics", "Client"})
@Description("One HTTP client exchange (request and response) with its phase timings and connection reuse."
    + " A phase that did not happen is Long.MIN_VALUE (N/A), not 0")
@StackTrace(false)
public final class ExchangeEvent extends Event {
  public static final String NAME = "httpdiag.Exchange";

  @Label("Exchange Id") @Description("The number n of the log's #n, #jn, #okn...: unique per client library") public long exchangeId;
  @Label("Client") @Description("The library: core (core-transport), jdk (java.net.http.HttpClient), urlconnection (HttpURLConnection), okhttp, apache5, apache4") public String client;
  @Label("Method") public String method;
  @Label("URL") @Description("The URL, query and user info redacted") public String url;
  @Label("Host") @Description("host:port") public String host;
  @Label("Status") @Description("Response status, 0 if none") public int status;
  @Label("Connection Id") public long connectionId;
  @Label("Reused") @Description("The connection served an earlier exchange") public boolean reused;
  @Label("Was Idle") @Description("The connection came from the idle pool") public boolean wasIdle;
  @Label("Idle Time") @Description("How long the connection waited in the idle pool." + JfrReporter.NOT_HAPPENED_IDLE)
  @Timespan(Timespan.NANOSECONDS) public long idleTime;
  @Label("DNS") @Description("dnsStart to dnsDone." + JfrReporter.NOT_HAPPENED_DIAL)
  @Timespan(Timespan.NANOSECONDS) public long dnsDuration;
  @Label("Connect") @Description("TCP connect." + JfrReporter.NOT_HAPPENED_DIAL)
  @Timespan(Timespan.NANOSECONDS) public long connectDuration;
  @Label("TLS Handshake") @Description("TLS handshake." + JfrReporter.NOT_HAPPENED_TLS)
  @Timespan(Timespan.NANOSECONDS) public long tlsDuration;
  @Label("Wait For Connection") @Description("getConn to gotConn: pool wait, dial and handshake." + JfrReporter.NOT_HAPPENED)
  @Timespan(Timespan.NANOSECONDS) public long waitForConnDuration;
  @Label("Time To First Byte") @Description("Request written to first response byte." + JfrReporter.NOT_HAPPENED)
  @Timespan(Timespan.NANOSECONDS) public long firstByteDuration;
  @Label("Body") @Description("Response headers to body end." + JfrReporter.NOT_HAPPENED)
  @Timespan(Timespan.NANOSECONDS) public long bodyDuration;
  @Label("Request Body Bytes") @DataAmount public long requestBytes;
  @Label("Response Body Bytes") @DataAmount public long responseBytes;
  @Label("Redirects") @Description("Redirects followed inside this exchange (JDK HttpClient)") public int redirects;
  @Label("Retries") @Description("Retries inside this exchange (JDK HttpClient)") public int retries;
  @Label("Drained") @Description("The whole response body was read") public boolean drained;
  @Label("Outcome") @Description("pooled, or why the connection was not pooled, or failed/canceled/timeout")
  public String outcome;
  @Label("Error") public String error;
  @Label("Protocol") @Description("HTTP/1.1 or HTTP/2.0") public String protocol;
  @Label("Stream Id") @Description("The HTTP/2 stream of the exchange; 0 for HTTP/1.1, and for HTTP/2 on clients whose"
      + " stream ids are not observed (the JDK HttpClient)") public int streamId;
}
