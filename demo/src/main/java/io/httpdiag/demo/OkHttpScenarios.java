package io.httpdiag.demo;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** Mistakes made with OkHttp 4 (against the embedded server): found by the agent's OkHttp instrumentation. */
final class OkHttpScenarios {
  static final String OKHTTP = "OkHttp";

  private OkHttpScenarios() {}

  static List<Scenario> all() {
    return List.of(new BodyNotClosed(), new DispatcherQueue());
  }

  /** A client with a call timeout whose Dispatcher threads (not daemons) are stopped at the run's cleanup. */
  static OkHttpClient client(Run run, OkHttpClient c) {
    run.later(() -> {
      c.dispatcher().executorService().shutdown();
      c.connectionPool().evictAll();
    });
    return c;
  }

  static Request get(String url) {
    return new Request.Builder().url(url).build();
  }

  abstract static class OkHttpScenario extends Scenario {
    OkHttpScenario(String name, String mistake, List<String> expected) {
      super(name, OKHTTP, mistake, expected);
    }

    @Override
    String notDetectedReason(boolean anythingSeen) {
      return anythingSeen ? null : "needs OkHttp instrumentation";
    }
  }

  static final class BodyNotClosed extends OkHttpScenario {
    BodyNotClosed() {
      super("body-not-closed-okhttp", "Response never closed", List.of("BODY_NOT_CLOSED"));
    }

    @Override
    String describe(Variant v) {
      return v == Variant.BAD ? "execute(GET /big), never read nor close the Response"
          : "execute(GET /big) in try-with-resources, body read to the end";
    }

    @Override
    void run(Variant v, Run run) throws Exception {
      OkHttpClient client = client(run, new OkHttpClient.Builder().callTimeout(Run.T).build());
      Response r = client.newCall(get(run.url("/big"))).execute();
      if (v == Variant.BAD) {
        run.later(r);
        run.say("status " + r.code() + "; Response left open");
      } else {
        try (Response closed = r) {
          run.say("status " + closed.code() + "; read " + Lifecycle.bytes(closed.body().bytes().length));
        }
      }
    }
  }

  static final class DispatcherQueue extends OkHttpScenario {
    static final int CALLS = 10;

    DispatcherQueue() {
      super("dispatcher-okhttp", "async calls queued per host", List.of("POOL_EXHAUSTED"));
    }

    @Override
    String describe(Variant v) {
      return v == Variant.BAD ? CALLS + " enqueue(GET /stall) to one host, server answers after 100 ms; maxRequestsPerHost 5 (default)"
          : CALLS + " enqueue(GET /stall) to one host, server answers after 100 ms; dispatcher().setMaxRequestsPerHost(16)";
    }

    @Override
    void run(Variant v, Run run) throws Exception {
      OkHttpClient client = client(run, new OkHttpClient.Builder().callTimeout(Run.T).build());
      if (v == Variant.FIXED) client.dispatcher().setMaxRequestsPerHost(16);
      CountDownLatch done = new CountDownLatch(CALLS);
      AtomicInteger ok = new AtomicInteger();
      for (int i = 0; i < CALLS; i++) {
        client.newCall(get(run.url("/stall"))).enqueue(new Callback() {
          @Override
          public void onFailure(Call call, IOException e) {
            done.countDown();
          }

          @Override
          public void onResponse(Call call, Response response) throws IOException {
            try (Response r = response) {
              r.body().string();
              ok.incrementAndGet();
            } finally {
              done.countDown();
            }
          }
        });
      }
      run.say("queued in the Dispatcher: " + client.dispatcher().queuedCallsCount());
      Thread.sleep(100); // the server's work: the first calls hold it this long
      run.releaseStalledHandlers();
      if (!done.await(Run.T.toMillis(), TimeUnit.MILLISECONDS)) run.say("calls still running after " + Run.T);
      run.say(ok.get() + " of " + CALLS + " answered");
    }
  }
}
