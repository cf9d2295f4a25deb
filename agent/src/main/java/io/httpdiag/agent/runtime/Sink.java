package io.httpdiag.agent.runtime;

/**
 * Where {@link Events} delivers what it tracked: the reporters (lifecycle log, JFR). Implementations
 * must be fast, must not block on I/O and may throw (Events counts and swallows).
 */
public interface Sink {
  /** An exchange (client or server) was created; {@code x} is fresh. */
  void start(ExchangeState x);

  /** {@code x} has just been updated for {@code step} at {@code nanos} ({@link System#nanoTime()}). */
  void step(ExchangeState x, Step step, long nanos);

  /** {@code x} is complete and forgotten by the runtime after this call. */
  void end(ExchangeState x);

  /**
   * A connection-level event with no exchange: {@code keyValues} alternates names and values
   * (values already redacted).
   */
  void connection(long connectionId, boolean server, String event, String... keyValues);

  /** A finding is due to be reported (first seen, or its count reached 10, 100, ...). */
  default void finding(Finding f) {}

  /**
   * A client, transport or server was configured ({@code component}: "transport", "client",
   * "server", "jdkClient"); {@code settings} alternates names and values (durations in nanoseconds,
   * 0 = none), {@code callSite} is where the user built it.
   */
  default void configured(String component, Object instance, String callSite, long... settings) {}
  /** A client-level event (JDK HttpClient created or stopped); {@code client} is e.g. {@code jdkclient1}. */
  default void client(String client, String event, String... keyValues) {}

  /** Does nothing. */
  Sink NONE = new Sink() {
    @Override public void start(ExchangeState x) {}
    @Override public void step(ExchangeState x, Step step, long nanos) {}
    @Override public void end(ExchangeState x) {}
    @Override public void connection(long connectionId, boolean server, String event, String... keyValues) {}
  };
}
