package io.httpdiag.agent.runtime;

/**
 * Test only: makes one part of the runtime throw on every call, through its package-private seams,
 * so the fault-safety test can prove that a failure inside the agent never reaches the application.
 * In a child JVM this class is put on the boot path (FaultSafetyIT copies it into a directory given
 * with {@code -Xbootclasspath/a}), so it joins the agent's boot-loaded runtime package; production
 * code reads no switch for it.
 *
 * <p>Sites: {@code sink} (the detectors and reporters behind {@link Events}: {@link SafeSink}
 * catches), {@code events} (the {@link Events} facade itself: the advice's exception handler, or the
 * JDK adapter, catches), {@code sweeper} (the periodic pass: {@link Housekeeping} catches).
 */
public final class FaultSeams {
  private static Sink eventsSink, findingsSink;
  private static LongTable<ExchangeState> exchanges;

  private FaultSeams() {}

  /** Undoes {@code sink} and {@code events} (in-process tests). */
  public static synchronized void reset() {
    if (eventsSink != null) Events.sink = eventsSink;
    if (findingsSink != null) Findings.sink = findingsSink;
    if (exchanges != null) Events.exchanges = exchanges;
    eventsSink = findingsSink = null;
    exchanges = null;
  }

  /** Throws what every injected fault throws. */
  public static RuntimeException fault(String site) {
    return new IllegalStateException("httpdiag.test.failIn=" + site + " (injected)");
  }

  /** Injects the fault of {@code site}; false when the site is not the runtime's. */
  public static synchronized boolean inject(String site) {
    switch (site) {
      case "sink":
        Sink failing = new Sink() {
          @Override public void start(ExchangeState x) { throw fault(site); }
          @Override public void step(ExchangeState x, Step step, long nanos) { throw fault(site); }
          @Override public void end(ExchangeState x) { throw fault(site); }
          @Override public void connection(long connectionId, boolean server, String event, String... keyValues) {
            throw fault(site);
          }
          @Override public void finding(Finding f) { throw fault(site); }
          @Override public void configured(String component, Object instance, String callSite, long... settings) {
            throw fault(site);
          }
          @Override public void client(String client, String event, String... keyValues) { throw fault(site); }
        };
        eventsSink = Events.sink;
        findingsSink = Findings.sink;
        Events.sink = new SafeSink(failing);
        Findings.sink = new SafeSink(failing);
        return true;
      case "events":
        exchanges = Events.exchanges;
        Events.exchanges = new LongTable<>(64) {
          @Override
          public ExchangeState get(long key) {
            throw fault(site);
          }
        };
        return true;
      case "sweeper":
        Housekeeping.register(() -> {
          throw fault(site);
        });
        return true;
      default:
        return false;
    }
  }
}
