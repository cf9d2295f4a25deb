package io.httpdiag.agent.jmx;

import io.httpdiag.agent.runtime.Counters;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Registers {@link AgentMBean} in the platform MBean server, once, lazily. Never at start-up: an agent
 * that creates the platform MBean server in {@code premain} breaks applications that install their
 * own MBean server builder ({@code javax.management.builder.initial}) or logging before it is made,
 * and pays ~100 ms of class loading in a JVM that may never do HTTP. The wiring calls
 * {@link #registerSoon} on the first use of an HTTP library (or at once on attach, to an application
 * already running); the registration itself runs on a short-lived daemon thread
 * {@value #THREAD_NAME}, so the application thread that triggered it (one loading a class) neither
 * waits for JMX nor loads its classes. Never throws; a failure is counted in {@link Counters#failures}.
 */
public final class JmxRegistration {
  static final String THREAD_NAME = "httpdiag-jmx";
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
      Thread t = new Thread(this::register, THREAD_NAME);
      t.setDaemon(true);
      t.start();
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private void register() {
    try {
      javax.management.MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      javax.management.ObjectName name = AgentMBean.objectName();
      if (!server.isRegistered(name)) server.registerMBean(new AgentMBean(version), name);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }
}
