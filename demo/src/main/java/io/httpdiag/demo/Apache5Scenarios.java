package io.httpdiag.demo;

import java.util.List;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;

/**
 * Apache HttpClient 5's version of "Timeout waiting for connection from pool": responses neither
 * closed nor consumed keep their connections leased, the route's pool (5 by default) runs dry, and
 * the next request waits for its connection-request timeout. What Spring's {@code RestClient} does
 * on HC5 when a body is left open.
 */
final class Apache5Scenarios {
  static final String APACHE5 = "Apache HC5";
  /** One more than the default per-route limit, so the last request must wait. */
  private static final int REQUESTS = 6;

  private Apache5Scenarios() {}

  static List<Scenario> all() {
    return List.of(new PoolExhausted());
  }

  static final class PoolExhausted extends Scenario {
    PoolExhausted() {
      super("pool-exhausted-apache5", APACHE5, "responses never closed exhaust the pool",
          List.of("POOL_EXHAUSTED", "BODY_NOT_CLOSED"));
    }

    @Override
    String describe(Variant v) {
      return v == Variant.BAD ? REQUESTS + " GETs on the default pool (5 per route), responses neither closed nor consumed"
          : REQUESTS + " GETs through a response handler (it consumes the entity and releases the connection)";
    }

    @Override
    void run(Variant v, Run run) throws Exception {
      CloseableHttpClient client = run.later(HttpClients.custom().setDefaultRequestConfig(RequestConfig.custom()
          .setConnectionRequestTimeout(Timeout.ofMilliseconds(500)).setResponseTimeout(Timeout.ofSeconds(10))
          .build()).build());
      for (int i = 1; i <= REQUESTS; i++) {
        try {
          if (v == Variant.BAD) {
            @SuppressWarnings("deprecation") // the form that hands the caller a response to close: the mistake
            CloseableHttpResponse r = client.execute(new HttpGet(run.url("/big")));
            run.later(r);
            run.say("request " + i + ": status " + r.getCode() + "; response left open");
          } else {
            int status = client.execute(new HttpGet(run.url("/big")), response -> {
              EntityUtils.consume(response.getEntity());
              return response.getCode();
            });
            run.say("request " + i + ": status " + status + "; entity consumed by the handler");
          }
        } catch (Exception e) {
          run.say("request " + i + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
      }
    }
  }
}
