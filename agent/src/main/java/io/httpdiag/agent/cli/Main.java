package io.httpdiag.agent.cli;

import io.httpdiag.agent.Agent;
import io.httpdiag.agent.runtime.Config;
import java.io.File;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import net.bytebuddy.agent.ByteBuddyAgent;

/**
 * {@code java -jar httpdiag-agent.jar list | attach <pid> [options] | --help | --version}. Exit
 * codes: 0 done, 1 the operation failed (one actionable line on stderr), 2 bad usage.
 */
public final class Main {
  static final String USAGE = String.join("\n",
      "usage: java -jar httpdiag-agent.jar <command>",
      "  list                     list the JVMs on this machine (pid and main class)",
      "  attach <pid> [options]   load the agent into a running JVM, e.g. attach 4242 log=full,jfr=on",
      "  report <file.jfr> [--html out.html]",
      "                           summarise a JFR recording's httpdiag events: the analysis rules' verdicts",
      "                           (as JDK Mission Control shows them with httpdiag-jmc-rules.jar); per host",
      "                           exchanges, reuse, phase percentiles; findings by kind and call site; pool statistics",
      "  collect host:port [host:port...] [--out merged.jfr] [--duration 30s]",
      "                           stream the httpdiag events of JVMs over JMX: findings as they happen, per JVM;",
      "                           a summary per JVM and host at the end; --out: one merged recording for report",
      "  --help                   this text",
      "  --version                the agent version",
      "options (as for -javaagent:httpdiag-agent.jar=<options>): " + String.join(", ", Config.KEYS.keySet()));

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.println(USAGE);
      return 2;
    }
    switch (args[0]) {
      case "--help":
      case "-h":
      case "help":
        out.println(USAGE);
        return 0;
      case "--version":
        out.println("httpdiag-agent " + version());
        return 0;
      case "list":
        return list(out, err);
      case "report":
        return report(java.util.Arrays.asList(args).subList(1, args.length), out, err);
      case "collect":
        return Collect.run(java.util.Arrays.asList(args).subList(1, args.length), System.in, out, err);
      case "attach":
        if (args.length < 2 || args.length > 3) {
          err.println("httpdiag: usage: attach <pid> [options]");
          return 2;
        }
        return attach(args[1], args.length == 3 ? args[2] : "", out, err);
      default:
        err.println("httpdiag: unknown command " + args[0] + "; try --help");
        return 2;
    }
  }

  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** {@code report <file.jfr> [--html out.html]}: 0 done, 1 the HTML file could not be written, 2 unusable input. */
  static int report(List<String> args, PrintStream out, PrintStream err) {
    String jfr = null;
    String html = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--html") && i + 1 < args.size()) {
        html = args.get(++i);
      } else if (!a.startsWith("--") && jfr == null) {
        jfr = a;
      } else {
        jfr = null;
        break;
      }
    }
    if (jfr == null) {
      err.println("httpdiag: usage: report <file.jfr> [--html out.html]");
      return 2;
    }
    Recording r;
    try {
      r = Recording.read(java.nio.file.Path.of(jfr));
    } catch (Recording.Unusable e) {
      err.println("httpdiag: " + e.getMessage());
      return 2;
    }
    ReportText.print(r, out);
    if (html != null) {
      try {
        java.nio.file.Files.writeString(java.nio.file.Path.of(html), ReportHtml.render(r));
      } catch (java.io.IOException | RuntimeException e) {
        err.println("httpdiag: cannot write " + html + ": " + e);
        return 1;
      }
      out.println();
      out.println("HTML report: " + html);
    }
    return 0;
  }

  private static int list(PrintStream out, PrintStream err) {
    try {
      List<com.sun.tools.attach.VirtualMachineDescriptor> vms = com.sun.tools.attach.VirtualMachine.list();
      for (com.sun.tools.attach.VirtualMachineDescriptor vm : vms) {
        String name = vm.displayName();
        out.println(vm.id() + " " + (name == null || name.isEmpty() ? "<unknown>" : name));
      }
      return 0;
    } catch (LinkageError e) {
      err.println("httpdiag: cannot list JVMs: module jdk.attach is missing; run this command with a full JDK"
          + " (not a JRE or a jlinked image without jdk.attach)");
      return 1;
    }
  }

  private static int attach(String pid, String options, PrintStream out, PrintStream err) {
    if (!pid.matches("[0-9]+")) {
      err.println("httpdiag: bad pid " + pid + ": expected a process id (see: list)");
      return 2;
    }
    try {
      Config.parse(options, null); // fail here, not in the target
    } catch (IllegalArgumentException e) {
      err.println("httpdiag: " + e.getMessage());
      return 2;
    }
    File jar;
    try {
      jar = new File(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (Exception e) {
      err.println("httpdiag: cannot locate the agent jar: " + e);
      return 1;
    }
    try {
      // The copy without Boot-Class-Path: loaded into a running JVM, that entry would be a run-time boot
      // class path append, and the target would print the JVM's CDS warning.
      String nonce = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
      ByteBuddyAgent.attach(io.httpdiag.agent.BootJar.forAttach(jar), pid,
          Agent.REPLY_OPTION + nonce + (options.isEmpty() ? "" : "," + options));
      String reply = reply(pid, nonce);
      if (reply == null || reply.equals("0 installed")) {
        out.println("httpdiag: attached to " + pid + (options.isEmpty() ? "" : " with " + options)
            + "; its output goes to that JVM's stderr or log.file");
        return 0;
      }
      int code = reply.charAt(0) - '0';
      String line = reply.substring(2);
      (code == 0 ? out : err).println("httpdiag: " + pid + (line.startsWith("already ") ? " " : ": ") + line);
      return code;
    } catch (Throwable t) {
      err.println("httpdiag: cannot attach to " + pid + ": " + explain(t, pid, options, jar));
      return 1;
    }
  }

  /** The agent's verdict left in the target (see {@link Agent#REPLY_PROPERTY}), or null if there is none. */
  private static String reply(String pid, String nonce) {
    try {
      com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(pid);
      try {
        String reply = vm.getSystemProperties().getProperty(Agent.REPLY_PROPERTY + nonce);
        return reply != null && reply.matches("[0-9] .*") ? reply : null;
      } finally {
        vm.detach();
      }
    } catch (Exception | LinkageError e) {
      return null; // the agent is loaded; only its verdict is unknown
    }
  }

  /** One actionable sentence for an attach failure. */
  static String explain(Throwable t, String pid, String options, File jar) {
    String all = messages(t);
    String javaagent = "-javaagent:" + jar.getPath() + (options.isEmpty() ? "" : "=" + options);
    if (all.contains("Dynamic agent loading is not enabled") || all.contains("EnableDynamicAgentLoading")) {
      return "the JVM was started with -XX:-EnableDynamicAgentLoading; restart it with " + javaagent
          + " (or without that flag)";
    }
    if (all.contains("No such process") || all.contains("not found") || all.contains("No such file")) {
      return "no attachable JVM with that pid (see: list); is it running as the same user?";
    }
    Throwable root = t;
    while (root.getCause() != null) root = root.getCause();
    return root + "; check that it is a Java 17+ JVM run by the same user and not started with"
        + " -XX:+DisableAttachMechanism, or restart it with " + javaagent;
  }

  private static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) sb.append(c).append(" | ");
    return sb.toString();
  }
}
