package io.httpdiag.agent.testapp;

import io.httpdiag.http.Server;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.DefaultHttpRequestRetryStrategy;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * A fixed script of Apache HttpClient 5 calls printing everything the application sees (statuses,
 * bodies, headers, redirect locations, retries, exceptions and their messages, what an interceptor
 * saw), one {@code semantics:} line each: run with and without the agent, the lines must be equal
 * ({@code Apache5SemanticsIT}). Ports and elapsed times are left out of what is printed.
 */
@SuppressWarnings("deprecation") // execute(request) returning CloseableHttpResponse: the 5.1 API
public final class Apache5Semantics {
  private Apache5Semantics() {}

  public static void main(String[] args) throws Exception {
    AtomicInteger retryAttempts = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    try (Server server = Server.builder().readHeaderTimeout(Duration.ofSeconds(5)).handler((w, r) -> {
      switch (r.path()) {
        case "/missing":
          w.writeHeader(404);
          w.write("no such thing");
          break;
        case "/redirect":
          w.headers().set("Location", "/target");
          w.writeHeader(302);
          break;
        case "/target":
          w.write("arrived");
          break;
        case "/flaky":
          if (retryAttempts.incrementAndGet() == 1) {
            w.headers().set("Retry-After", "0");
            w.writeHeader(503);
            w.write("busy");
          } else {
            w.write("second time lucky");
          }
          break;
        case "/stall":
          release.await(5, TimeUnit.SECONDS);
          w.write("late");
          break;
        default:
          w.headers().set("X-Echo", r.method() + " " + r.target());
          w.write("Hello, World!");
      }
    }).build().start()) {
      List<String> seen = new ArrayList<>();
      try (CloseableHttpClient client = HttpClients.custom()
          .setRetryStrategy(new DefaultHttpRequestRetryStrategy(1, TimeValue.ZERO_MILLISECONDS))
          .addRequestInterceptorFirst((request, entity, context) -> seen.add("request " + request.getMethod() + " "
              + request.getRequestUri()))
          .addResponseInterceptorLast((response, entity, context) -> seen.add("response " + response.getCode()))
          .build()) {
        step("200", () -> {
          try (CloseableHttpResponse r = client.execute(new HttpGet(server.url("/hello?x=1")))) {
            return r.getCode() + " " + r.getReasonPhrase() + " " + r.getFirstHeader("X-Echo").getValue() + " "
                + EntityUtils.toString(r.getEntity());
          }
        });
        step("404", () -> {
          try (CloseableHttpResponse r = client.execute(new HttpGet(server.url("/missing")))) {
            return r.getCode() + " " + EntityUtils.toString(r.getEntity());
          }
        });
        step("redirect", () -> {
          HttpClientContext context = HttpClientContext.create();
          try (CloseableHttpResponse r = client.execute(new HttpGet(server.url("/redirect")), context)) {
            List<String> paths = new ArrayList<>();
            for (URI u : context.getRedirectLocations().getAll()) paths.add(u.getPath());
            return r.getCode() + " " + EntityUtils.toString(r.getEntity()) + " via " + paths;
          }
        });
        step("retry", () -> {
          try (CloseableHttpResponse r = client.execute(new HttpGet(server.url("/flaky")))) {
            return r.getCode() + " " + EntityUtils.toString(r.getEntity()) + " after " + retryAttempts.get() + " attempts";
          }
        });
        step("handler", () -> client.execute(new HttpGet(server.url("/handled")),
            response -> "handled " + response.getCode() + " " + EntityUtils.toString(response.getEntity())));
        step("responseTimeout", () -> {
          HttpGet get = new HttpGet(server.url("/stall"));
          get.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofMilliseconds(200)).build());
          try (CloseableHttpResponse r = client.execute(get)) {
            return "no timeout: " + r.getCode();
          }
        });
        step("interceptor", () -> String.join(", ", seen));
      }
      step("connectionRequestTimeout", () -> {
        try (CloseableHttpClient small = HttpClients.custom()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create().setMaxConnPerRoute(1).build())
            .build();
            CloseableHttpResponse held = small.execute(new HttpGet(server.url("/held")))) {
          HttpGet second = new HttpGet(server.url("/second"));
          second.setConfig(RequestConfig.custom().setConnectionRequestTimeout(Timeout.ofMilliseconds(200)).build());
          try (CloseableHttpResponse r = small.execute(second)) {
            return "no timeout: " + r.getCode() + " (held " + held.getCode() + ")";
          }
        }
      });
      release.countDown();
    }
  }

  interface Call {
    String run() throws Exception;
  }

  private static void step(String name, Call call) {
    String outcome;
    try {
      outcome = call.run();
    } catch (Exception e) {
      String message = String.valueOf(e.getMessage()).replaceAll("actual: .*", "actual: <elapsed>")
          .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:<port>");
      outcome = "threw " + e.getClass().getName() + ": " + message;
    }
    System.out.println("semantics: " + name + ": " + outcome);
  }
}
