package io.httpdiag.agent.instrument.jdk;

import io.httpdiag.agent.runtime.FaultSeams;
import io.httpdiag.agent.runtime.WeakIdentityTable;

/**
 * Test only, like {@link FaultSeams} (on the boot path of a child JVM, before the first HTTP use):
 * {@code table} makes the JDK adapter's identity table throw on every call (the adapter catches);
 * {@code jdkWithout:<Class>} stands in a JDK that lacks {@code jdk.internal.net.http.<Class>}.
 */
public final class JdkFaultSeams {
  private JdkFaultSeams() {}

  /** Injects the fault of {@code site}; false when the site is not the JDK adapter's. */
  public static boolean inject(String site) {
    if (site.equals("table")) {
      JdkState.table = new WeakIdentityTable(JdkState.MAX_ENTRIES, JdkState::expunged) {
        @Override
        public Object get(Object key) {
          throw FaultSeams.fault(site);
        }

        @Override
        public boolean put(Object key, Object value, boolean owner) {
          throw FaultSeams.fault(site);
        }
      };
      return true;
    }
    if (site.startsWith("jdkWithout:")) {
      String absent = "jdk.internal.net.http." + site.substring("jdkWithout:".length());
      JdkHttpClientLibrary.jdkHas = name -> !name.equals(absent);
      return true;
    }
    return false;
  }
}
