package io.httpdiag.itspring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * A real Spring Boot 3.5 application ({@link SpringApp}: Tomcat, RestClient, RestTemplate, Apache
 * HttpClient 5 and OkHttp on its class path) in a child JVM with the packaged agent. Each mistake
 * endpoint must give its finding at the application's own line, with the framework beside it
 * ({@code SpringApp.jdkBodyNotClosed(SpringApp.java:NN) via RestClient}); the clean endpoints none.
 *
 * <p>Libraries whose instrumentation is not on this branch yet are listed in {@link #PENDING} (or
 * {@code -Dhttpdiag.test.pending=hc5,huc}): their assertions still run, and a failure is reported
 * as skipped with its reason instead of failing the build. Empty it to switch them all on.
 * Subclasses pick the child's JDK: {@link SpringAppIT} (the toolchain's), {@link SpringAppJdk17IT}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SpringAppCase {
  /** Libraries whose instrumentation is not on this branch yet (none now: hc5, huc and okhttp have landed). */
  static final Set<String> PENDING = Set.copyOf(Arrays.asList(
      System.getProperty("httpdiag.test.pending", "").split(",")));
  /**
   * {@code -Dhttpdiag.test.agentOptions=instrument.tomcat=off} (or {@code instrument.jetty=off}): more
   * agent options for the child, appended last, to watch the server assertions fail without the
   * container's instrumentation.
   */
  private static final String EXTRA_AGENT_OPTIONS = System.getProperty("httpdiag.test.agentOptions", "").isBlank() ? ""
      : "," + System.getProperty("httpdiag.test.agentOptions");
  /** Spring Boot with the agent starts in ~5-10 s; at load 35-40 on 2 cores it took over 60 s. */
  private static final Duration STARTUP = Duration.ofSeconds(150);
  /** Every expected finding should be in by then (they take detect.body.after = 2 s and a sweep). */
  private static final Duration FINDINGS = Duration.ofSeconds(20);
  /**
   * detect.stuck.after. Longer than the other thresholds: on a loaded 2-core machine (load 20-30) a clean
   * handler's first request took 5-12 s (class loading, first use of each client), and was rightly
   * reported stuck at 2 s. The hanging request goes out first, so waiting for it costs no extra time.
   */
  private static final Duration STUCK_AFTER = Duration.ofSeconds(10);
  private static final Pattern KIND = Pattern.compile("\"kind\":\"([A-Z_]+)\"");
  private static final Pattern CALL_SITE = Pattern.compile("\"callSite\":\"((?:[^\"\\\\]|\\\\.)*)\"");

  private Process app;
  private Path log;
  private Path out;
  private List<String> source;
  private URI base;
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * One expected finding: its library, kind, the marked line (or lines, {@code a|b}: either is right,
   * e.g. a missing timeout reported where the client was built or where it sent) and the framework
   * named beside it (null: none).
   */
  record Expected(String library, String kind, String markers, String via) {
    List<String> sites(SpringAppCase in) {
      return Arrays.stream(markers.split("\\|")).map(m -> "io.httpdiag.itspring.SpringApp." + method(m) + "(SpringApp.java:"
          + in.line(m) + ")" + (via == null ? "" : " via " + via)).collect(Collectors.toList());
    }

    private static String method(String marker) {
      return marker.startsWith("hc5Create") ? "<init>" : marker;
    }
  }

  /** The servlet container the application runs on: its library label and the prefix of its exchange ids. */
  enum Container {
    TOMCAT("tomcat", "t"), JETTY("jetty", "je");

    final String library;
    final String exchangePrefix;

    Container(String library, String exchangePrefix) {
      this.library = library;
      this.exchangePrefix = exchangePrefix;
    }
  }

  /** The client mistakes: the same whichever container serves the application. */
  static final List<Expected> CLIENT_EXPECTED = List.of(
      new Expected("jdk", "CLIENT_PER_REQUEST", "jdkClientPerRequest", "JdkClientHttpRequestFactory"),
      new Expected("jdk", "BODY_NOT_CLOSED", "jdkBodyNotClosed", "RestClient"),
      new Expected("hc5", "BODY_NOT_CLOSED", "hc5BodyNotClosed", "RestClient"),
      new Expected("hc5", "POOL_EXHAUSTED", "hc5PoolExhausted", "RestClient"),
      // No MISSING_TIMEOUT for RestClient.create() on HC5: its defaults bound every wait (3 min socket timeout
      // from SocketConfig, 3 min connect and connection-request), so a stalled server cannot hold a thread forever.
      new Expected("huc", "MISSING_TIMEOUT", "hucNoTimeout", "RestTemplate"),
      new Expected("huc", "BODY_NOT_CLOSED", "hucBodyNotClosed", "AbstractClientHttpRequest"),
      new Expected("okhttp", "BODY_NOT_CLOSED", "okhttpNotClosed", null));

  /** The child's {@code java} binary. */
  abstract String java();

  /** The container on the test's class path (Spring Boot starts the one it finds): Tomcat here, Jetty in it-spring-jetty. */
  Container container() {
    return Container.TOMCAT;
  }

  /** Every expected finding: the client mistakes, then the server half (issue 16) on this container. */
  final List<Expected> expected() {
    List<Expected> all = new ArrayList<>(CLIENT_EXPECTED);
    all.add(new Expected(container().library, "THREAD_LEAK", "serverThreadLeak", null));
    all.add(new Expected(container().library, "STUCK_EXCHANGE", "serverStuck", null));
    return all;
  }

  @BeforeAll
  void startAppAndMakeEveryMistake() throws Exception {
    source = Files.readAllLines(Paths.get(System.getProperty("httpdiag.test.sources", "src/test/java"),
        "io/httpdiag/itspring/SpringApp.java"));
    Path work = Files.createDirectories(Paths.get(System.getProperty("httpdiag.test.workDir", "target/it-work")));
    String tag = "spring-" + getClass().getSimpleName() + "-" + ProcessHandle.current().pid();
    log = work.resolve(tag + ".log.json");
    out = work.resolve(tag + ".out");
    Files.deleteIfExists(log);
    List<String> command = List.of(java(),
        "-javaagent:" + agentJar() + "=log=summary,log.format=json,log.file=" + log
            + ",detect.body.after=2s,detect.threads.after=2s,detect.stuck.after=" + STUCK_AFTER.toSeconds() + "s" + EXTRA_AGENT_OPTIONS,
        "-Dspring.main.banner-mode=off", "-Dlogging.level.root=WARN",
        "-cp", System.getProperty("java.class.path"), SpringApp.class.getName(),
        "--server.port=0", "--server.address=127.0.0.1");
    System.out.println("child: " + String.join(" ", command));
    app = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    long launched = System.nanoTime();
    await(STARTUP, () -> port() > 0, "the application did not print its port");
    System.out.printf("child started in %.1f s%n", (System.nanoTime() - launched) / 1e9);
    base = URI.create("http://127.0.0.1:" + port());

    // The first request initializes Spring MVC's DispatcherServlet: not any handler's own time.
    get("/backend/data");
    http.sendAsync(HttpRequest.newBuilder(base.resolve("/server/stuck")).build(), HttpResponse.BodyHandlers.discarding()); // hangs
    for (String clean : List.of("/clean/jdk", "/clean/hc5", "/clean/huc", "/clean/okhttp")) {
      for (int i = 0; i < 6; i++) get(clean);
    }
    for (int i = 0; i < 6; i++) get("/jdk/client-per-request");
    get("/jdk/body-not-closed");
    get("/hc5/body-not-closed");
    get("/hc5/pool-exhausted");
    get("/huc/no-timeout");
    get("/huc/body-not-closed");
    get("/okhttp/not-closed");
    get("/server/thread-leak");
    // Wait for the instrumented libraries' findings; then the pending ones have had as long.
    // Until every expected finding is in, or the deadline: then each expectation passes or fails on its own test.
    List<Expected> expected = expected();
    awaitUntil(FINDINGS, () -> expected.stream().allMatch(e -> found(e) != null));
  }

  @AfterAll
  void stop() throws Exception {
    if (app == null) return;
    app.destroy();
    if (!app.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) app.destroyForcibly();
  }

  @TestFactory
  Stream<DynamicTest> eachMistakeIsFoundAtTheApplicationsLineWithTheFrameworkBesideIt() {
    return expected().stream().map(e -> DynamicTest.dynamicTest(e.library() + " " + e.kind() + " at " + e.markers(), () -> {
      String[] finding = found(e);
      String problem = finding != null ? null : "no " + e.kind() + " at " + String.join(" or ", e.sites(this)) + "; findings:\n"
          + findings().stream().map(f -> f[0] + " " + f[1]).collect(Collectors.joining("\n"));
      if (problem != null && PENDING.contains(e.library())) {
        Assumptions.abort("waits for the " + e.library() + " instrumentation (PENDING): " + problem);
      }
      if (problem != null) fail(problem);
    }));
  }

  /**
   * Findings the agent reports at a clean line though it should not ("marker KIND" to reason), each
   * waiting for a fix outside this test: the line's test shows as skipped with the reason while the
   * finding is there; any other finding there fails it.
   */
  static final java.util.Map<String, String> KNOWN_FALSE_POSITIVES = java.util.Map.of(
      "jdk MISSING_TIMEOUT", "a RestClient over JdkClientHttpRequestFactory.setReadTimeout: Spring enforces that timeout "
          + "itself (JdkClientHttpRequest's TimeoutHandler, completeOnTimeout on a future of its own) and never sets "
          + "HttpRequest.timeout, so the agent sees an exchange without a deadline");

  @TestFactory
  Stream<DynamicTest> cleanLinesGiveNoFinding() {
    List<String[]> clean = new ArrayList<>(); // {marker, "(SpringApp.java:N)"}
    for (int i = 0; i < source.size(); i++) {
      int at = source.get(i).indexOf("// clean:");
      if (at >= 0) clean.add(new String[] {source.get(i).substring(at + "// clean:".length()).trim(), "(SpringApp.java:" + (i + 1) + ")"});
    }
    assertTrue(clean.size() >= 10, "clean markers: " + clean.size());
    return clean.stream().map(c -> DynamicTest.dynamicTest(c[0] + " " + c[1], () -> {
      List<String[]> at = findings().stream().filter(f -> f[1].contains(c[1])).collect(Collectors.toList());
      List<String> known = at.stream().filter(f -> KNOWN_FALSE_POSITIVES.containsKey(c[0] + " " + f[0]))
          .map(f -> f[0] + " " + f[1] + ": " + KNOWN_FALSE_POSITIVES.get(c[0] + " " + f[0])).collect(Collectors.toList());
      List<String> wrong = at.stream().filter(f -> !KNOWN_FALSE_POSITIVES.containsKey(c[0] + " " + f[0]))
          .map(f -> f[0] + " " + f[1]).collect(Collectors.toList());
      assertEquals(List.of(), wrong, "findings at the clean line of " + c[0]);
      if (!known.isEmpty()) Assumptions.abort("known false positives, each waiting for a fix: " + known);
    }));
  }

  /**
   * The clean endpoints' requests are server exchanges of this container (its ids: {@code t7} Tomcat,
   * {@code je7} Jetty) with status 200: the container is instrumented, and it is the one the test meant.
   */
  @Test
  void theContainersServerExchangesAreSeen() throws Exception {
    Pattern exchange = Pattern.compile("\\{\"httpdiag\":\"server\",\"exchange\":\"" + container().exchangePrefix
        + "[0-9]+\",\"event\":\"exchange\",\"method\":\"GET\",\"target\":\"/clean/jdk\",\"status\":200,");
    long seen = Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> exchange.matcher(l).find()).count();
    assertEquals(6, seen, "server exchanges of GET /clean/jdk on " + container() + " (" + exchange + ") in " + log);
  }

  @Test
  void noFindingIsReportedAtAFrameworksFrame() throws Exception {
    List<String> atFramework = findings().stream().filter(f -> f[1].startsWith("org.springframework."))
        .map(f -> f[0] + " " + f[1]).collect(Collectors.toList());
    assertEquals(List.of(), atFramework);
  }

  /** The finding matching {@code e} ({kind, callSite}), or null. */
  private String[] found(Expected e) {
    List<String> sites = e.sites(this);
    return findings().stream().filter(f -> f[0].equals(e.kind()) && sites.contains(f[1])).findFirst().orElse(null);
  }

  /** Every finding in the agent's JSON log so far: {kind, callSite}. */
  private List<String[]> findings() {
    List<String[]> all = new ArrayList<>();
    try {
      if (!Files.exists(log)) return all;
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (!line.startsWith("{\"httpdiag\":\"finding\"")) continue;
        Matcher kind = KIND.matcher(line);
        Matcher site = CALL_SITE.matcher(line);
        if (kind.find() && site.find()) all.add(new String[] {kind.group(1), unescape(site.group(1))});
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return all;
  }

  /** Line number of the line marked {@code // site:<marker>}. */
  int line(String marker) {
    for (int i = 0; i < source.size(); i++) {
      if (source.get(i).endsWith("// site:" + marker)) return i + 1;
    }
    throw new AssertionError("no line marked // site:" + marker + " in SpringApp.java");
  }

  private static String unescape(String json) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c != '\\' || i + 1 >= json.length()) {
        sb.append(c);
        continue;
      }
      char n = json.charAt(++i);
      if (n == 'u' && i + 4 < json.length()) {
        sb.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
        i += 4;
      } else {
        sb.append(n);
      }
    }
    return sb.toString();
  }

  private int get(String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20)).build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) System.out.println(path + ": " + response.statusCode() + " " + response.body());
    return response.statusCode();
  }

  private int port() {
    try {
      if (!Files.exists(out)) return -1;
      for (String line : Files.readAllLines(out, StandardCharsets.ISO_8859_1)) {
        if (line.startsWith("spring-app: port ")) return Integer.parseInt(line.substring("spring-app: port ".length()).trim());
      }
      return -1;
    } catch (IOException e) {
      return -1;
    }
  }

  private static Path agentJar() {
    Path p = Paths.get(System.getProperty("httpdiag.test.agentJar", "unset"));
    assertTrue(Files.isRegularFile(p), "httpdiag.test.agentJar does not exist: " + p + " (run through mvn verify)");
    return p.toAbsolutePath();
  }

  /** Polls {@code condition} until it holds; fails with the app's output if the deadline passes or the app died. */
  /** Polls {@code condition} until it holds or the deadline passes; fails only if the app died. */
  private void awaitUntil(Duration deadline, BooleanSupplier condition) throws Exception {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() - end < 0) {
      if (!app.isAlive()) fail("the application exited (" + app.exitValue() + "):\n" + tail());
      Thread.sleep(50); // polling interval of a condition with a deadline, not a wait for an event
    }
  }

  private void await(Duration deadline, BooleanSupplier condition, String what) throws Exception {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (!app.isAlive()) fail("the application exited (" + app.exitValue() + ") waiting for " + what + ":\n" + tail());
      if (System.nanoTime() - end > 0) fail("within " + deadline + ": " + what + "\nfindings: " + findings().stream()
          .map(f -> f[0] + " " + f[1]).collect(Collectors.joining("\n")) + "\napp output:\n" + tail());
      Thread.sleep(50); // polling interval of a condition with a deadline, not a wait for an event
    }
  }

  private String tail() throws IOException {
    List<String> lines = Files.exists(out) ? Files.readAllLines(out, StandardCharsets.ISO_8859_1) : List.of();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }
}
