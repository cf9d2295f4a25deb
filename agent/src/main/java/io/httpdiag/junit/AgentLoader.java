package io.httpdiag.junit;

import io.httpdiag.agent.BootJar;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.util.List;
import java.util.jar.JarFile;
import net.bytebuddy.agent.ByteBuddyAgent;

/**
 * Makes sure the httpdiag agent runs in this JVM: given with {@code -javaagent}, or else attached
 * now through byte-buddy-agent from the jar this class was loaded from. On failure, every later
 * call fails with the same one line, which says how to pass {@code -javaagent}.
 */
final class AgentLoader {
  private static final String INSTALLER = "io.httpdiag.agent.instrument.Installer";
  private static final String EVENTS = "io.httpdiag.agent.runtime.Events";
  /** Agent options for a self-attach: every exchange's call site (the report names the test's line). */
  static final String SELF_ATTACH_OPTIONS = "stacks=all";
  private static boolean ready; // guarded by AgentLoader.class
  private static String failure; // guarded by AgentLoader.class
  private static boolean selfAttached; // guarded by AgentLoader.class

  private AgentLoader() {}

  /** Returns once the agent runs; throws {@link IllegalStateException} with one line otherwise. */
  static synchronized void ensure() {
    if (ready) return;
    if (failure != null) throw new IllegalStateException(failure);
    try {
      if (!installed()) {
        if (onBootPath()) {
          fail("the httpdiag agent is on the boot class path but did not start (see the line it printed at start-up)");
        }
        File jar = agentJar();
        String why = attachRefusedBecause();
        if (why != null) fail(cannotAttach(jar, why));
        try {
          // The copy without Boot-Class-Path (see BootJar): no CDS warning in the test JVM.
          ByteBuddyAgent.attach(BootJar.forAttach(jar), Long.toString(ProcessHandle.current().pid()), SELF_ATTACH_OPTIONS);
        } catch (IOException | RuntimeException | Error e) {
          fail(cannotAttach(jar, rootMessage(e)));
        }
        if (!installed()) fail(cannotAttach(jar, "the agent did not start (see its line on standard error)"));
        selfAttached = true;
      }
      RuntimeBridge.prepare();
      ready = true;
    } catch (IllegalStateException e) {
      failure = e.getMessage();
      throw e;
    }
  }

  static synchronized boolean selfAttached() {
    return selfAttached;
  }

  private static void fail(String message) {
    throw new IllegalStateException(message);
  }

  private static String cannotAttach(File jar, String why) {
    return "httpdiag: cannot attach the agent to this JVM (" + why + "); pass it to the test JVM instead: -javaagent:"
        + jar + " (Maven: <argLine>-javaagent:" + jar + "</argLine> in the surefire/failsafe configuration)";
  }

  /** Why this JVM will refuse a dynamic agent, or null if it may accept one. */
  private static String attachRefusedBecause() {
    if (ModuleLayer.boot().findModule("jdk.attach").isEmpty()) {
      return "this runtime has no jdk.attach module";
    }
    List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
    if (args.contains("-XX:-EnableDynamicAgentLoading")) return "it was started with -XX:-EnableDynamicAgentLoading";
    if (args.contains("-XX:+DisableAttachMechanism")) return "it was started with -XX:+DisableAttachMechanism";
    return null;
  }

  /** The agent jar: where this class came from (or, in an IDE build, the jar beside the classes directory). */
  static File agentJar() {
    File where;
    try {
      where = new File(AgentLoader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException | RuntimeException e) {
      throw new IllegalStateException("httpdiag: cannot tell where the agent jar is (" + e
          + "); pass it to the test JVM: -javaagent:/path/to/httpdiag-agent.jar");
    }
    if (where.isFile() && isAgentJar(where)) return where;
    File beside = new File(where.getParentFile(), "httpdiag-agent.jar");
    if (where.isDirectory() && beside.isFile() && isAgentJar(beside)) return beside;
    throw new IllegalStateException("httpdiag: the leak check runs from " + where
        + ", not from the agent jar, so it cannot attach the agent; pass it to the test JVM: -javaagent:/path/to/httpdiag-agent.jar");
  }

  private static boolean isAgentJar(File f) {
    try (JarFile j = new JarFile(f)) {
      return j.getManifest() != null && j.getManifest().getMainAttributes().getValue("Agent-Class") != null;
    } catch (Exception e) {
      return false;
    }
  }

  private static boolean installed() {
    try {
      return (Boolean) Class.forName(INSTALLER, true, null).getMethod("isInstalled").invoke(null);
    } catch (ClassNotFoundException e) {
      return false;
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  private static boolean onBootPath() {
    try {
      Class.forName(EVENTS, false, null);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String m = root.getMessage() == null ? root.getClass().getName() : root.getClass().getSimpleName() + ": " + root.getMessage();
    return m.replace('\n', ' ');
  }
}
