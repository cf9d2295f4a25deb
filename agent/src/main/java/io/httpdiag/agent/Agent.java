package io.httpdiag.agent;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarFile;

/**
 * Entry point of {@code -javaagent:httpdiag-agent.jar=options} and of dynamic attach. Makes sure the
 * runtime's classes are boot-loaded, then loads the installer through the bootstrap loader, so the
 * runtime that advice calls exists exactly once and is visible from every loader (the JDK HttpClient
 * is defined by the platform loader). With {@code -javaagent} the manifest's {@code Boot-Class-Path}
 * (the jar's own name) has done that before the JVM initialised, without the JVM's CDS warning; on
 * attach {@link BootInjector} defines them (a renamed jar is appended, with the JVM's warning, and one line says why). Does nothing else; never throws;
 * at most one line on failure.
 */
public final class Agent {
  private static final String INSTALLER = "io.httpdiag.agent.instrument.Installer";
  private static final String CONFIG = "io.httpdiag.agent.runtime.Config";
  private static final String RUNTIME_PROBE = "io.httpdiag.agent.runtime.Events";
  private static final String INJECTOR = "io.httpdiag.agent.BootInjector";
  private static final String RECONFIGURE = "io.httpdiag.agent.Reconfigure";
  /**
   * How the attach CLI learns what happened in the target: it passes {@code httpdiag.reply=<nonce>,}
   * before the options, the agent leaves {@code "<exit code> <line>"} in the target's system property
   * {@code httpdiag.attach.reply.<nonce>}, and the CLI reads it through the attach API
   * ({@code VirtualMachine.getSystemProperties}): an agentmain's exception reaches the attacher only
   * as "agent failed to initialize", without its message.
   */
  public static final String REPLY_OPTION = "httpdiag.reply=";
  public static final String REPLY_PROPERTY = "httpdiag.attach.reply.";

  private Agent() {}

  public static void premain(String agentArgs, Instrumentation inst) {
    start(agentArgs, inst, false);
  }

  public static void agentmain(String agentArgs, Instrumentation inst) {
    start(agentArgs, inst, true);
  }

  private static void start(String args, Instrumentation inst, boolean dynamic) {
    // The attach CLI's reply channel: "httpdiag.reply=<nonce>," before the options (see replyTo).
    String nonce = null;
    String agentArgs = args;
    if (dynamic && args != null && args.startsWith(REPLY_OPTION)) {
      int comma = args.indexOf(',');
      nonce = args.substring(REPLY_OPTION.length(), comma < 0 ? args.length() : comma);
      agentArgs = comma < 0 ? "" : args.substring(comma + 1);
      if (!nonce.matches("[0-9a-z]{1,32}")) nonce = null;
    }
    try {
      // Before any ByteBuddy class loads: the Nexus would need sun.misc.Unsafe (a warning on JDK 25).
      System.setProperty("net.bytebuddy.nexus.disabled", "true");
      File jar = agentJar();
      boolean onBootPath = onBootPath();
      if (onBootPath && installed()) {
        // A second attach: change what can change at run time (nothing is validated or opened first).
        String verdict = (String) Class.forName(RECONFIGURE, true, null).getMethod("apply", String.class)
            .invoke(null, agentArgs);
        if (nonce != null) {
          System.setProperty(REPLY_PROPERTY + nonce, verdict.charAt(0) + " already runs the agent: " + verdict.substring(2));
        } else {
          System.err.println("httpdiag: attach: " + verdict.substring(2));
        }
        return;
      }
      // Validate first, so bad options leave the JVM untouched and the user sees exactly one line.
      String error = validate(jar, agentArgs, onBootPath);
      if (error != null) {
        System.err.println("httpdiag: " + error + "; agent disabled");
        if (nonce != null) System.setProperty(REPLY_PROPERTY + nonce, "2 " + error + "; agent disabled");
        return;
      }
      if (!onBootPath && dynamic) {
        defineInBootLoader(inst, jar);
      } else if (!onBootPath) {
        // Started with the JVM, but Boot-Class-Path missed: the jar was renamed. Defining ~3,200
        // classes eagerly would cost about a second of start-up; appending costs the JVM's warning.
        System.err.println("httpdiag: " + jar.getName() + " is not named httpdiag-agent.jar (the name its manifest puts"
            + " on the boot class path), so the agent appends it and the JVM warns that class sharing is limited;"
            + " rename it to httpdiag-agent.jar to start without that warning");
        inst.appendToBootstrapClassLoaderSearch(new JarFile(jar));
      }
      Class.forName(INSTALLER, true, null)
          .getMethod("install", String.class, Instrumentation.class, boolean.class, String.class)
          .invoke(null, agentArgs, inst, dynamic, jar.getPath());
      if (nonce != null) {
        System.setProperty(REPLY_PROPERTY + nonce, installed() ? "0 installed"
            : "1 the agent did not start (see its line on that JVM's standard error)");
      }
    } catch (Throwable t) {
      System.err.println("httpdiag: agent failed to start: " + t + "; agent disabled");
      if (nonce != null) System.setProperty(REPLY_PROPERTY + nonce, "1 the agent failed to start: " + t);
    }
  }

