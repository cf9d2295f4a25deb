package io.httpdiag.demo;

import io.httpdiag.http.Response;
import java.io.InputStream;
import java.util.List;

/** A response body never read and never closed: its connection is held for good. */
final class BodyNotClosed extends Scenario {
  BodyNotClosed() {
    super("body-not-closed", CORE, "response body never closed", List.of("BODY_NOT_CLOSED"));
  }

  @Override
  String describe(Variant v) {
    return v == Variant.BAD ? "GET /big (1 MiB), look at the status, never touch the body"
        : "GET /big in try-with-resources, body read to the end";
  }

  @Override
  void run(Variant v, Run run) throws Exception {
    if (v == Variant.BAD) {
      Response r = run.client().get(run.url("/big"));
      run.later(r); // closed only after the check point, to show what the agent sees meanwhile
      run.say("status " + r.status() + "; body left open");
    } else {
      try (Response r = run.client().get(run.url("/big")); InputStream in = r.body()) {
        run.say("status " + r.status() + "; read " + Lifecycle.bytes(in.readAllBytes().length));
      }
    }
  }
}
