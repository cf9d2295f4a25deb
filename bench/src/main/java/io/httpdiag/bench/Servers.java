package io.httpdiag.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** Starts the servers under test: {@link PeerServer} child JVMs and nginx, pinned to the server core. */
final class Servers {
  /** A started server: its process and port. */
  record Running(String kind, Child child, int port) implements AutoCloseable {
    String url() {
      return "http://127.0.0.1:" + port + "/";
    }

    @Override
    public void close() throws Exception {
      child.close();
    }
  }

  private Servers() {}

  static Running start(String kind, List<String> jvmArgs) throws Exception {
    return start(kind, jvmArgs, 30_000);
  }

  /** As above, waiting up to {@code startMillis} for the port (a JVM with the OpenTelemetry agent starts slowly on a busy core). */
  static Running start(String kind, List<String> jvmArgs, long startMillis) throws Exception {
    if (kind.equals("nginx")) {
      return nginx();
    }
    Child c = Child.start(kind, Env.SERVER_CORE, Child.java(jvmArgs, PeerServer.class.getName(), kind));
    try {
      return new Running(kind, c, c.awaitPort(startMillis));
    } catch (Exception e) {
      c.close();
      throw e;
    }
  }

  /** nginx in the foreground, one worker, {@code GET /} → "Hello, World!" (13 bytes), no access log. */
  static Running nginx() throws Exception {
    if (Env.NGINX == null) {
      throw new IOException("nginx not installed");
    }
    Path dir = Files.createTempDirectory("httpdiag-bench-nginx");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    dir.toFile().deleteOnExit();
    int port = freePort();
    String d = dir.toString();
    Files.writeString(dir.resolve("nginx.conf"), "worker_processes 1;\n"
        + "error_log " + d + "/error.log warn;\n"
        + "pid " + d + "/nginx.pid;\n"
        + "events { worker_connections 4096; }\n"
        + "http {\n"
        + "  client_body_temp_path " + d + "/b; proxy_temp_path " + d + "/p; fastcgi_temp_path " + d + "/f;\n"
        + "  uwsgi_temp_path " + d + "/u; scgi_temp_path " + d + "/s;\n"
        + "  access_log off; keepalive_requests 10000000; keepalive_timeout 120s;\n"
        + "  server {\n"
        + "    listen 127.0.0.1:" + port + " backlog=1024;\n"
        + "    location = / { default_type text/plain; return 200 \"Hello, World!\"; }\n"
        + "  }\n"
        + "}\n");
    Child c = Child.start("nginx", Env.SERVER_CORE, List.of(Env.NGINX, "-p", d, "-c", d + "/nginx.conf", "-g", "daemon off;"));
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() - deadline < 0) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return new Running("nginx", c, port);
      } catch (IOException notYet) {
        if (!c.alive()) {
          break;
        }
        Thread.sleep(20);
      }
    }
    c.close();
    throw new IOException("nginx did not start: " + c.tail());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
