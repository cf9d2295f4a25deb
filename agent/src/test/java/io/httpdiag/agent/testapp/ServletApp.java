package io.httpdiag.agent.testapp;

import io.httpdiag.agent.testkit.Await;
import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A servlet container (embedded Tomcat or Jetty 12) serving {@link Servlets}, hit with the JDK
 * HttpClient, run by the server ITs with and without the agent. Usage: {@code ServletApp tomcat|jetty
 * <scenario>}. Scenarios: {@code clean} (every clean servlet, then a check point: nothing may be
 * found), {@code leak}, {@code leakVirtual}, {@code stuck} (wait for the finding), {@code semantics}
 * (prints each response, to compare runs with and without the agent). Prints {@code testapp:
 * response <path> <status> <body>}, {@code testapp: finding <KIND> <site>} and {@code testapp: counters}.
 */
public final class ServletApp {
  /** A started container. */
  interface Container extends AutoCloseable {
    int port();
  }

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static int port;

  private ServletApp() {}

  /** {@code args[1]} may name several scenarios, comma-separated: see {@link Scenarios}. */
  public static void main(String[] args) throws Exception {
    String container = args[0];
    // The leaked threads park until every scenario is done, as they did until the end of a single one.
    Scenarios.main(new String[] {args[1]}, (scenario, ignored) -> run(container, scenario), Servlets.STOP_LEAKS::countDown,
        ServletApp::report);
  }

  private static void report() throws Exception {
    if (agentPresent()) {
      System.out.println("testapp: counters " + Class.forName("io.httpdiag.agent.runtime.Counters").getMethod("summary")
          .invoke(null));
    }
  }

  private static void run(String container, String scenario) throws Exception {
    try (Container c = start(container, Servlets.all())) {
      port = c.port();
      switch (scenario) {
        case "clean":
          for (String path : List.of("/hello?a=1", "/hello?a=2", "/async", "/boom", "/missing")) get(path);
          break;
        case "semantics":
          for (String path : List.of("/hello?a=1", "/async", "/boom", "/missing")) {
            HttpResponse<String> r = get(path);
            System.out.println("testapp: response " + path + " " + r.statusCode() + " " + r.headers().firstValue("content-type")
                .orElse("-") + " " + r.body().replaceAll("(?s)<style>.*</style>", "<style/>").replace("\n", "\\n")
                .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:P")); // Jetty's error pages show the port
          }
          break;
        case "leak":
        case "leakVirtual":
          get("/" + scenario);
          awaitFinding("THREAD_LEAK");
          break;
        case "stuck": {
          CompletableFuture<HttpResponse<String>> pending = CLIENT.sendAsync(request("/stuck"),
              HttpResponse.BodyHandlers.ofString());
          awaitFinding("STUCK_EXCHANGE");
          Servlets.RELEASE.countDown();
          System.out.println("testapp: stuck responded " + pending.get(20, TimeUnit.SECONDS).statusCode());
          break;
        }
        default:
          throw new IllegalArgumentException("unknown scenario " + scenario);
      }
      if (agentPresent()) CoreLeaks.checkpointAndPrint();
    }
  }

  static Container start(String container, Map<String, HttpServlet> servlets) throws Exception {
    switch (container) {
      case "tomcat":
        return TomcatContainer.start(servlets, Files.createTempDirectory("tomcat"));
      case "jetty":
        return JettyContainer.start(servlets);
      default:
        throw new IllegalArgumentException("unknown container " + container);
    }
  }

  private static HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(25)).build();
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return CLIENT.send(request(path), HttpResponse.BodyHandlers.ofString());
  }

  private static boolean agentPresent() {
    try {
      Class.forName("io.httpdiag.agent.runtime.Findings");
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** Runs the detectors' pass until a finding of {@code kind} shows (its threshold is short in the ITs). */
  private static void awaitFinding(String kind) throws Exception {
    Class<?> findings = Class.forName("io.httpdiag.agent.runtime.Findings");
    Await.until(Duration.ofSeconds(20), () -> {
      findings.getMethod("sweep", long.class).invoke(null, 0L);
      List<String> kinds = new ArrayList<>();
      for (String[] f : CoreLeaks.findings()) kinds.add(f[0]);
      return kinds.contains(kind);
    }, () -> "a " + kind + " finding");
  }
}
