package io.httpdiag.agent.report;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** One client exchange, from exchange start to body end (or failure). Phases that did not happen are 0. */
@Name(ExchangeEvent.NAME)
@Label("HTTP Exchange")
@Category({"HTTP Diagnostics", "Client"})
@Description("One HTTP client exchange (request and response) with its phase timings and connection reuse")
@StackTrace(false)
public final class ExchangeEvent extends Event {
  public static final String NAME = "httpdiag.Exchange";

  @Label("Exchange Id") @Description("Per client kind: core-transport's #n or the JDK HttpClient's #jn") public long exchangeId;
  @Label("Client") @Description("core (core-transport) or jdk (java.net.http.HttpClient)") public String client;
  @Label("Method") public String method;
  @Label("URL") @Description("The URL, query and user info redacted") public String url;
  @Label("Host") @Description("host:port") public String host;
  @Label("Status") @Description("Response status, 0 if none") public int status;
  @Label("Connection Id") public long connectionId;
  @Label("Reused") @Description("The connection served an earlier exchange") public boolean reused;
  @Label("Was Idle") @Description("The connection came from the idle pool") public boolean wasIdle;
  @Label("Idle Time") @Timespan(Timespan.NANOSECONDS) public long idleTime;
  @Label("DNS") @Timespan(Timespan.NANOSECONDS) public long dnsDuration;
  @Label("Connect") @Timespan(Timespan.NANOSECONDS) public long connectDuration;
  @Label("TLS Handshake") @Timespan(Timespan.NANOSECONDS) public long tlsDuration;
  @Label("Wait For Connection") @Description("getConn to gotConn: pool wait, dial and handshake")
  @Timespan(Timespan.NANOSECONDS) public long waitForConnDuration;
  @Label("Time To First Byte") @Description("Request written to first response byte")
  @Timespan(Timespan.NANOSECONDS) public long firstByteDuration;
  @Label("Body") @Description("Response headers to body end") @Timespan(Timespan.NANOSECONDS) public long bodyDuration;
  @Label("Request Body Bytes") @DataAmount public long requestBytes;
  @Label("Response Body Bytes") @DataAmount public long responseBytes;
  @Label("Redirects") @Description("Redirects followed inside this exchange (JDK HttpClient)") public int redirects;
  @Label("Retries") @Description("Retries inside this exchange (JDK HttpClient)") public int retries;
  @Label("Drained") @Description("The whole response body was read") public boolean drained;
  @Label("Outcome") @Description("pooled, or why the connection was not pooled, or failed/canceled/timeout")
  public String outcome;
  @Label("Error") public String error;
}
