package io.httpdiag.demo;

import io.httpdiag.http.Client;
import io.httpdiag.http.Response;
import io.httpdiag.http.Transport;
import java.util.List;

/** A Transport (and so a connection pool) built per request: nothing is ever reused. */
final class ClientPerRequest extends Scenario {
  static final int REQUESTS = 8;

  ClientPerRequest() {
    super("client-per-request", CORE, "Transport built per request", List.of("CLIENT_PER_REQUEST"));
  }

  @Override
  String describe(Variant v) {
    return v == Variant.BAD ? REQUESTS + " GETs, each through a new Transport"
        : REQUESTS + " GETs through one shared Transport";
  }

  @Override
  void run(Variant v, Run run) throws Exception {
    Transport shared = v == Variant.FIXED ? run.later(Transport.builder().build()) : null;
    for (int i = 0; i < REQUESTS; i++) {
      Transport t = shared != null ? shared : Transport.builder().build();
      Client c = Client.builder().transport(t).timeout(Run.T).trace(run.lifecycle).build();
      try (Response r = c.get(run.url("/"))) {
        r.body().readAllBytes();
      }
      if (shared == null) t.close();
    }
  }
}
