package io.httpdiag.http.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real nginx on 127.0.0.1 (a free port), configured in a temp dir, run in the foreground as a
 * child process; skips the test (an assumption) when nginx is not installed. The access log
 * records {@code $connection $connection_requests $remote_port}, so reuse is visible from the
 * server side. Locations: {@code /} (13 bytes), {@code /chunked.html} (chunked), {@code /close}
 * (Connection: close), {@code /big} (64 KiB file). With {@link #startTls} it also listens with
 * TLS using a generated self-signed certificate for DNS:localhost.
 */
public final class Nginx implements AutoCloseable {
  public static final String NGINX = "/usr/sbin/nginx";
  private final Path dir;
  private final int port;
  private final int tlsPort;
  private final Process process;

  private Nginx(Path dir, int port, int tlsPort, Process process) {
    this.dir = dir;
    this.port = port;
    this.tlsPort = tlsPort;
    this.process = process;
  }

  /** Whether nginx is installed. */
  public static boolean available() {
    return Files.isExecutable(Path.of(NGINX));
  }

  /** Starts nginx, or skips the calling test when it is not installed. */
  public static Nginx start() throws Exception {
    assumeTrue(available(), "nginx not installed at " + NGINX);
    return launch(false);
  }

  /** Also listens with TLS; {@link #certificatePem()} is the certificate to trust. */
  public static Nginx startTls() throws Exception {
    assumeTrue(available(), "nginx not installed at " + NGINX);
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl not installed");
    return launch(true);
  }

  /** Starts nginx (no JUnit needed: the benchmark uses this); fails when it cannot. */
  public static Nginx launch(boolean tls) throws Exception {
    Path dir = Files.createTempDirectory("httpdiag-nginx");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // workers may run as nobody
    Path html = Files.createDirectories(dir.resolve("html"));
    Files.writeString(html.resolve("chunked.html"), "chunk-a-body\n".repeat(100));
    Files.write(html.resolve("big"), new byte[64 * 1024]);
    Files.setPosixFilePermissions(html, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (Path f : List.of(html.resolve("chunked.html"), html.resolve("big"))) {
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    }
    if (tls) {
      Process p = new ProcessBuilder("/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
          "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir.resolve("key.pem").toString(), "-out",
          dir.resolve("cert.pem").toString(), "-days", "2", "-subj", "/CN=localhost", "-addext",
          "subjectAltName=DNS:localhost").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IOException("openssl failed: " + out);
      }
    }
    for (int attempt = 0; ; attempt++) {
      int port = freePort();
      int tlsPort = tls ? freePort() : -1;
      String d = dir.toString();
      String conf = "worker_processes " + Integer.getInteger("httpdiag.nginxWorkers", 1) + ";\n"
          + "error_log " + d + "/error.log info;\n"
          + "pid " + d + "/nginx.pid;\n"
          + "events { worker_connections 4096; }\n"
          + "http {\n"
          + "  client_body_temp_path " + d + "/tmp_body; proxy_temp_path " + d + "/tmp_proxy;\n"
          + "  fastcgi_temp_path " + d + "/tmp_fcgi; uwsgi_temp_path " + d + "/tmp_uwsgi; scgi_temp_path " + d + "/tmp_scgi;\n"
          + "  log_format conns '$connection $connection_requests $remote_port $request_method $request_uri $status';\n"
          + "  access_log " + d + "/access.log conns;\n"
          + "  keepalive_requests 1000000;\n"
          + "  server {\n"
          + "    listen 127.0.0.1:" + port + ";\n"
          + (tls ? "    listen 127.0.0.1:" + tlsPort + " ssl;\n    ssl_certificate " + d + "/cert.pem;\n"
              + "    ssl_certificate_key " + d + "/key.pem;\n    server_name localhost;\n" : "")
          + "    location = / { return 200 \"hello, world\\n\"; }\n"
          + "    location = /chunked.html { root " + d + "/html; default_type text/html; sub_filter 'a' 'A'; sub_filter_once off; }\n"
          + "    location = /big { root " + d + "/html; }\n"
          + "    location = /close { keepalive_timeout 0; return 200 \"closing\\n\"; }\n"
          + "  }\n"
          + "}\n";
      Files.writeString(dir.resolve("nginx.conf"), conf);
      Process process = new ProcessBuilder(NGINX, "-p", d, "-c", d + "/nginx.conf", "-g", "daemon off;")
          .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
      if (awaitListening(port, process)) {
        return new Nginx(dir, port, tlsPort, process);
      }
      process.destroy();
      process.waitFor(5, TimeUnit.SECONDS);
      if (attempt == 2) {
        throw new IOException("nginx did not start: " + Files.readString(dir.resolve("error.log")));
      }
    }
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** https://localhost:PORT + path (the certificate names localhost). */
  public String tlsUrl(String path) {
    return "https://localhost:" + tlsPort + path;
  }

  public int tlsPort() {
    return tlsPort;
  }

  public Path certificatePem() {
    return dir.resolve("cert.pem");
  }

  /** Access log lines so far: "connection requestsOnConnection remotePort method uri status". */
  public List<String> accessLog() throws IOException {
    Path log = dir.resolve("access.log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  /** Waits until {@code n} requests are logged (nginx writes the line after the response). */
  public List<String> awaitLogged(int n) throws IOException {
    Await.until(Duration.ofSeconds(10), () -> {
      try {
        return accessLog().size() >= n;
      } catch (IOException e) {
        return false;
      }
    }, () -> n + " access log lines");
    return accessLog();
  }

  /** Distinct nginx connection serial numbers among the first {@code n} logged requests. */
  public int distinctConnections(int n) throws IOException {
    Set<String> ids = new HashSet<>();
    for (String line : awaitLogged(n)) {
      ids.add(line.split(" ")[0]);
    }
    return ids.size();
  }

  @Override
  public void close() throws Exception {
    process.destroy(); // SIGTERM: nginx's fast shutdown
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(files.sorted(Comparator.reverseOrder()).toList());
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static boolean awaitListening(int port, Process process) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() - deadline < 0 && process.isAlive()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return true;
      } catch (IOException notYet) {
        Thread.onSpinWait();
        try {
          process.waitFor(10, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return false;
  }
}
