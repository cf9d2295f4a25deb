package io.httpdiag.demo;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The same mistakes on the JDK's {@code java.net.http.HttpClient} (HTTP/1.1 against the embedded
 * server). The agent finds them once its JDK HttpClient instrumentation is installed; until then
 * the summary says so instead of claiming a result.
 */
final class JdkScenarios {
  static final String NEEDS_JDK = "needs JDK HttpClient instrumentation";
  static final Duration CONNECT = Duration.ofSeconds(5);

  private JdkScenarios() {}

  static List<Scenario> all() {
    return List.of(new BodyNotRead(), new ClientPerRequest(), new NoTimeouts());
  }

  /**
   * The correct client: HTTP/1.1, connect timeout, built once and shared by every scenario (built per
   * use and dropped, each would be a CLIENT_NOT_CLOSED finding on JDK 21+, seen in whichever
   * scenario runs when the garbage collector gets to it).
   */
  private static final HttpClient SHARED =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT).build();

  static HttpClient client() {
    return SHARED;
  }

  /** close() where it exists (JDK 21+; this module compiles for 17). */
  static void closeIfCloseable(HttpClient c) throws Exception {
    Object o = c;
    if (o instanceof AutoCloseable) ((AutoCloseable) o).close();
  }

  static HttpRequest get(String url, Duration timeout) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (timeout != null) b.timeout(timeout);
    return b.build();
  }

  abstract static class JdkScenario extends Scenario {
    JdkScenario(String name, String mistake, List<String> expected) {
      super(name, JDK, mistake, expected);
    }

    @Override
    String notDetectedReason(boolean anythingSeen) {
      return anythingSeen ? null : NEEDS_JDK;
    }
  }

  static final class BodyNotRead extends JdkScenario {
    BodyNotRead() {
      super("body-not-closed-jdk", "ofInputStream body never read", List.of("BODY_NOT_CLOSED"));
    }

    @Override
    String describe(Variant v) {
      return v == Variant.BAD ? "send(GET /big, ofInputStream()), never read or close the stream"
          : "send(GET /big, ofInputStream()), read the stream to the end in try-with-resources";
    }

    @Override
    void run(Variant v, Run run) throws Exception {
      HttpResponse<InputStream> r = client().send(get(run.url("/big"), Run.T), HttpResponse.BodyHandlers.ofInputStream());
      if (v == Variant.BAD) {
        run.later(r.body());
        run.say("status " + r.statusCode() + "; body stream left open");
      } else {
        try (InputStream in = r.body()) {
          run.say("status " + r.statusCode() + "; read " + Lifecycle.bytes(in.readAllBytes().length));
        }
      }
    }
  }

  static final class ClientPerRequest extends JdkScenario {
    ClientPerRequest() {
      super("client-per-request-jdk", "HttpClient built per request", List.of("CLIENT_PER_REQUEST"));
    }

    @Override
    String describe(Variant v) {
      return v == Variant.BAD ? "8 GETs, each with a new HttpClient (a pool and a selector thread each)"
          : "8 GETs through one shared HttpClient";
    }

    @Override
    void run(Variant v, Run run) throws Exception {
      HttpClient shared = v == Variant.FIXED ? client() : null;
      for (int i = 0; i < 8; i++) {
        HttpClient c = shared != null ? shared
            : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT).build();
        c.send(get(run.url("/"), Run.T), HttpResponse.BodyHandlers.ofString());
        // The mistake shown is building one per request; even closed, each costs a pool and a thread.
        if (c != shared && i == 7) run.say("SelectorManager threads alive after 8 requests: " + selectorThreads());
        if (c != shared) closeIfCloseable(c);
      }
      if (shared != null) run.say("SelectorManager threads alive now: " + selectorThreads());
    }

    private static long selectorThreads() {
      return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().endsWith("-SelectorManager")).count();
    }
  }

  static final class NoTimeouts extends JdkScenario {
    NoTimeouts() {
      super("no-timeouts-jdk", "no timeout, server stalls", List.of("MISSING_TIMEOUT", "STUCK_EXCHANGE"));
    }

    @Override
    String describe(Variant v) {
      return v == Variant.BAD ? "GET /stall with no connectTimeout and no request timeout"
          : "GET /stall with connectTimeout(5s) and a 300 ms request timeout";
    }

    @Override
    void run(Variant v, Run run) throws Exception {
      String url = run.url("/stall");
      if (v == Variant.FIXED) {
        long start = System.nanoTime();
        try {
          client().send(get(url, Duration.ofMillis(300)), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException expected) {
          run.say("timed out cleanly after " + Lifecycle.ms(System.nanoTime() - start) + ": " + expected.getMessage());
        }
        run.releaseStalledHandlers();
        return;
      }
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      Thread caller = new Thread(() -> {
        try {
          client.send(get(url, null), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
          // released at cleanup
        }
      }, "demo-stuck-jdk-caller");
      caller.setDaemon(true);
      caller.start();
      run.stalled.await(10, TimeUnit.SECONDS);
      Thread.sleep(100); // the caller is now only waiting
      run.say("the server has the request and stalls; thread \"" + caller.getName() + "\" waits with no deadline");
      run.later(() -> {
        caller.join(10_000);
        closeIfCloseable(client);
      });
    }
  }
}
