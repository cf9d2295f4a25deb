package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.Finding;

/** The fixes of every finding kind in OkHttp's (4 and 5) own terms. */
final class OkHttpFixes {
  private OkHttpFixes() {}

  static String of(Finding.Kind kind) {
    switch (kind) {
      case BODY_NOT_CLOSED:
        return "close every Response (try (Response r = call.execute()) { ... }), or read its body to the end "
            + "(response.body().string()); the connection returns to the pool only then";
      case BODY_CLOSED_LATE:
        return "close the Response as soon as its body is read: until then its connection is held";
      case BODY_CLOSED_EARLY:
        return "read the body to the end before closing the Response (or ask for less: HEAD, Range, a smaller page); "
            + "closing it early makes OkHttp read the rest for at most 100 ms, and throw the connection away when it "
            + "cannot";
      case CLIENT_PER_REQUEST:
        return "build one OkHttpClient and share it (derive variants with client.newBuilder(), which shares its pool "
            + "and dispatcher): each new OkHttpClient has its own ConnectionPool and dispatcher threads";
      case CLIENT_NOT_CLOSED:
        return "share one OkHttpClient for the application's lifetime; one that must go away: "
            + "client.dispatcher().executorService().shutdown() and client.connectionPool().evictAll()";
      case MISSING_TIMEOUT:
      case STUCK_EXCHANGE:
        return "give every call a deadline: new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)), and keep "
            + "connectTimeout and readTimeout above 0 (OkHttp's defaults, 10 s each, bound each step, not the call; 0 "
            + "waits forever)";
      case POOL_CHURN:
        return "share one OkHttpClient, close every Response, and size its pool to the concurrency: "
            + "new ConnectionPool(maxIdleConnections, keepAlive, unit)";
      case POOL_EXHAUSTED:
        return "async calls wait in the Dispatcher past maxRequestsPerHost (default 5) and maxRequests (64): raise "
            + "client.dispatcher().setMaxRequestsPerHost(n), and close every Response so calls finish sooner";
      case THREAD_LEAK:
        return Fixes.THREAD_LEAK_CLIENT;
      case VIRTUAL_THREAD_PINNED:
        return Fixes.PINNED;
      default:
        throw new IllegalArgumentException("no fix for " + kind); // a new kind needs its fix here
    }
  }
}
