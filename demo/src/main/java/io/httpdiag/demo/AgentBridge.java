package io.httpdiag.demo;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The agent's findings registry, reached by reflection: the demo does not link against the agent,
 * and when the agent is attached its runtime lives on the boot class path. Every method is a no-op
 * (or returns nothing) when the agent is not attached.
 */
final class AgentBridge {
  private static final String FINDINGS = "io.httpdiag.agent.runtime.Findings";
  private static final String INSTALLER = "io.httpdiag.agent.instrument.Installer";
  private static final Class<?> findings = load(FINDINGS);

  private AgentBridge() {}

  /** One finding as the summary shows it. */
  record Seen(String kind, String tag, String title, String callSite, String fix, long count, String text) {}

  /** Whether the agent is loaded and its detectors installed. */
  static boolean attached() {
    if (findings == null) return false;
    try {
      Class<?> installer = Class.forName(INSTALLER, false, findings.getClassLoader());
      return (Boolean) installer.getMethod("isInstalled").invoke(null);
    } catch (ReflectiveOperationException | LinkageError e) {
      return true; // an older agent without the probe: the registry is there, trust it
    }
  }

  /** Forgets every finding so far, so the next variant's findings are its own. */
  static void clear() {
    call("clear", new Class<?>[0]);
  }

  /**
   * A check point: runs the age-based detectors as if an hour had passed (no waiting for
   * {@code detect.body.after} or {@code detect.stuck.after}), then returns every finding so far.
   */
  static List<Seen> checkpoint() {
    if (findings == null) return Collections.emptyList();
    call("sweep", new Class<?>[] {long.class}, TimeUnit.HOURS.toNanos(1));
    List<Seen> out = new ArrayList<>();
    Object all = call("all", new Class<?>[0]);
    if (!(all instanceof List<?>)) return out;
    for (Object f : (List<?>) all) {
      try {
        Class<?> c = f.getClass();
        Object kind = c.getField("kind").get(f);
        String tag = (String) kind.getClass().getField("tag").get(kind);
        out.add(new Seen(kind.toString(), tag, (String) c.getMethod("title").invoke(f),
            (String) c.getMethod("callSite").invoke(f), (String) c.getMethod("fix").invoke(f),
            (Long) c.getMethod("count").invoke(f), (String) c.getMethod("text").invoke(f)));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("httpdiag agent: unexpected Finding shape: " + e, e);
      }
    }
    return out;
  }

  private static Object call(String name, Class<?>[] types, Object... args) {
    if (findings == null) return null;
    try {
      Method m = findings.getMethod(name, types);
      return m.invoke(null, args);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("httpdiag agent: cannot call Findings." + name + ": " + e, e);
    }
  }

  private static Class<?> load(String name) {
    try {
      // The boot copy when attached: the agent puts its jar on the bootstrap search path.
      return Class.forName(name, false, ClassLoader.getSystemClassLoader());
    } catch (ClassNotFoundException e) {
      return null;
    }
  }
}
