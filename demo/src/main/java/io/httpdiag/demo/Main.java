package io.httpdiag.demo;

import java.util.Arrays;
import java.util.List;

/**
 * Entry point of httpdiag-demo.jar.
 *
 * <pre>
 *   java [-javaagent:httpdiag-agent.jar] -jar httpdiag-demo.jar            run every scenario
 *   java -jar httpdiag-demo.jar --list | run NAME... | serve [flags] | --help
 * </pre>
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    if (a.isEmpty()) {
      System.exit(Scenarios.runAll(System.out));
    }
    switch (a.get(0)) {
      case "serve":
        System.exit(ServeCommand.run(a.subList(1, a.size())));
        break;
      case "--list":
      case "list":
        Scenarios.list(System.out);
        break;
      case "run":
        System.exit(Scenarios.run(a.subList(1, a.size()), System.out));
        break;
      case "--help":
      case "-h":
      case "help":
        usage();
        break;
      default:
        System.err.println("httpdiag-demo: unknown command '" + a.get(0) + "'; try --help");
        System.exit(2);
    }
  }

  private static void usage() {
    System.out.println(String.join("\n",
        "usage: java [-javaagent:agent/target/httpdiag-agent.jar] -jar httpdiag-demo.jar [command]",
        "",
        "  (no command)        run every scenario against an embedded server on 127.0.0.1",
        "  --list              list the scenarios",
        "  run NAME...         run the named scenarios, bad and fixed variant each",
        "  serve [flags]       run a hello-world server until interrupted; serve --help for flags",
        "  --help              this text",
        "",
        "With the agent attached, each bad variant's finding prints on stderr with its call site and fix,",
        "the summary table compares findings expected and seen, and httpdiag-demo.jfr is written to the",
        "current directory (open it with: jfr print --events 'httpdiag.*' httpdiag-demo.jfr, or JDK Mission",
        "Control, or: java -jar agent/target/httpdiag-agent.jar report httpdiag-demo.jfr).",
        "Exit code: 0 as expected, 1 a row contradicts its expectation, 2 bad usage."));
  }
}
