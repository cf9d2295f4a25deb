package io.httpdiag.agent.runtime;

/**
 * The sink {@link Events} and {@link Findings} deliver to: the detectors and reporters behind it,
 * with every call's failure counted ({@link Counters#failure}) instead of thrown, so a failing
 * reporter neither reaches the application nor stops the runtime's own bookkeeping.
 */
final class SafeSink implements Sink {
  private final Sink next;

  SafeSink(Sink next) {
    this.next = next;
  }

  @Override
  public void start(ExchangeState x) {
    try {
      next.start(x);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  @Override
  public void step(ExchangeState x, Step step, long nanos) {
    try {
      next.step(x, step, nanos);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  @Override
  public void end(ExchangeState x) {
    try {
      next.end(x);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  @Override
  public void connection(long connectionId, boolean server, String event, String... keyValues) {
    try {
      next.connection(connectionId, server, event, keyValues);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  @Override
  public void finding(Finding f) {
    try {
      next.finding(f);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  @Override
  public void configured(String component, Object instance, String callSite, long... settings) {
    try {
      next.configured(component, instance, callSite, settings);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  @Override
  public void client(String client, String event, String... keyValues) {
    try {
      next.client(client, event, keyValues);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }
}
