package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.Finding;

/** The fixes of every finding kind in Apache HttpClient 5 (classic) terms. */
final class Apache5Fixes {
  private Apache5Fixes() {}

  static String of(Finding.Kind kind) {
    switch (kind) {
      case BODY_NOT_CLOSED:
        return "close every CloseableHttpResponse (try-with-resources), or consume its entity "
            + "(EntityUtils.consume(response.getEntity())), or use execute(request, responseHandler), which does "
            + "both; the connection returns to the pool only then";
      case BODY_CLOSED_LATE:
        return "close the CloseableHttpResponse as soon as its entity is read: until then its connection is leased";
      case BODY_CLOSED_EARLY:
        // Reported only where HttpClient then closes the connection: CloseableHttpResponse.close() with the
        // entity unconsumed (5.1; from 5.5 it reads the rest and keeps the connection). Closing the
        // entity's stream reads the rest in every version, so it is never this finding.
        return "consume the entity (EntityUtils.consume(response.getEntity())) before closing the "
            + "CloseableHttpResponse, or use execute(request, responseHandler): on this version closing it unconsumed "
            + "closes the connection (from 5.5 HttpClient reads the rest and keeps it); ask for less (HEAD, Range) "
            + "when the rest is not wanted";
      case CLIENT_PER_REQUEST:
        return "build one CloseableHttpClient (HttpClients.custom()...build()) at start-up and share it: it is "
            + "thread-safe, and each one has its own connection pool";
      case CLIENT_NOT_CLOSED:
        return "close() the CloseableHttpClient at shutdown (or share one for the application's lifetime): its pool "
            + "keeps connections open until then";
      case MISSING_TIMEOUT:
      case STUCK_EXCHANGE:
        return "set a response timeout: RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(10)) (none by "
            + "default), and keep a socket timeout on the pool (SocketConfig.setSoTimeout, or from 5.2 "
            + "ConnectionConfig.setSocketTimeout: 3 minutes by default; 0 waits forever); connect timeout: "
            + "ConnectionConfig.custom().setConnectTimeout(...) (5.2+) or RequestConfig.setConnectTimeout (5.1)";
      case POOL_CHURN:
        return "share one CloseableHttpClient, close or consume every response so its connection returns to the "
            + "pool, and size the pool to the concurrency (PoolingHttpClientConnectionManagerBuilder "
            + ".setMaxConnPerRoute(n).setMaxConnTotal(m))";
      case POOL_EXHAUSTED:
        return "requests wait for a connection when the route's limit is reached (defaults: 5 per route, 25 in "
            + "all): raise PoolingHttpClientConnectionManagerBuilder.setMaxConnPerRoute(n) / setMaxConnTotal(m), "
            + "close every response, and bound the wait with RequestConfig.setConnectionRequestTimeout(...)";
      case THREAD_LEAK:
        return Fixes.THREAD_LEAK_CLIENT;
      case VIRTUAL_THREAD_PINNED:
        return Fixes.PINNED;
      default:
        throw new IllegalArgumentException("no fix for " + kind); // a new kind needs its fix here
    }
  }
}
