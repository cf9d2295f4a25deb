package io.httpdiag.demo;

import io.httpdiag.http.Response;
import io.httpdiag.http.ServeMux;
import io.httpdiag.http.Server;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A handler that starts a thread per request (virtual on Java 21+, platform on 17) and never waits
 * for it: the threads outlive their requests.
 */
final class HandlerThreadLeak extends Scenario {
  static final int REQUESTS = 5;

  HandlerThreadLeak() {
    super("handler-thread-leak", CORE, "handler leaks virtual threads", List.of("THREAD_LEAK"));
  }


  @Override
  String describe(Variant v) {
    return REQUESTS + " GETs to a handler that starts a virtual thread for background work"
        + (v == Variant.BAD ? " and returns at once" : " and joins it before answering");
  }

  @Override
  void run(Variant v, Run run) throws Exception {
    ThreadFactory virtual = virtualThreads();
    ThreadFactory vt = virtual != null ? virtual : task -> { // Java 17: a platform thread leaks the same way
      Thread t = new Thread(task, "handler-worker");
      t.setDaemon(true);
      return t;
    };
    AtomicInteger alive = new AtomicInteger();
    CountDownLatch forever = new CountDownLatch(1);
    run.later(forever::countDown);
    ServeMux mux = new ServeMux();
    mux.handle("GET /{$}", (w, r) -> {
      Thread t = vt.newThread(() -> {
        alive.incrementAndGet();
        try {
          if (v == Variant.BAD) forever.await(); // background work that never ends
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          alive.decrementAndGet();
        }
      });
      t.start();
      if (v == Variant.FIXED) t.join();
      w.write("started");
    });
    Server server = run.later(Server.builder().host("127.0.0.1").port(0).handler(mux)
        .readHeaderTimeout(Duration.ofSeconds(5)).idleTimeout(Duration.ofSeconds(60)).build().start());
    for (int i = 0; i < REQUESTS; i++) {
      try (Response r = run.client().get(server.url("/"))) {
        r.body().readAllBytes();
      }
    }
    Thread.sleep(50);
    run.say(alive.get() + " threads started by the handler are still alive after " + REQUESTS + " requests");
  }

  /** {@code Thread.ofVirtual().factory()} on Java 21+, null on 17 (compiled for 17: reflection). */
  static ThreadFactory virtualThreads() {
    try {
      Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
      return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }
}
