package io.httpdiag.http;

import java.net.URI;

/**
 * Where a request goes: the pool key ("http://host:port") and what dialing needs. Immutable.
 *
 * @param hostPort "host:port", as traced by getConn
 */
record Endpoint(String key, String host, int port, boolean https, String hostPort) {
  /** The endpoint of {@code uri}; IllegalArgumentException for a scheme other than http(s) or no host. */
  static Endpoint of(URI uri) {
    String scheme = uri.getScheme();
    boolean https = "https".equalsIgnoreCase(scheme);
    if (!https && !"http".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException("unsupported scheme (want http or https): " + uri);
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("no host in request URI: " + uri);
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
    String hostPort = host + ":" + port;
    return new Endpoint((https ? "https://" : "http://") + hostPort, host, port, https, hostPort);
  }
}
