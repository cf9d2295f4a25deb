package io.httpdiag.agent.report;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** Periodic client connection pool counters, one event per host. Counts are since the agent started. */
@Name(PoolStatsEvent.NAME)
@Label("HTTP Pool Statistics")
@Category({"HTTP Diagnostics", "Client"})
@Description("Client connection pool per library and host: idle and in-use connections, dials, reuses, discards by reason")
@StackTrace(false)
@Period("5 s")
public final class PoolStatsEvent extends Event {
  public static final String NAME = "httpdiag.PoolStats";

  @Label("Client") @Description("The library whose pool this is: core, jdk, okhttp, apache5, apache4, urlconnection")
  public String client;
  @Label("Host") @Description("host:port") public String host;
  @Label("Idle") public long idle;
  @Label("In Use") public long inUse;
  @Label("Dials") public long dials;
  @Label("Reuses") public long reuses;
  @Label("Discarded: Pool Full") public long discardedPoolFull;
  @Label("Discarded: Undrained Body") public long discardedUndrained;
  @Label("Discarded: Connection: close") public long discardedConnectionClose;
  @Label("Discarded: Error") public long discardedError;
  @Label("Discarded: Keep-Alives Disabled") public long discardedKeepAlivesDisabled;
  @Label("Discarded: Transport Closed") public long discardedTransportClosed;
  @Label("Closed: Idle Timeout") public long closedIdleTimeout;
  @Label("Closed: Peer Closed") public long closedPeerClosed;
  @Label("Discarded: Other") public long discardedOther;
}
