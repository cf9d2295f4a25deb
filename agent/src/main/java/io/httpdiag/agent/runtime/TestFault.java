package io.httpdiag.agent.runtime;

/**
 * Test only. {@code -Dhttpdiag.test.failIn=<site>} makes one part of the agent throw on every call,
 * so the fault-safety tests can prove that a failure inside the agent never reaches the application.
 * Read once; unset (always, outside the agent's own tests) each check is a null test on a constant.
 *
 * <p>Sites: {@code sink} (the reporters and detectors behind {@link Events}: Events and
 * {@link JdkClient} catch), {@code events} (the {@link Events} facade itself, outside its own catch:
 * the advice's exception handler catches), {@code table} (JdkClient's {@link WeakIdentityTable}:
 * JdkClient catches), {@code sweeper} (the detectors' periodic sweep: the sweeper thread catches).
 */
public final class TestFault {
  static final String SITE = System.getProperty("httpdiag.test.failIn");

  private TestFault() {}

  /** Throws when {@code site} is the one named by {@code httpdiag.test.failIn}. */
  public static void at(String site) {
    if (SITE != null && SITE.equals(site)) throw new IllegalStateException("httpdiag.test.failIn=" + site + " (injected)");
  }

  /** {@code sink}, or a sink that throws from every method when the site is {@code sink}. */
  static Sink wrap(Sink sink) {
    if (!"sink".equals(SITE)) return sink;
    return new Sink() {
      @Override public void start(ExchangeState x) { at("sink"); }
      @Override public void step(ExchangeState x, Step step, long nanos) { at("sink"); }
      @Override public void end(ExchangeState x) { at("sink"); }
      @Override public void connection(long connectionId, boolean server, String event, String... keyValues) { at("sink"); }
      @Override public void finding(Finding f) { at("sink"); }
      @Override public void configured(String component, Object instance, String callSite, long... settings) { at("sink"); }
      @Override public void client(String client, String event, String... keyValues) { at("sink"); }
    };
  }
}
