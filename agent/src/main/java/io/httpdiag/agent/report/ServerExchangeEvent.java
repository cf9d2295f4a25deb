package io.httpdiag.agent.report;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** One request handled by the server, from request head parsed to response written. */
@Name(ServerExchangeEvent.NAME)
@Label("HTTP Server Exchange")
@Category({"HTTP Diagnostics", "Server"})
@Description("One HTTP request handled by the server")
@StackTrace(false)
public final class ServerExchangeEvent extends Event {
  public static final String NAME = "httpdiag.ServerExchange";

  @Label("Exchange Id") public long exchangeId;
  @Label("Connection Id") public long connectionId;
  @Label("Method") public String method;
  @Label("Target") @Description("The request target, query redacted") public String target;
  @Label("Protocol") public String protocol;
  @Label("Status") public int status;
  @Label("Handler") @Description("handlerStart to handlerEnd." + JfrReporter.NOT_HAPPENED)
  @Timespan(Timespan.NANOSECONDS) public long handlerDuration;
  @Label("Bytes In") @DataAmount public long bytesIn;
  @Label("Bytes Out") @DataAmount public long bytesOut;
  @Label("Connection Reused") @Description("Not the first request on its connection") public boolean connectionReused;
  @Label("Keep-Alive") @Description("The connection serves more requests") public boolean keepAlive;
  @Label("Error") @Description("What the handler threw, if anything") public String error;
  @Label("Stream Id") @Description("The HTTP/2 stream of the request; 0 for HTTP/1.1") public int streamId;
}
