package io.httpdiag.agent.testapp;

import io.httpdiag.agent.testkit.Await;
import io.httpdiag.http.Client;
import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A JVM watched over JMX (the MBean and collect ITs): does nothing until told, one command per line
 * on standard input, and answers on standard output as {@code testapp: ...}:
 * <ul>
 *   <li>{@code probe}: whether the platform MBean server exists yet ({@code platformMBeanServer=absent|present}),
 *       read without creating it (needs {@code --add-opens java.management/java.lang.management=ALL-UNNAMED});
 *   <li>{@code leak}: one core-transport GET whose body is never read nor closed; answers
 *       {@code leaked n} once the agent reports BODY_NOT_CLOSED for it (run with a short detect.body.after);
 *   <li>{@code leakAgain}: the same from another line of code (another finding: its call site differs);
 *   <li>{@code get}: one GET read to the end ({@code got});
 *   <li>{@code awaitMBean}: waits until the agent has registered its MBean ({@code mbean registered});
 *   <li>{@code exit}.
 * </ul>
 * Prints {@code testapp: ready} first: the HTTP server is not started before the first command, so a JVM
 * told nothing has done no HTTP at all.
 */
public final class JmxTarget {
  private static Server server;
  private static Client client;
  private static final List<Response> keptOpen = new ArrayList<>();

  private JmxTarget() {}

  public static void main(String[] args) throws Exception {
    System.out.println("testapp: ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try {
      for (String line; (line = in.readLine()) != null; ) {
        switch (line.trim()) {
          case "probe":
            System.out.println("testapp: platformMBeanServer=" + (platformMBeanServerExists() ? "present" : "absent"));
            break;
          case "leak":
            leak();
            break;
          case "get":
            try (Response r = client().get(server.url("/small"))) {
              r.body().readAllBytes();
            }
            System.out.println("testapp: got");
            break;
          case "makeServer":
            // What the JMX remote agent, JConsole, Jolokia or Spring do: the platform MBean server is made.
            java.lang.management.ManagementFactory.getPlatformMBeanServer();
            System.out.println("testapp: server made");
            break;
          case "awaitMBean":
            // Only once the agent has made the server: asking for it earlier would create it here.
            Await.until(Duration.ofSeconds(20), () -> platformMBeanServerExists()
                && java.lang.management.ManagementFactory.getPlatformMBeanServer()
                    .isRegistered(new javax.management.ObjectName("io.httpdiag:type=Agent")),
                () -> "the agent's MBean registered");
            System.out.println("testapp: mbean registered");
            break;
          case "leakAgain":
            leakAgain();
            break;
          case "exit":
            return;
          default:
            System.out.println("testapp: unknown command " + line);
        }
      }
    } finally {
      for (Response r : keptOpen) r.close();
      if (server != null) server.close();
    }
  }

  private static Client client() throws Exception {
    if (server == null) {
      server = Server.builder().readHeaderTimeout(Duration.ofSeconds(10)).handler((w, r) -> {
        if (r.path().equals("/big")) {
          w.headers().set("Content-Length", Integer.toString(256 * 1024));
          w.write(new byte[256 * 1024]);
        } else {
          w.write("Hello, World!");
        }
      }).build().start();
      client = Client.builder().timeout(Duration.ofSeconds(10)).build();
    }
    return client;
  }

  private static void leak() throws Exception {
    long before = bodyNotClosed();
    keptOpen.add(client().get(server.url("/big"))); // never read, never closed
    Await.until(Duration.ofSeconds(30), () -> bodyNotClosed() > before, () -> "BODY_NOT_CLOSED reported");
    System.out.println("testapp: leaked " + bodyNotClosed());
  }

  private static void leakAgain() throws Exception {
    long before = bodyNotClosed();
    keptOpen.add(client().get(server.url("/big"))); // never read, never closed
    Await.until(Duration.ofSeconds(30), () -> bodyNotClosed() > before, () -> "BODY_NOT_CLOSED reported");
    System.out.println("testapp: leaked again " + bodyNotClosed());
  }

  /** Occurrences of BODY_NOT_CLOSED so far, from the agent's boot-loaded runtime. */
  private static long bodyNotClosed() throws Exception {
    Class<?> kind = Class.forName("io.httpdiag.agent.runtime.Finding$Kind");
    Object bodyNotClosed = kind.getField("BODY_NOT_CLOSED").get(null);
    return (long) Class.forName("io.httpdiag.agent.runtime.Findings").getMethod("count", kind).invoke(null, bodyNotClosed);
  }

  private static boolean platformMBeanServerExists() throws Exception {
    Field f = java.lang.management.ManagementFactory.class.getDeclaredField("platformMBeanServer");
    f.setAccessible(true);
    return f.get(null) != null;
  }
}
