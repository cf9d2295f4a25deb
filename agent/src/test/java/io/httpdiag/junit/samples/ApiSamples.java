package io.httpdiag.junit.samples;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import io.httpdiag.junit.HttpLeaks;
import io.httpdiag.junit.Snapshot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The programmatic API, as another framework would use it (no annotation). */
class ApiSamples {
  static Server server;

  @BeforeAll
  static void startServer() throws Exception {
    server = SampleServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Test
  void snapshotThenVerifyReportsALeak() throws Exception {
    Snapshot before = HttpLeaks.snapshot();
    Response r = SampleServer.CLIENT.get(server.url("/big")); // LEAK: api
    AssertionError e = assertThrows(AssertionError.class, before::verify);
    r.close();
    assertTrue(e.getMessage().contains("ApiSamples.snapshotThenVerifyReportsALeak(ApiSamples.java:"), e.getMessage());
    assertTrue(e.getMessage().contains("[BODIES] response body not closed"), e.getMessage());
    HttpLeaks.assertNone();
  }

  @Test
  void assertNoneReportsAnyOpenBody() throws Exception {
    Response r = SampleServer.CLIENT.get(server.url("/big"));
    try {
      AssertionError e = assertThrows(AssertionError.class, HttpLeaks::assertNone);
      assertTrue(e.getMessage().startsWith("httpdiag: 1 leak (still there after waiting"), e.getMessage());
    } finally {
      r.close();
    }
    HttpLeaks.assertNone();
    HttpLeaks.snapshot().verify();
  }
}
