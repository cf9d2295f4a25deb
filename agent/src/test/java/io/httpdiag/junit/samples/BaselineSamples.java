package io.httpdiag.junit.samples;

import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import io.httpdiag.junit.HttpLeakCheck;
import io.httpdiag.junit.LeakKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A body left open before any test: ignored with the baseline (the default), reported without it. */
class BaselineSamples {
  static Server server;
  static Response openBeforeTheTests;

  @BeforeAll
  static void openABody() throws Exception {
    server = SampleServer.start();
    openBeforeTheTests = SampleServer.CLIENT.get(server.url("/big")); // LEAK: before
  }

  @AfterAll
  static void close() {
    openBeforeTheTests.close();
    server.close();
  }

  @Test
  @HttpLeakCheck
  void baselineIgnoresWhatWasOpenBefore() {}

  @Test
  @HttpLeakCheck(baseline = false, check = LeakKind.BODIES)
  void withoutBaselineEverythingOpenCounts() {}
}
