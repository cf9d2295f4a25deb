package io.httpdiag.demo;

import io.httpdiag.http.Client;
import io.httpdiag.http.Response;
import io.httpdiag.http.Transport;
import io.httpdiag.http.TransportStats;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Go's default {@code maxIdleConnsPerHost} of 2 under 100 concurrent callers: each connection
 * released into the full idle pool is closed, and the next request dials again. Callers pause 1 ms
 * between requests: a tight loop hides churn (DESIGN.md section 8).
 */
final class PoolChurn extends Scenario {
  static final int CALLERS = 100;
  static final long MILLIS = 1000;

  PoolChurn() {
    super("pool-churn", CORE, "maxIdleConnsPerHost 2 for 100 callers", List.of("POOL_CHURN"));
  }

  @Override
  String describe(Variant v) {
    return CALLERS + " callers for " + MILLIS + " ms, 1 ms think time, "
        + (v == Variant.BAD ? "default maxIdleConnsPerHost (2)" : "maxIdleConnsPerHost(" + CALLERS + ")");
  }

  @Override
  void run(Variant v, Run run) throws Exception {
    Transport.Builder b = Transport.builder();
    if (v == Variant.FIXED) b.maxIdleConnsPerHost(CALLERS);
    Transport t = run.later(b.build());
    Client client = Client.builder().transport(t).timeout(Run.T).build();
    String url = run.url("/think");
    AtomicLong done = new AtomicLong();
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MILLIS);
    Thread[] callers = new Thread[CALLERS];
    for (int i = 0; i < callers.length; i++) {
      callers[i] = new Thread(() -> {
        while (System.nanoTime() < until) {
          try (Response r = client.get(url)) {
            r.body().readAllBytes();
            done.incrementAndGet();
            Thread.sleep(1); // think time
          } catch (Exception e) {
            run.say("caller failed: " + e);
            return;
          }
        }
      }, "demo-caller-" + i);
      callers[i].start();
    }
    for (Thread c : callers) c.join();
    TransportStats s = t.stats();
    run.say(done.get() + " requests: " + s.dials() + " new connections, " + s.reuses() + " reuses, "
        + s.discarded("poolFull") + " closed because the idle pool was full");
  }
}
