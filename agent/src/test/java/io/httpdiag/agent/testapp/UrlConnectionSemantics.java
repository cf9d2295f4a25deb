package io.httpdiag.agent.testapp;

import io.httpdiag.http.Server;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HttpsURLConnection;

/**
 * A fixed script through HttpURLConnection that prints everything the application sees ({@code
 * testapp: step ...} lines, the servers' ports replaced by names): 200, 404 with its error stream, a
 * redirect, chunked and fixed-length streaming POSTs, a read timeout and its exception, disconnect(),
 * HTTPS twice (a new connection, then the cached one). Run with and without the agent, the lines must
 * be identical. {@code --wait}: one GET first, then wait for a line on stdin (an attach comes meanwhile).
 */
public final class UrlConnectionSemantics {
  private static String base;
  private static String tlsBase;
  /** One factory: the keep-alive cache keys HTTPS connections by it too. */
  private static javax.net.ssl.SSLSocketFactory tlsFactory;

  private UrlConnectionSemantics() {}

  public static void main(String[] args) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (Server server = Server.builder().host("127.0.0.1").port(0).readHeaderTimeout(Duration.ofSeconds(5))
            .handler((w, r) -> serve(w, r, release)).build().start();
        Server tls = Server.builder().host("127.0.0.1").port(0).tls(TestTls.serverContext())
            .handler((w, r) -> w.write("secure " + r.path())).build().start()) {
      base = server.url("");
      tlsBase = tls.url("");
      tlsFactory = TestTls.clientContext().getSocketFactory();
      if (args.length > 0 && args[0].equals("--wait")) {
        // Before an attach: the JDK's classes are loaded and a connection is in the keep-alive cache.
        get("/hello");
        System.out.println("testapp: waiting");
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      }
      get("/hello");
      get("/missing");
      get("/redirect");
      post("/echo", "chunked", 300);
      post("/echo", "fixed", 300);
      post("/echo", "buffered", 300);
      readTimeout(release);
      disconnect();
      get("/hello");
      https("/a");
      https("/b");
    } finally {
      release.countDown();
    }
    SimulatedTraffic.report();
  }

  private static void serve(io.httpdiag.http.ResponseWriter w, io.httpdiag.http.Request r, CountDownLatch release)
      throws Exception {
    switch (r.path()) {
      case "/hello":
        w.headers().set("Content-Type", "text/plain");
        w.write("Hello, World!");
        break;
      case "/missing":
        w.writeHeader(404);
        w.write("no such thing");
        break;
      case "/redirect":
        w.headers().set("Location", "/hello");
        w.writeHeader(302);
        break;
      case "/echo": {
        byte[] body = r.body().readAllBytes();
        w.write(r.method() + " " + body.length + " bytes, transfer-encoding=" + r.headers().get("Transfer-Encoding"));
        break;
      }
      case "/slow":
        release.await(5, TimeUnit.SECONDS);
        w.write("late");
        break;
      case "/chunked":
        for (int i = 0; i < 20; i++) {
          w.write(("part " + i + "\n").getBytes(StandardCharsets.US_ASCII));
          w.flush();
        }
        break;
      default:
        w.writeHeader(500);
    }
  }

  private static HttpURLConnection open(String url) throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
    c.setConnectTimeout(5_000);
    c.setReadTimeout(10_000);
    return c;
  }

  private static void get(String path) {
    try {
      HttpURLConnection c = open(base + path);
      int code = c.getResponseCode();
      print(path + " code=" + code + " message=" + c.getResponseMessage() + " type=" + c.getContentType()
          + " url=" + c.getURL());
      if (code >= 400) {
        try {
          c.getInputStream();
        } catch (IOException e) {
          print(path + " getInputStream threw " + e);
        }
        try (InputStream err = c.getErrorStream()) {
          print(path + " error body=" + text(err));
        }
      } else {
        try (InputStream in = c.getInputStream()) {
          print(path + " body=" + text(in));
        }
      }
    } catch (Exception e) {
      print(path + " threw " + e);
    }
  }

  private static void post(String path, String mode, int size) {
    try {
      HttpURLConnection c = open(base + path);
      c.setRequestMethod("POST");
      c.setDoOutput(true);
      if (mode.equals("chunked")) c.setChunkedStreamingMode(64);
      if (mode.equals("fixed")) c.setFixedLengthStreamingMode(size);
      try (OutputStream out = c.getOutputStream()) {
        out.write(new byte[size]);
      }
      try (InputStream in = c.getInputStream()) {
        print(path + " " + mode + " code=" + c.getResponseCode() + " body=" + text(in));
      }
    } catch (Exception e) {
      print(path + " " + mode + " threw " + e);
    }
  }

  private static void readTimeout(CountDownLatch release) {
    try {
      HttpURLConnection c = open(base + "/slow");
      c.setReadTimeout(300);
      c.getInputStream();
      print("/slow no timeout");
    } catch (Exception e) {
      print("/slow threw " + e);
    }
    release.countDown();
  }

  private static void disconnect() {
    try {
      HttpURLConnection c = open(base + "/chunked");
      InputStream in = c.getInputStream();
      byte[] first = new byte[7];
      int n = in.readNBytes(first, 0, first.length);
      c.disconnect();
      print("/chunked read " + n + " \"" + new String(first, 0, n, StandardCharsets.US_ASCII) + "\" then disconnect");
      try {
        print("/chunked after disconnect read " + in.read());
      } catch (IOException e) {
        print("/chunked after disconnect threw " + e);
      }
    } catch (Exception e) {
      print("/chunked threw " + e);
    }
  }

  private static void https(String path) {
    try {
      HttpsURLConnection c = (HttpsURLConnection) open(tlsBase + path);
      c.setSSLSocketFactory(tlsFactory);
      try (InputStream in = c.getInputStream()) {
        print("https " + path + " code=" + c.getResponseCode() + " cipher=" + (c.getCipherSuite() != null)
            + " body=" + text(in));
      }
    } catch (Exception e) {
      print("https " + path + " threw " + e);
    }
  }

  private static String text(InputStream in) throws IOException {
    return in == null ? "null" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  private static void print(String line) {
    System.out.println("testapp: step " + line.replace(tlsBase, "TLSBASE").replace(base, "BASE"));
  }
}
