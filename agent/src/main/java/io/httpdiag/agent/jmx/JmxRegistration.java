package io.httpdiag.agent.jmx;

import io.httpdiag.agent.runtime.Counters;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Registers {@link AgentMBean} in the platform MBean server, once, lazily, and never by creating that
 * server. Creating it (what {@code ManagementFactory.getPlatformMBeanServer()} does the first time)
 * initializes {@code java.util.logging}'s LogManager, which breaks applications that choose their
 * log manager later ({@code java.util.logging.manager}, e.g. JBoss LogManager, Log4j's JUL bridge)
 * or install their own MBean server builder; and it costs ~100 ms of class loading in a JVM nobody
 * watches. Everything that reads MBeans creates the server anyway: the JMX remote agent
 * ({@code -Dcom.sun.management.jmxremote.*}, or started by JConsole or JMC attaching), the
 * Prometheus JMX exporter, Jolokia, Spring's JMX support. So the MBean appears as soon as the
 * server exists: after the first use of an HTTP library (or at once on attach), {@link #registerSoon}
 * starts a daemon thread {@value #THREAD_NAME} that looks for it
 * ({@code MBeanServerFactory.findMBeanServer}, which creates nothing and loads no logging) every
 * 0.5 s, backing off to every {@value #MAX_POLL_MILLIS} ms, registers the MBean once it is there, and
 * ends. Never throws; a failure is counted in {@link Counters#failures}.
 */
public final class JmxRegistration {
  static final String THREAD_NAME = "httpdiag-jmx";
  static final long MAX_POLL_MILLIS = 5_000;
  private final String version;
  private final AtomicBoolean started = new AtomicBoolean();

  /** {@code version}: what the MBean's {@code Version} attribute says. */
  public JmxRegistration(String version) {
    this.version = version;
  }

  /** Starts the registration, once; later calls return at once. Never blocks, never throws. */
  public void registerSoon() {
    try {
      if (!started.compareAndSet(false, true)) return;
      Thread t = new Thread(this::awaitServerAndRegister, THREAD_NAME);
      t.setDaemon(true);
      t.setPriority(Thread.MIN_PRIORITY);
      t.start();
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private void awaitServerAndRegister() {
    try {
      long pause = 500;
      while (javax.management.MBeanServerFactory.findMBeanServer(null).isEmpty()) {
        Thread.sleep(pause);
        pause = Math.min(pause * 2, MAX_POLL_MILLIS);
      }
      javax.management.MBeanServer server = ManagementFactory.getPlatformMBeanServer(); // exists: nothing created
      javax.management.ObjectName name = AgentMBean.objectName();
      if (!server.isRegistered(name)) server.registerMBean(new AgentMBean(version), name);
    } catch (InterruptedException e) {
      // the JVM is going away
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }
}
