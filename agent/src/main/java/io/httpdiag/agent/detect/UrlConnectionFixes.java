package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.Finding;

/**
 * The fixes of every finding kind in HttpURLConnection's terms. What the JDK does, read in its sources
 * (17 and 25 alike): {@code KeepAliveStream.close()} skips the unread rest when it is already available,
 * else queues it for the {@code Keep-Alive-SocketCleaner} thread when the Content-Length is at most
 * {@code http.KeepAlive.remainingData} KiB (512 by default; at most {@code http.KeepAlive.queuedConnections},
 * 10, queued), else closes the connection; {@code KeepAliveCache} keeps {@code http.maxConnections} (5)
 * idle connections per host and closes the oldest beyond that.
 */
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
        return "read the stream to the end before closing it: the JDK drains the rest on close only when it is "
            + "already buffered or the Content-Length is at most -Dhttp.KeepAlive.remainingData KiB (default 512; "
            + "chunked bodies: only what is buffered), else it closes the connection";
      case CLIENT_PER_REQUEST:
      case CLIENT_NOT_CLOSED:
        // Not reported for HttpURLConnection: there is no client object, one keep-alive cache per JVM.
        return "HttpURLConnection shares one keep-alive cache per JVM: read and close every stream, and do not call "
            + "disconnect() when the connection should be reused";
      case MISSING_TIMEOUT:
      case STUCK_EXCHANGE:
        return "set both timeouts on every connection (0 = forever by default): connection.setConnectTimeout(5000); "
            + "connection.setReadTimeout(10000) (or -Dsun.net.client.defaultConnectTimeout / defaultReadTimeout)";
      case POOL_CHURN:
        return "raise -Dhttp.maxConnections (idle connections the keep-alive cache keeps per host, default 5) to the "
            + "concurrency, and read every response stream to the end and close it so its connection returns to the cache";
      case POOL_EXHAUSTED:
        // Not reported for HttpURLConnection: it never waits for a connection (no limit on open ones).
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
