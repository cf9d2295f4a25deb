package io.httpdiag.agent.testapp;

import io.httpdiag.http.Client;
import io.httpdiag.http.HttpTimeoutException;
import io.httpdiag.http.Request;
import io.httpdiag.http.Response;
import io.httpdiag.http.ServeMux;
import io.httpdiag.http.Server;
import io.httpdiag.http.Transport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A child-JVM program whose printed outcomes must not depend on the agent: what core-transport's
 * client and server do (responses, exceptions and their messages, timeouts, cancellation, a body
 * closed early, a slow client cut by the server), and, for arguments {@code jdk.<scenario>}, the
 * JDK HttpClient scenarios of {@link JdkClientTraffic}. Prints {@code testapp: <scenario> <outcome>}
 * with ports replaced by P; {@code threads} prints every live platform thread
 * ({@code testapp: thread <name> daemon=<d>}); ends with the agent's counters.
 */
public final class CoreSemantics {
  static final byte[] LARGE = LoadTraffic.pattern(200 << 10, 3);
  /** Counted down when the /slow handler of the request {@code ?id=} starts. */
  static final java.util.Map<String, CountDownLatch> slowEntered = new java.util.concurrent.ConcurrentHashMap<>();

  private CoreSemantics() {}

  public static void main(String[] args) throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("GET /hello", (w, r) -> w.write("hello"));
    mux.handle("GET /large", (w, r) -> w.write(LARGE));
    mux.handle("POST /echo", (w, r) -> w.write("len=" + r.body().readAllBytes().length));
    mux.handle("GET /fail", (w, r) -> {
      throw new IllegalStateException("handler fails");
    });
    mux.handle("GET /slow", (w, r) -> {
      CountDownLatch gone = new CountDownLatch(1);
      r.onCancel(gone::countDown);
      String id = r.queryParam("id");
      CountDownLatch entered = id == null ? null : slowEntered.remove(id);
      if (entered != null) entered.countDown();
      gone.await(10, TimeUnit.SECONDS); // until the client gives up
      w.write("late");
    });
    try (Server server = Server.builder().readHeaderTimeout(Duration.ofSeconds(5)).handler(mux).build().start();
        Server strict = Server.builder().readHeaderTimeout(Duration.ofMillis(300)).handler(mux).build().start();
        Server forJdk = Server.builder().handler(JdkClientTraffic.mux()).build().start();
        Transport transport = Transport.builder().responseHeaderTimeout(Duration.ofSeconds(10)).build()) {
      Client client = Client.builder().transport(transport).timeout(Duration.ofSeconds(10)).build();
      JdkClientTraffic.server = forJdk;
      JdkClientTraffic.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NORMAL).build();
      try {
        for (String scenario : args) {
          if (scenario.startsWith("jdk.")) {
            JdkClientTraffic.run(scenario.substring(4));
          } else if (scenario.equals("threads")) {
            threads();
          } else {
            out(scenario, core(scenario, server, strict, client));
          }
        }
      } finally {
        JdkClientTraffic.release.countDown();
      }
    }
    System.out.println("testapp: done");
    SimulatedTraffic.report();
  }

  static String core(String scenario, Server server, Server strict, Client client) throws Exception {
    switch (scenario) {
      case "core.get":
        return text(client.get(server.url("/hello")));
      case "core.large": {
        try (Response r = client.get(server.url("/large"))) {
          byte[] b = r.body().readAllBytes();
          return r.status() + " " + r.headers().get("Transfer-Encoding") + " " + b.length + " same="
              + java.util.Arrays.equals(b, LARGE);
        }
      }
      case "core.postChunked":
        return text(client.send(Request.builder("POST", server.url("/echo"))
            .body(new ByteArrayInputStream(new byte[100_000]), -1).build()));
      case "core.notFound":
        return text(client.get(server.url("/nothing")));
      case "core.handlerError":
        return text(client.get(server.url("/fail")));
      case "core.clientTimeout":
        return failure(() -> client.newBuilder().timeout(Duration.ofMillis(300)).build().get(server.url("/slow")));
      case "core.responseHeaderTimeout":
        try (Transport t = Transport.builder().responseHeaderTimeout(Duration.ofMillis(300)).build()) {
          return failure(() -> Client.builder().transport(t).build().get(server.url("/slow")));
        }
      case "core.cancel": {
        Request req = Request.builder("GET", server.url("/slow?id=cancel")).build();
        CountDownLatch entered = new CountDownLatch(1);
        slowEntered.put("cancel", entered);
        Thread canceler = new Thread(() -> {
          try {
            if (entered.await(10, TimeUnit.SECONDS)) req.cancel(); // the request is written: waiting for headers
          } catch (InterruptedException ignored) {
            // the request then times out and says so
          }
        });
        canceler.start();
        String outcome = failure(() -> client.send(req));
        canceler.join();
        return outcome;
      }
      case "core.refused": {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
          port = s.getLocalPort();
        }
        return failure(() -> client.get("http://127.0.0.1:" + port + "/"));
      }
      case "core.closedEarly": {
        int n;
        try (Response r = client.get(server.url("/large"))) {
          n = r.body().read(new byte[100]);
        }
        return "read=" + n + " then " + text(client.get(server.url("/hello")));
      }
      case "core.slowClientCut": {
        try (Socket s = new Socket("127.0.0.1", strict.port())) {
          OutputStream out = s.getOutputStream();
          out.write("GET /hello HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.ISO_8859_1)); // never finished
          s.setSoTimeout(10_000);
          InputStream in = s.getInputStream();
          return "read=" + in.read() + " (closed by the server)";
        }
      }
      default:
        throw new IllegalArgumentException("unknown scenario " + scenario);
    }
  }

  interface Call {
    Response call() throws IOException;
  }

  /** The exception a call ends with, its kind for timeouts, and its message with the port masked. */
  static String failure(Call c) {
    try (Response r = c.call()) {
      return "no failure: " + r.status();
    } catch (HttpTimeoutException e) {
      return e.getClass().getName() + " kind=" + e.kind() + ": " + mask(e.getMessage());
    } catch (IOException e) {
      return e.getClass().getName() + ": " + mask(e.getMessage());
    }
  }

  static String text(Response r) throws IOException {
    try (r) {
      return r.status() + " " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8).trim();
    }
  }

  static String mask(String s) {
    return s == null ? null : s.replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:P");
  }

  static void threads() {
    Thread.getAllStackTraces().keySet().stream().sorted(Comparator.comparing(Thread::getName))
        .forEach(t -> System.out.println("testapp: thread " + t.getName() + " daemon=" + t.isDaemon()));
  }

  static void out(String scenario, Object outcome) {
    System.out.println("testapp: " + scenario + " " + outcome);
    System.out.flush();
  }
}
