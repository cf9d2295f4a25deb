package io.httpdiag.http;

import java.util.Map;

/**
 * A snapshot of a {@link Transport}'s connection pool, taken under the pool lock. Immutable.
 *
 * @param hosts per pool key ("http://host:port"): idle, in-use (including dialing) and waiting
 * @param dials connections dialed since the transport was built (successful or not)
 * @param reuses exchanges that got an already-used connection
 * @param discarded connections closed, by reason: "poolFull" (the idle pool was full),
 *     "undrained" (the body was closed before its end), "connectionClose" (either side asked,
 *     or the body ran to the close), "error", "idleTimeout", "keepAlivesDisabled",
 *     "transportClosed", "canceled", "timeout"
 */
public record TransportStats(Map<String, Host> hosts, long dials, long reuses, Map<String, Long> discarded) {
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

  /**
   * One pool key.
   *
   * @param waiting callers blocked on {@code maxConnsPerHost}
   */
  public record Host(int idle, int inUse, int waiting) {}
}
