package io.httpdiag.agent.report;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** A client connection being established: dial, then TLS handshake if any. */
@Name(ConnectionEvent.NAME)
@Label("HTTP Connection")
@Category({"HTTP Diagnostics", "Client"})
@Description("A new client connection: TCP connect and TLS handshake. Committed once the first request went out on it;"
    + " an HTTP/2 connection's when it closes, with the streams it served")
@StackTrace(false)
public final class ConnectionEvent extends Event {
  public static final String NAME = "httpdiag.Connection";

  @Label("Connection Id") @Description("0 when the dial failed") public long connectionId;
  @Label("Exchange Id") @Description("The exchange that dialed") public long exchangeId;
  @Label("Client") @Description("The library: core (core-transport), jdk (java.net.http.HttpClient), urlconnection (HttpURLConnection), okhttp, apache5, apache4") public String client;
  @Label("Host") @Description("host:port") public String host;
  @Label("Address") @Description("The address dialed") public String address;
  @Label("Connect") @Description("TCP connect." + JfrReporter.NOT_HAPPENED)
  @Timespan(Timespan.NANOSECONDS) public long connectDuration;
  @Label("TLS Protocol") public String tlsProtocol;
  @Label("TLS Cipher Suite") public String tlsCipherSuite;
  @Label("ALPN") public String alpn;
  @Label("TLS Handshake") @Description("TLS handshake." + JfrReporter.NOT_HAPPENED_TLS)
  @Timespan(Timespan.NANOSECONDS) public long tlsDuration;
  @Label("Error") public String error;
  @Label("Protocol") @Description("HTTP/1.1, or HTTP/2.0 when the connection carried streams; null when the dial failed")
  public String protocol;
  @Label("Streams") @Description("HTTP/2: streams the connection served, committed when it closed; 0 for HTTP/1.1")
  public int streams;
  @Label("Peak Streams") @Description("HTTP/2: the most streams open on it at once; 0 for HTTP/1.1")
  public int peakStreams;
  @Label("GOAWAY Code") @Description("HTTP/2: the error code of its GOAWAY (NO_ERROR when graceful), null when none")
  public String goAwayCode;
  @Label("GOAWAY Sent") @Description("HTTP/2: this client sent the GOAWAY (false: the server did, or none)")
  public boolean goAwaySent;

  /** Set once {@link #end} ran: the duration stays the dial and handshake however late the commit. */
  private transient boolean ended;

  /** {@link #end}, once. */
  void endNow() {
    if (ended) return;
    ended = true;
    end();
  }
}