  private static boolean installed() {
    try {
      return (Boolean) Class.forName(INSTALLER, true, null).getMethod("isInstalled").invoke(null);
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  /**
   * On attach (which loads the copy from {@link BootJar#forAttach}): appending the jar now would make
   * the JVM print its CDS warning, so {@link BootInjector} defines its classes in the boot loader,
   * from a throwaway loader that alone may use java.base's internal Unsafe.
   */
  private static void defineInBootLoader(Instrumentation inst, File jar) throws Exception {
    try (URLClassLoader isolated = new URLClassLoader(new URL[] {jar.toURI().toURL()}, null)) {
      Class<?> injector = Class.forName(INJECTOR, true, isolated);
      inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(),
          Map.of("jdk.internal.misc", Set.of(injector.getModule())), Set.of(), Map.of());
      injector.getMethod("inject", File.class).invoke(null, jar);
    }
  }

  /**
   * Parses the options with the runtime's Config, and opens {@code log.file} the way the reporter
   * will (append, java.io), so that a file that cannot be written is one plain line like any other
   * bad option. Returns that line without the "; agent disabled" tail, or null. Off the boot path,
   * Config is a throwaway copy in an isolated loader (never the app loader: a copy there would shadow
   * the boot copy for the app).
   */
  private static String validate(File jar, String agentArgs, boolean onBootPath) throws Exception {
    URLClassLoader isolated = onBootPath ? null : new URLClassLoader(new URL[] {jar.toURI().toURL()}, null);
    try {
      Object config = Class.forName(CONFIG, true, isolated).getMethod("parse", String.class, Properties.class)
          .invoke(null, agentArgs, System.getProperties());
      Object logFile = config.getClass().getField("logFile").get(config);
      return logFile == null ? null : cannotOpen(logFile.toString());
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException) return e.getCause().getMessage();
      throw e;
    } finally {
      if (isolated != null) isolated.close();
    }
  }

  /**
   * Why {@code path} cannot be opened for appending, or null. FileOutputStream's message is
   * "path (reason)"; only the reason is kept. Creates the file if it is missing, as the log would.
   */
  static String cannotOpen(String path) {
    try {
      new FileOutputStream(path, true).close();
      return null;
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      String reason = m.startsWith(path + " (") && m.endsWith(")") ? m.substring(path.length() + 2, m.length() - 1) : m;
      return "log.file=" + printable(path) + ": cannot open (" + printable(reason) + ")";
    }
  }

  /** Control characters escaped: the message is one line whatever the path held. */
  private static String printable(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /**
   * The agent jar. Loaded by the bootstrap loader ({@code -Xbootclasspath/a:httpdiag-agent.jar}, which
   * spares the JVM's CDS warning of a later append) this class has no code source; its own URL,
   * {@code jar:file:/…/httpdiag-agent.jar!/io/httpdiag/agent/Agent.class}, still names the jar.
   */
  private static File agentJar() throws Exception {
    java.security.CodeSource source = Agent.class.getProtectionDomain().getCodeSource();
    if (source != null && source.getLocation() != null) return new File(source.getLocation().toURI());
    String url = String.valueOf(Agent.class.getResource("Agent.class"));
    int bang = url.indexOf("!/");
    if (!url.startsWith("jar:file:") || bang < 0) throw new IllegalStateException("cannot locate the agent jar from " + url);
    return new File(new java.net.URI(url.substring("jar:".length(), bang)));
  }

  private static boolean onBootPath() {
    try {
      Class.forName(RUNTIME_PROBE, false, null);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
