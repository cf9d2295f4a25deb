package io.httpdiag.http;

import java.util.Map;

/**
 * A snapshot of a {@link Transport}'s connection pool, taken under the pool lock. Immutable.
 *
 * @param hosts per pool key ("http://host:port"): idle, in-use (including dialing) and waiting; an
 *     HTTP/2 connection counts as in use while it carries a stream, idle otherwise
 * @param dials connections dialed since the transport was built (successful or not)
 * @param reuses exchanges that got an already-used connection
 * @param discarded connections closed, by {@link DiscardReason#text()}: "poolFull" (the idle pool
 *     was full), "undrained" (the body was closed before its end), "connectionClose" (either side
 *     asked, or the body ran to the close), "error", "idleTimeout", "keepAlivesDisabled",
 *     "transportClosed", "canceled", "timeout", "unsolicitedResponse"
 * @param h2Dials dials that became HTTP/2 connections (ALPN "h2", or h2c), a subset of {@code dials}
 * @param h2Conns HTTP/2 connections open now
 * @param activeStreams HTTP/2 streams held now across those connections: a stream is held from
 *     its request until its body is read to the end or closed (a body never closed holds one)
 */
public record TransportStats(Map<String, Host> hosts, long dials, long reuses, Map<String, Long> discarded,
    long h2Dials, int h2Conns, int activeStreams) {
  /** A snapshot without HTTP/2 connections. */
  public TransportStats(Map<String, Host> hosts, long dials, long reuses, Map<String, Long> discarded) {
    this(hosts, dials, reuses, discarded, 0, 0, 0);
  }

  /** Total idle connections across hosts. */
  public int idle() {
    int n = 0;
    for (Host h : hosts.values()) n += h.idle();
    return n;
  }

  /** Total connections in use (lent to an exchange or being dialed) across hosts. */
  public int inUse() {
    int n = 0;
    for (Host h : hosts.values()) n += h.inUse();
    return n;
  }

  /** Connections discarded for {@code reason}; 0 when none. */
  public long discarded(String reason) {
    Long n = discarded.get(reason);
    return n == null ? 0 : n;
  }

  /** Connections discarded for {@code reason}; 0 when none. */
  public long discarded(DiscardReason reason) {
    return discarded(reason.text());
  }

  /**
   * Why the transport closed a connection instead of keeping it idle. {@link #text()} is the name
   * used in {@link #discarded()}, in the putIdleConn and connClosed tracepoints and in the agent's
   * log: these strings are an interface.
   */
  public enum DiscardReason {
    /** The idle pool for the host (maxIdleConnsPerHost) or in all (maxIdleConns) was full. */
    POOL_FULL("poolFull"),
    /** The body was closed before its end and the rest was not already buffered. */
    UNDRAINED("undrained"),
    /** Either side asked ({@code Connection: close}), or the body ran to the connection's close. */
    CONNECTION_CLOSE("connectionClose"),
    /** Reading or writing failed. */
    ERROR("error"),
    /** Idle longer than idleConnTimeout. */
    IDLE_TIMEOUT("idleTimeout"),
    /** The transport sends one request per connection. */
    KEEP_ALIVES_DISABLED("keepAlivesDisabled"),
    /** Released after {@link Transport#close()}. */
    TRANSPORT_CLOSED("transportClosed"),
    /** The request was canceled. */
    CANCELED("canceled"),
    /** A timeout fired. */
    TIMEOUT("timeout"),
    /** Closed by {@link Transport#closeIdleConnections()} (traced, not counted). */
    CLOSE_IDLE("closeIdle"),
    /**
     * Bytes arrived while the connection was idle, with no request outstanding (Go closes such a
     * connection and logs "Unsolicited response received on idle HTTP channel").
     */
    UNSOLICITED_RESPONSE("unsolicitedResponse");

    private final String text;

    DiscardReason(String text) {
      this.text = text;
    }

    /** The name in stats and traces, e.g. "poolFull". */
    public String text() {
      return text;
    }
  }

  /**
   * One pool key.
   *
   * @param waiting callers blocked on {@code maxConnsPerHost}
   */
  public record Host(int idle, int inUse, int waiting) {}
}
