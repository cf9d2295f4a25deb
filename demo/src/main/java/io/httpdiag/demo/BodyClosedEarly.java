package io.httpdiag.demo;

import io.httpdiag.http.Response;
import java.util.List;

/** A body closed before EOF: the rest is unread, so the connection cannot be reused. */
final class BodyClosedEarly extends Scenario {
  BodyClosedEarly() {
    super("body-closed-early", CORE, "body closed before EOF", List.of("BODY_CLOSED_EARLY"));
  }

  @Override
  String describe(Variant v) {
    return v == Variant.BAD ? "GET /big twice, read the first 1000 bytes, close"
        : "GET /big twice, read to the end, close";
  }

  @Override
  void run(Variant v, Run run) throws Exception {
    for (int i = 0; i < 2; i++) {
      try (Response r = run.client().get(run.url("/big"))) {
        if (v == Variant.BAD) {
          r.body().readNBytes(1000); // try-with-resources then closes it with ~1 MiB left
        } else {
          r.body().readAllBytes();
        }
      }
    }
  }
}
