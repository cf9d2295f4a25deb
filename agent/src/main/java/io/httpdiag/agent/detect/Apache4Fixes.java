package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.Finding;

/** The fixes of every finding kind in Apache HttpClient 4.5 terms. */
final class Apache4Fixes {
  private Apache4Fixes() {}

  static String of(Finding.Kind kind) {
    switch (kind) {
      case BODY_NOT_CLOSED:
        return "consume every response's entity (EntityUtils.consume(response.getEntity())) or close the "
            + "CloseableHttpResponse, or use execute(request, responseHandler); the connection returns to the pool "
            + "only then";
      case BODY_CLOSED_LATE:
        return "close the response as soon as its entity is read: until then its connection is leased";
      case BODY_CLOSED_EARLY:
        return "consume the entity to the end (EntityUtils.consume) before closing the response; closing it early "
            + "throws the connection away";
      case CLIENT_PER_REQUEST:
        return "build one CloseableHttpClient (HttpClients.custom()...build()) at start-up and share it: it is "
            + "thread-safe, and each one has its own connection pool";
      case CLIENT_NOT_CLOSED:
        return "close() the CloseableHttpClient at shutdown (or share one for the application's lifetime): its pool "
            + "keeps connections open until then";
      case MISSING_TIMEOUT:
      case STUCK_EXCHANGE:
        return "set timeouts (4.5 has none by default): RequestConfig.custom().setConnectTimeout(5000)"
            + ".setSocketTimeout(10000).setConnectionRequestTimeout(5000) on the client (setDefaultRequestConfig)";
      case POOL_CHURN:
        return "share one CloseableHttpClient, consume every entity so its connection returns to the pool, and size "
            + "the pool to the concurrency (HttpClientBuilder.setMaxConnPerRoute(n).setMaxConnTotal(m))";
      case POOL_EXHAUSTED:
        return "requests wait for a connection when the route's limit is reached (defaults: 2 per route, 20 in all): "
            + "raise HttpClientBuilder.setMaxConnPerRoute(n) / setMaxConnTotal(m) (or "
            + "PoolingHttpClientConnectionManager.setDefaultMaxPerRoute), consume every entity, and bound the wait "
            + "with RequestConfig.setConnectionRequestTimeout(...)";
      case THREAD_LEAK:
        return Fixes.THREAD_LEAK_CLIENT;
      case VIRTUAL_THREAD_PINNED:
        return Fixes.PINNED;
      default:
        throw new IllegalArgumentException("no fix for " + kind); // a new kind needs its fix here
    }
  }
}
