package io.httpdiag.agent.testapp;

/**
 * {@link CoreSemantics} with one fault injected into the agent first: {@code -Dfault=<site>} names it
 * (see FaultSeams and JdkFaultSeams, which FaultSafetyIT puts on the child's boot path). Runs before
 * the application's first HTTP use, so the agent has not instrumented anything yet.
 */
public final class FaultInjected {
  private FaultInjected() {}

  public static void main(String[] args) throws Exception {
    String site = System.getProperty("fault");
    boolean injected = false;
    for (String seams : new String[] {"io.httpdiag.agent.runtime.FaultSeams",
        "io.httpdiag.agent.instrument.jdk.JdkFaultSeams"}) {
      // The boot copy (null loader): the one in the agent's runtime packages.
      Class<?> c = Class.forName(seams, true, null);
      injected |= (Boolean) c.getMethod("inject", String.class).invoke(null, site);
    }
    if (!injected) throw new IllegalArgumentException("no such fault site: " + site);
    CoreSemantics.main(args);
  }
}
