package io.httpdiag.demo;

import io.httpdiag.http.Handler;
import io.httpdiag.http.ServeMux;
import io.httpdiag.http.Server;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;

/**
 * {@code serve}: a hello-world server on 127.0.0.1 until interrupted. Routes: {@code GET /} →
 * "Hello, World!", {@code /echo} (the request body back), {@code /slow?ms=N}, {@code /bytes?n=N}.
 * Benchmarks and other tools rely on these routes and flags.
 */
final class ServeCommand {
  private ServeCommand() {}

  static int run(List<String> args) throws Exception {
    Server.Builder b = Server.builder().handler(routes());
    String host = "127.0.0.1";
    int port = 8080;
    boolean tls = false;
    try {
      for (int i = 0; i < args.size(); i++) {
        String flag = args.get(i);
        if (flag.equals("--help")) {
          System.out.println(String.join("\n",
              "usage: serve [--host H] [--port N] [--read-header-timeout D] [--read-timeout D] [--write-timeout D]",
              "             [--idle-timeout D] [--max-header-bytes N] [--tls] [--no-http2] [--h2c]",
              "--tls: HTTPS with a self-signed certificate; ALPN offers h2 and http/1.1 (--no-http2: http/1.1 only)",
              "--h2c: also serve HTTP/2 in cleartext to clients with prior knowledge (curl --http2-prior-knowledge)",
              "durations: 500ms, 5s, 1m; 0 means no timeout (the default, like Go)"));
          return 0;
        }
        if (flag.equals("--tls")) {
          tls = true;
          continue;
        }
        if (flag.equals("--no-http2")) {
          b.http2(false);
          continue;
        }
        if (flag.equals("--h2c")) {
          b.h2c(true);
          continue;
        }
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String v = args.get(++i);
        switch (flag) {
          case "--host": host = v; break;
          case "--port": port = Integer.parseInt(v); break;
          case "--read-header-timeout": b.readHeaderTimeout(duration(flag, v)); break;
          case "--read-timeout": b.readTimeout(duration(flag, v)); break;
          case "--write-timeout": b.writeTimeout(duration(flag, v)); break;
          case "--idle-timeout": b.idleTimeout(duration(flag, v)); break;
          case "--max-header-bytes": b.maxHeaderBytes(Integer.parseInt(v)); break;
          default: throw new IllegalArgumentException("unknown flag " + flag + "; try serve --help");
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("httpdiag-demo serve: " + e.getMessage());
      return 2;
    }
    if (tls) {
      b.tls(selfSignedContext());
    }
    Server server = b.host(host).port(port).build().start();
    System.out.println("httpdiag demo server listening on " + server.url("/"));
    System.out.println("  " + server.settings());
    System.out.println("  routes: GET / (Hello, World!), /echo, /slow?ms=N, /bytes?n=N; Ctrl-C stops");
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      int forced = server.shutdown(Duration.ofSeconds(5));
      System.out.println("shut down" + (forced > 0 ? "; force-closed " + forced + " connection(s)" : ""));
      done.countDown();
    }));
    done.await();
    return 0;
  }

  static Handler routes() {
    ServeMux mux = new ServeMux();
    mux.handle("GET /{$}", (w, r) -> {
      w.headers().set("Content-Type", "text/plain; charset=utf-8");
      w.write("Hello, World!");
    });
    mux.handle("/echo", (w, r) -> {
      String type = r.headers().get("Content-Type");
      w.headers().set("Content-Type", type == null ? "application/octet-stream" : type);
      r.body().transferTo(w.body());
    });
    mux.handle("/slow", (w, r) -> {
      long ms = parse(r.queryParam("ms"), 1000);
      Thread.sleep(Math.min(ms, 600_000));
      w.write("slept " + ms + " ms\n");
    });
    mux.handle("/bytes", (w, r) -> {
      long n = parse(r.queryParam("n"), 1024);
      w.headers().set("Content-Type", "application/octet-stream");
      w.headers().set("Content-Length", Long.toString(n));
      byte[] chunk = new byte[(int) Math.min(n, 64 * 1024)];
      java.util.Arrays.fill(chunk, (byte) 'x');
      for (long left = n; left > 0; left -= chunk.length) {
        w.write(chunk, 0, (int) Math.min(left, chunk.length));
      }
    });
    return mux;
  }

  private static long parse(String v, long dflt) {
    if (v == null) {
      return dflt;
    }
    try {
      return Math.max(0, Long.parseLong(v));
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  /** "500ms", "5s", "2m", or a bare number of seconds. */
  static Duration duration(String flag, String v) {
    try {
      if (v.endsWith("ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      if (v.endsWith("s")) return Duration.ofMillis((long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
      if (v.endsWith("m")) return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
      return Duration.ofSeconds(Long.parseLong(v));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + ": not a duration: '" + v + "' (use 500ms, 5s, 1m)");
    }
  }

  /** A self-signed certificate for localhost/127.0.0.1, made with the running JDK's keytool. */
  static SSLContext selfSignedContext() throws Exception {
    Tls tls = Tls.get();
    System.out.println("  TLS: self-signed certificate for localhost/127.0.0.1 in " + tls.keyStoreFile
        + " (password " + Tls.PASSWORD + ")");
    return tls.server();
  }
}
