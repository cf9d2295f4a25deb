package io.httpdiag.demo;

import io.httpdiag.http.Client;
import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import io.httpdiag.http.Transport;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;

/**
 * The body-not-closed mistake on HTTP/2 (h2c, one connection multiplexing every request): a body
 * left open does not hold a connection but a stream slot of the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS and the flow-control window its unread bytes fill; enough of them
 * and every new request to that host waits.
 */
final class Http2BodyNotClosed extends Scenario {
  Http2BodyNotClosed() {
    super("h2-body-not-closed", CORE, "HTTP/2 response body never closed", List.of("BODY_NOT_CLOSED"));
  }

  @Override
  String describe(Variant v) {
    return v == Variant.BAD ? "h2c: GET /big (1 MiB) on a stream, look at the status, never touch the body"
        : "h2c: GET /big in try-with-resources, body read to the end";
  }

  @Override
  void run(Variant v, Run run) throws Exception {
    Server server = run.start(DemoServer.builder(run).h2c(true).readHeaderTimeout(Duration.ofSeconds(5))
        .idleTimeout(Duration.ofSeconds(60)), null);
    Transport transport = run.later(Transport.builder().h2c(true).build());
    Client client = run.h2Client(transport);
    if (v == Variant.BAD) {
      Response r = client.get(server.url("/big"));
      run.later(r); // closed only after the check point, to show what the agent sees meanwhile
      run.say(r.protocol() + " status " + r.status() + "; body left open, its stream still counted");
    } else {
      try (Response r = client.get(server.url("/big")); InputStream in = r.body()) {
        run.say(r.protocol() + " status " + r.status() + "; read " + Lifecycle.bytes(in.readAllBytes().length));
      }
    }
  }
}
