package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.agent.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import org.junit.jupiter.api.Test;

/**
 * The {@code io.httpdiag:type=Agent} MBean, read over a real JMX connection from outside the child
 * JVM, with nothing but open types (this JVM has the agent's classes on its class path, but the
 * assertions use only {@code javax.management} types): registered on the first HTTP use and not
 * before, never when {@code jmx=off}, and the agent does not create the platform MBean server itself
 * before the application does HTTP.
 */
class JmxIT {
  private static final Duration DEADLINE = Duration.ofSeconds(90); // only bounds a failure

  @Test
  void registeredOnFirstHttpUseAndShowsFindingsExchangesAndPools() throws Exception {
    int port = JmxTargets.freePort();
    try (ChildJvm.Started child = JmxTargets.target("detect.body.after=300ms,stacks=all", port).start();
        JMXConnector jmx = JmxTargets.connect(port)) {
      child.awaitStdout("testapp: ready"::equals, DEADLINE);
      MBeanServerConnection c = jmx.getMBeanServerConnection();
      ObjectName agent = new ObjectName("io.httpdiag:type=Agent");
      assertEquals(Set.of(), c.queryNames(new ObjectName("io.httpdiag:*"), null), "registered before any HTTP use");

      child.sendLine("leak");
      child.awaitStdout(l -> l.startsWith("testapp: leaked"), DEADLINE);
      Await.until(DEADLINE, () -> c.isRegistered(agent), () -> agent + " registered after the first HTTP use");
      TabularData kinds = (TabularData) c.getAttribute(agent, "FindingsByKind");
      assertEquals(1L, kinds.get(new Object[] {"BODY_NOT_CLOSED"}).get("count"), kinds.toString());
      assertEquals(0L, kinds.get(new Object[] {"STUCK_EXCHANGE"}).get("count"), kinds.toString());
      assertEquals(1L, c.getAttribute(agent, "FindingsTotal"));
      // The child serves itself: each GET is a client and a server exchange, both core-transport's.
      assertEquals(2L, c.getAttribute(agent, "ExchangesSeen"));
      assertEquals(1L, c.getAttribute(agent, "ExchangesInFlight"), "the leaked exchange is still open");

      child.sendLine("get");
      child.awaitStdout("testapp: got"::equals, DEADLINE);
      assertEquals(4L, c.getAttribute(agent, "ExchangesSeen"));
      assertEquals(0L, c.getAttribute(agent, "ExchangesDropped"));
      CompositeData pool = onlyRow((TabularData) c.getAttribute(agent, "Pools"), "core");
      assertTrue(((String) pool.get("host")).startsWith("127.0.0.1:"), pool.toString());
      // The leaked body holds its connection; the second GET dialed another and returned it to the pool.
      assertEquals(2L, pool.get("dials"), pool.toString());
      assertEquals(1L, pool.get("inUse"), pool.toString());
      assertEquals(1L, pool.get("idle"), pool.toString());
      assertEquals(0L, pool.get("discards"), pool.toString());
      assertEquals(0L, c.getAttribute(agent, "Failures"));
      assertEquals(0L, c.getAttribute(agent, "TransformationErrors"));
      assertTrue((Long) c.getAttribute(agent, "Transformations") > 0);
      assertNotNull(c.getAttribute(agent, "Version"));
      child.sendLine("exit");
    }
  }

  @Test
  void jmxOffRegistersNoMBean() throws Exception {
    int port = JmxTargets.freePort();
    try (ChildJvm.Started child = JmxTargets.target("jmx=off,detect.body.after=300ms", port).start();
        JMXConnector jmx = JmxTargets.connect(port)) {
      child.awaitStdout("testapp: ready"::equals, DEADLINE);
      child.sendLine("leak");
      child.awaitStdout(l -> l.startsWith("testapp: leaked"), DEADLINE);
      // With jmx=on the MBean is registered within milliseconds of the first HTTP use; the finding took 300 ms more.
      assertEquals(Set.of(), jmx.getMBeanServerConnection().queryNames(new ObjectName("io.httpdiag:*"), null));
      child.sendLine("exit");
    }
  }

  @Test
  void agentNeverCreatesThePlatformMBeanServerAndRegistersOnceItExists() throws Exception {
    try (ChildJvm.Started child = JmxTargets.target("detect.body.after=300ms", 0).start()) {
      child.awaitStdout("testapp: ready"::equals, DEADLINE);
      child.sendLine("probe");
      child.awaitStdout(l -> l.startsWith("testapp: platformMBeanServer="), DEADLINE);
      assertEquals(List.of("testapp: platformMBeanServer=absent"), probes(child));
      child.sendLine("get");
      child.awaitStdout("testapp: got"::equals, DEADLINE);
      // Creating it would initialize java.util.logging's LogManager before the application chose one.
      // The registration thread polls every 0.5 s at first: give it a few rounds to do the wrong thing.
      child.sendLine("leak");
      child.awaitStdout(l -> l.startsWith("testapp: leaked"), DEADLINE);
      child.sendLine("probe");
      child.sendLine("makeServer"); // the child runs its commands in order: the probe has answered by now
      child.awaitStdout("testapp: server made"::equals, DEADLINE);
      assertEquals(List.of("testapp: platformMBeanServer=absent", "testapp: platformMBeanServer=absent"), probes(child),
          "the agent made the platform MBean server after HTTP use");
      child.sendLine("awaitMBean");
      child.awaitStdout("testapp: mbean registered"::equals, DEADLINE);
      child.sendLine("exit");
    }
  }

  @Test
  void jmxOffCreatesNoPlatformMBeanServerAfterHttpUseEither() throws Exception {
    try (ChildJvm.Started child = JmxTargets.target("jmx=off", 0).start()) {
      child.awaitStdout("testapp: ready"::equals, DEADLINE);
      child.sendLine("get");
      child.awaitStdout("testapp: got"::equals, DEADLINE);
      child.sendLine("probe");
      child.awaitStdout(l -> l.startsWith("testapp: platformMBeanServer="), DEADLINE);
      assertEquals(List.of("testapp: platformMBeanServer=absent"), probes(child));
      child.sendLine("exit");
    }
  }

  private static List<String> probes(ChildJvm.Started child) throws Exception {
    List<String> out = new ArrayList<>();
    for (String l : ChildJvm.lines(child.out)) {
      if (l.startsWith("testapp: platformMBeanServer=")) out.add(l);
    }
    return out;
  }

  private static CompositeData onlyRow(TabularData table, String library) {
    CompositeData found = null;
    for (Object row : table.values()) {
      CompositeData r = (CompositeData) row;
      if (!library.equals(r.get("library"))) continue;
      assertFalse(found != null, "more than one " + library + " pool: " + table);
      found = r;
    }
    assertNotNull(found, "no " + library + " pool in " + table);
    return found;
  }
}
