package io.httpdiag.demo;

import io.httpdiag.http.Client;
import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import io.httpdiag.http.Transport;
import java.time.Duration;
import java.util.List;

/**
 * HTTPS: a fresh connection pays a TCP connect and a TLS handshake before the first byte; a reused
 * one pays neither. The bad variant builds a Transport per request, so every request handshakes.
 */
final class TlsReuse extends Scenario {
  static final int REQUESTS = 6;

  TlsReuse() {
    super("tls-reuse", CORE, "TLS handshake on every request", List.of("CLIENT_PER_REQUEST"));
  }

  @Override
  String describe(Variant v) {
    return REQUESTS + " HTTPS GETs, " + (v == Variant.BAD ? "a new Transport each (a handshake each)"
        : "one shared Transport (one handshake, then reuse)");
  }

  @Override
  void run(Variant v, Run run) throws Exception {
    Tls tls = Tls.bundled();
    Server server = run.later(DemoServer.builder(run).tls(tls.server()).readHeaderTimeout(Duration.ofSeconds(5))
        .idleTimeout(Duration.ofSeconds(60)).build().start());
    Transport shared = v == Variant.FIXED ? run.later(Transport.builder().sslContext(tls.client()).build()) : null;
    for (int i = 0; i < REQUESTS; i++) {
      Transport t = shared != null ? shared : Transport.builder().sslContext(tls.client()).build();
      Client c = Client.builder().transport(t).timeout(Run.T).trace(run.lifecycle).build();
      try (Response r = c.get(server.url("/"))) {
        r.body().readAllBytes();
      }
      if (shared == null) t.close();
    }
  }
}
