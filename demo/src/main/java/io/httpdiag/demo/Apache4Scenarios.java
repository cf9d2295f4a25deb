package io.httpdiag.demo;

import java.util.List;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;

/**
 * Apache HttpClient 4.5's classic mistake: responses whose entity is never consumed keep their
 * connections leased, the route's pool (2 by default) runs dry, and the next request ends in
 * "Timeout waiting for connection from pool".
 */
final class Apache4Scenarios {
  static final String APACHE4 = "Apache HC4";

  private Apache4Scenarios() {}

  static List<Scenario> all() {
    return List.of(new PoolExhausted());
  }

  static final class PoolExhausted extends Scenario {
    PoolExhausted() {
      super("pool-exhausted-apache4", APACHE4, "entities never consumed exhaust the pool",
          List.of("POOL_EXHAUSTED", "BODY_NOT_CLOSED"));
    }

    @Override
    String describe(Variant v) {
      return v == Variant.BAD ? "3 GETs on the default pool (2 per route), entities never consumed nor responses closed"
          : "3 GETs, each entity consumed (EntityUtils.consume) in try-with-resources";
    }

    @Override
    void run(Variant v, Run run) throws Exception {
      CloseableHttpClient client = run.later(HttpClients.custom().setDefaultRequestConfig(RequestConfig.custom()
          .setConnectTimeout(5000).setSocketTimeout(10000).setConnectionRequestTimeout(500).build()).build());
      for (int i = 1; i <= 3; i++) {
        try {
          CloseableHttpResponse r = client.execute(new HttpGet(run.url("/big")));
          if (v == Variant.BAD) {
            run.later(r);
            run.say("request " + i + ": status " + r.getStatusLine().getStatusCode() + "; entity left unread");
          } else {
            try (CloseableHttpResponse closed = r) {
              EntityUtils.consume(closed.getEntity());
              run.say("request " + i + ": status " + closed.getStatusLine().getStatusCode() + "; entity consumed");
            }
          }
        } catch (Exception e) {
          run.say("request " + i + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
      }
    }
  }
}
