package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.Finding;

/** The fixes of every finding kind in HttpURLConnection's terms. */
final class UrlConnectionFixes {
  private UrlConnectionFixes() {}

  static String of(Finding.Kind kind) {
    switch (kind) {
      case BODY_NOT_CLOSED:
        return "read the response stream (getInputStream(), or getErrorStream() for an error status) to the end and "
            + "close it; only then does the connection go back to the keep-alive cache";
      case BODY_CLOSED_LATE:
        return "close the response stream as soon as it is read: until then its connection cannot be reused";
      case BODY_CLOSED_EARLY:
        return "read the stream to the end before closing it: closing with more unread than http.KeepAlive.remainingData "
            + "(default 512 bytes) throws the connection away";
      case CLIENT_PER_REQUEST:
      case CLIENT_NOT_CLOSED:
        return "HttpURLConnection shares one keep-alive cache per JVM: read and close every stream, and do not call "
            + "disconnect() when the connection should be reused";
      case MISSING_TIMEOUT:
      case STUCK_EXCHANGE:
        return "set both timeouts on every connection (0 = forever by default): connection.setConnectTimeout(5000); "
            + "connection.setReadTimeout(10000) (or -Dsun.net.client.defaultConnectTimeout / defaultReadTimeout)";
      case POOL_CHURN:
        return "read every response stream to the end and close it so the connection returns to the keep-alive "
            + "cache, and raise -Dhttp.maxConnections (default 5 idle per host) to the concurrency";
      case POOL_EXHAUSTED:
        return "HttpURLConnection does not limit connections; raise -Dhttp.maxConnections (idle connections kept "
            + "per host) to the concurrency";
      case THREAD_LEAK:
        return Fixes.THREAD_LEAK_CLIENT;
      case VIRTUAL_THREAD_PINNED:
        return Fixes.PINNED;
      default:
        throw new IllegalArgumentException("no fix for " + kind); // a new kind needs its fix here
    }
  }
}
