package io.httpdiag.demo;

import io.httpdiag.http.Server;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

/** The scenario runner. Scenarios (each anti-pattern beside its fix) are added as the detectors land. */
final class Scenarios {
  private Scenarios() {}

  static void list() {
    System.out.println("hello    GET / on the embedded server with the JDK HttpClient, 3 requests on one connection");
  }

  static int runAll() throws Exception {
    return run(List.of("hello"));
  }

  static int run(List<String> names) throws Exception {
    System.out.println(agentAttached()
        ? "httpdiag agent: attached"
        : "httpdiag agent: NOT attached — run with -javaagent:agent/target/httpdiag-agent.jar to see what it finds");
    for (String name : names) {
      if (!name.equals("hello")) {
        System.err.println("httpdiag-demo: unknown scenario '" + name + "'; see --list");
        return 2;
      }
      hello();
    }
    return 0;
  }

  private static void hello() throws Exception {
    System.out.println("== hello: embedded core-transport server, JDK HttpClient, keep-alive");
    try (Server server = Server.builder().handler(ServeCommand.routes()).build().start()) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/"))).build(),
            HttpResponse.BodyHandlers.ofString());
        System.out.println("  GET " + server.url("/") + " -> " + r.statusCode() + " " + r.body());
      }
      System.out.println("  server served " + server.requestsServed() + " requests");
    }
  }

  static boolean agentAttached() {
    try {
      Class.forName("io.httpdiag.agent.Agent", false, ClassLoader.getSystemClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
