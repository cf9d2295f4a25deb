package io.httpdiag.agent;

import io.httpdiag.agent.detect.Detectors;
import io.httpdiag.agent.instrument.Instrumenter;
import io.httpdiag.agent.instrument.Libraries;
import io.httpdiag.agent.jmx.JmxRegistration;
import io.httpdiag.agent.instrument.Library;
import io.httpdiag.agent.report.Reporter;
import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.Housekeeping;
import java.lang.instrument.Instrumentation;

/**
 * Wires the agent, once, from one immutable {@link Config}, in the direction data flows:
 * tracepoint (the instrumented libraries) → event ({@link Events}) → detectors → reporters. Each
 * stage is built with the next one in hand: reporters first, then the detectors fed by the
 * runtime and reporting to the reporters, then the runtime, then the instrumentation. Loaded by the
 * bootstrap loader (see {@link Agent}), so everything it touches resolves to the single boot copy.
 * Never throws; prints at most one line.
 */
public final class Bootstrap {
  private static volatile boolean installed;

  private Bootstrap() {}

  /** Called through {@code instrument.Installer.install} (the name {@code Agent} loads reflectively). */
  public static synchronized void install(String agentArgs, Instrumentation inst, boolean dynamic, String jarPath) {
    try {
      if (installed) {
        System.err.println("httpdiag: agent already installed in this JVM; ignoring the new options " + agentArgs);
        return;
      }
      Config config;
      try {
        config = Config.parse(agentArgs, System.getProperties());
      } catch (IllegalArgumentException e) {
        System.err.println("httpdiag: " + e.getMessage() + "; agent disabled");
        return;
      }
      installed = true;
      // The MBean waits for the first HTTP use: never JMX at start-up (see JmxRegistration).
      Runnable onFirstHttpUse = config.jmx ? new JmxRegistration(version())::registerSoon : () -> { };
      Instrumenter instrumenter = new Instrumenter(inst, config, jarPath, onFirstHttpUse);
      // First, so that loading ByteBuddy on its own thread overlaps the rest of this wiring (the
      // reporter and JFR take tens of ms) instead of following it: an application that does HTTP
      // at once waits for the rest of the warm-up at its first use.
      if (!dynamic) instrumenter.startWarmUp();
      for (Library l : Libraries.enabled(config)) {
        Runnable task = l.housekeeping();
        if (task != null) Housekeeping.register(task);
      }
      Reporter reporter = Reporter.create(config);
      Reconfigure.installed(reporter); // what a second attach may change (Agent calls Reconfigure)
      Detectors detectors = new Detectors(config, reporter, Housekeeping::run);
      if (detectors.active()) {
        Events.install(config, detectors, reporter, instrumenter::beforeFirstThreadScope, detectors::sweep);
        detectors.startSweeper();
      } else {
        Events.install(config, reporter, reporter, instrumenter::beforeFirstThreadScope, null);
      }
      if (dynamic) {
        instrumenter.installNow(); // attached to a running JVM: the classes are loaded already
      } else {
        instrumenter.onFirstUse();
      }
    } catch (Throwable t) {
      Throwable root = t;
      while (root.getCause() != null) root = root.getCause();
      StackTraceElement[] where = root.getStackTrace();
      System.err.println("httpdiag: agent failed to start: " + t + (root != t ? " caused by " + root : "")
          + (where.length > 0 ? " at " + where[0] : "") + "; agent disabled");
    }
  }

  /** The jar's Implementation-Version, or "dev". */
  private static String version() {
    Package p = Bootstrap.class.getPackage();
    String v = p == null ? null : p.getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Whether {@link #install} succeeded in this JVM. */
  public static boolean isInstalled() {
    return installed;
  }
}
