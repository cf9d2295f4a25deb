package io.httpdiag.demo;

import io.httpdiag.http.Client;
import io.httpdiag.http.HttpTimeoutException;
import io.httpdiag.http.Response;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A client without any timeout against a server that stalls: the caller waits forever, and the
 * agent's watchdog reports it with the waiting thread's stack. The fixed client times out.
 */
final class NoTimeouts extends Scenario {
  static final Duration TIMEOUT = Duration.ofMillis(300);

  NoTimeouts() {
    super("no-timeouts", CORE, "no timeout, server stalls", List.of("MISSING_TIMEOUT", "STUCK_EXCHANGE"));
  }

  @Override
  String describe(Variant v) {
    return v == Variant.BAD ? "GET /stall (never answers) with a Client without timeout"
        : "GET /stall with Client.builder().timeout(300ms)";
  }

  @Override
  void run(Variant v, Run run) throws Exception {
    String url = run.url("/stall");
    if (v == Variant.FIXED) {
      Client client = Client.builder().timeout(TIMEOUT).trace(run.lifecycle).build();
      long start = System.nanoTime();
      try (Response r = client.get(url)) {
        run.say("unexpected answer " + r.status());
      } catch (HttpTimeoutException expected) {
        run.say("timed out cleanly after " + Lifecycle.ms(System.nanoTime() - start) + ": " + expected.getMessage());
      }
      run.releaseStalledHandlers();
      return;
    }
    Client client = Client.builder().trace(run.lifecycle).build();
    Thread caller = new Thread(() -> {
      try (Response r = client.get(url)) {
        r.body().readAllBytes();
      } catch (Exception e) {
        // released at cleanup, or the server went away: either way not the point here
      }
    }, "demo-stuck-caller");
    caller.setDaemon(true);
    caller.start();
    run.stalled.await(10, TimeUnit.SECONDS);
    run.say("the server has the request and stalls; thread \"" + caller.getName() + "\" waits with no deadline");
    run.later(() -> caller.join(10_000)); // after the check point, the run releases the server
  }
}
