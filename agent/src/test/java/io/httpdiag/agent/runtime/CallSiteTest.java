package io.httpdiag.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which frames are the user's: a finding's call site is the first one. */
class CallSiteTest {
  @Test
  void theAgentsLibraryAdaptersAreNotTheUsersCode() {
    assertTrue(CallSite.isInternalFrame("io.httpdiag.agent.instrument.jdk.JdkClients.clientCreated(JdkClients.java:25)"));
    assertTrue(CallSite.isInternalFrame("io.httpdiag.agent.instrument.core.CoreTransportInstrumentation$GetConn.enter(X.java:1)"));
    assertTrue(CallSite.isInternalFrame("io.httpdiag.agent.runtime.Events.configured(Events.java:9)"));
  }

  @Test
  void applicationsInNeighbouringPackagesAreTheUsersCode() {
    assertFalse(CallSite.isInternalFrame("io.httpdiag.agent.testapp.JdkLeaks.client(JdkLeaks.java:60)"));
    assertFalse(CallSite.isInternalFrame("io.httpdiag.demo.Scenario.run(Scenario.java:3)"));
    assertFalse(CallSite.isInternalFrame("com.acme.Inventory.refresh(Inventory.java:88)"));
  }
}
