package io.httpdiag.agent.testapp;

import io.httpdiag.http.Server;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.http.HttpRequestInterceptor;
import org.apache.http.HttpResponseInterceptor;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.client.protocol.HttpClientContext;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;

/**
 * A fixed script of Apache HttpClient 4.5 calls that prints, as {@code sem: } lines, everything the
 * application sees: statuses, bodies, redirect locations, retries, exceptions and their messages, what
 * its interceptors saw. Run with and without the agent, the output must be identical.
 */
public final class Apache4Semantics {
  private static Server server;
  private static final List<String> seen = Collections.synchronizedList(new ArrayList<>());

  private Apache4Semantics() {}

  public static void main(String[] args) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    server = Server.builder().host("127.0.0.1").port(0).readHeaderTimeout(Duration.ofSeconds(5)).handler((w, r) -> {
      switch (r.path()) {
        case "/404": w.writeHeader(404); w.write("nope"); break;
        case "/redirect": w.headers().set("Location", "/target"); w.writeHeader(302); break;
        case "/target": w.write("target"); break;
        case "/stall": release.await(10, TimeUnit.SECONDS); w.write("late"); break;
        case "/echo": w.write("echo:" + new String(r.body().readAllBytes(), StandardCharsets.UTF_8)); break;
        default: w.write("Hello, World!");
      }
    }).build().start();
    RequestConfig timeouts = RequestConfig.custom().setConnectTimeout(5000).setSocketTimeout(10000).build();
    try (CloseableHttpClient client = HttpClients.custom().setDefaultRequestConfig(timeouts)
        .addInterceptorFirst((HttpRequestInterceptor) (req, ctx) -> seen.add("request " + req.getRequestLine()))
        .addInterceptorLast((HttpResponseInterceptor) (res, ctx) -> seen.add("response " + res.getStatusLine()))
        .build()) {
      step("200", () -> show(client.execute(new HttpGet(server.url("/")))));
      step("404", () -> show(client.execute(new HttpGet(server.url("/404")))));
      step("redirect", () -> {
        HttpClientContext ctx = HttpClientContext.create();
        String s = show(client.execute(new HttpGet(server.url("/redirect")), ctx));
        return s + " locations=" + ctx.getRedirectLocations();
      });
      step("post", () -> {
        HttpPost post = new HttpPost(server.url("/echo"));
        post.setEntity(new StringEntity("payload", StandardCharsets.UTF_8));
        return show(client.execute(post));
      });
      step("responseHandler", () -> client.execute(new HttpGet(server.url("/")),
          response -> response.getStatusLine().getStatusCode() + " " + EntityUtils.toString(response.getEntity())));
      step("retry", () -> retry(client));
      step("socketTimeout", () -> {
        HttpGet get = new HttpGet(server.url("/stall"));
        get.setConfig(RequestConfig.copy(timeouts).setSocketTimeout(200).build());
        return show(client.execute(get));
      });
      step("interceptors", () -> String.join(" | ", seen));
    }
    step("connectionRequestTimeout", Apache4Semantics::connectionRequestTimeout);
    release.countDown();
    server.close();
    SimulatedTraffic.report();
  }

  /** One connection per route; the first response is held open, so the second waits and gives up. */
  private static String connectionRequestTimeout() throws Exception {
    try (CloseableHttpClient c = HttpClients.custom().setMaxConnPerRoute(1).setDefaultRequestConfig(
        RequestConfig.custom().setConnectTimeout(5000).setSocketTimeout(10000).setConnectionRequestTimeout(200).build())
        .build()) {
      try (CloseableHttpResponse held = c.execute(new HttpGet(server.url("/")))) {
        return show(c.execute(new HttpGet(server.url("/")))) + " while " + held.getStatusLine().getStatusCode() + " held";
      }
    }
  }

  /** A server that drops the first connection without answering: HC4 retries the GET on a new one. */
  private static String retry(CloseableHttpClient client) throws Exception {
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket ss = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try {
          for (int i = 0; i < 2; i++) {
            try (Socket s = ss.accept()) {
              connections.incrementAndGet();
              InputStream in = s.getInputStream();
              byte[] buf = new byte[4096];
              int n = 0, r;
              while ((r = in.read(buf, n, buf.length - n)) > 0) {
                n += r;
                if (new String(buf, 0, n, StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) break;
              }
              if (i == 0) continue; // closed without a response
              OutputStream out = s.getOutputStream();
              out.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nretry".getBytes(StandardCharsets.ISO_8859_1));
              out.flush();
            }
          }
        } catch (Exception e) {
          System.out.println("sem: retry server " + e);
        }
      }, "retry-server");
      t.setDaemon(true);
      t.start();
      String s = show(client.execute(new HttpGet("http://127.0.0.1:" + ss.getLocalPort() + "/")));
      t.join(10_000);
      return s + " connections=" + connections.get();
    }
  }

  private static String show(CloseableHttpResponse r) throws Exception {
    try (CloseableHttpResponse closed = r) {
      return closed.getStatusLine() + " " + (closed.getEntity() == null ? "(no entity)" : EntityUtils.toString(closed.getEntity()));
    }
  }

  private interface Step {
    String run() throws Exception;
  }

  private static void step(String name, Step step) {
    String out;
    try {
      out = step.run();
    } catch (Exception e) {
      out = "threw " + e.getClass().getName() + ": " + e.getMessage()
          + (e.getCause() == null ? "" : " (cause " + e.getCause().getClass().getName() + ")");
    }
    System.out.println("sem: " + name + " -> " + out);
  }
}
