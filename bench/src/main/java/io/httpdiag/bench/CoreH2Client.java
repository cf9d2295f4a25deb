package io.httpdiag.bench;

import io.httpdiag.http.Client;
import io.httpdiag.http.Request;
import io.httpdiag.http.Response;
import io.httpdiag.http.Transport;
import java.io.InputStream;
import java.net.URI;
import javax.net.ssl.SSLContext;

/**
 * core-transport's {@link Client} with its default Transport: on https it offers h2 by ALPN
 * ({@code forceAttemptHttp2} is on by default) and multiplexes concurrent requests as streams of
 * one connection per host, up to the server's SETTINGS_MAX_CONCURRENT_STREAMS. Thread-safe;
 * closing it closes the Transport and its connections.
 */
final class CoreH2Client implements H2Client {
  private final Transport transport;
  private final Client client;
  private final Request request;
  private volatile String protocol = "?";

  CoreH2Client(URI url, SSLContext trust) {
    Transport.Builder t = Transport.builder().sslContext(trust);
    if ("http".equals(url.getScheme())) t.h2c(true);
    transport = t.build();
    client = Client.builder().transport(transport).build();
    request = Request.builder("GET", url).build();
  }

  @Override
  public int get() throws Exception {
    try (Response r = client.send(request); InputStream body = r.body()) {
      String p = r.protocol();
      if (!p.equals(protocol)) protocol = p;
      return body.readAllBytes().length;
    }
  }

  @Override
  public String protocol() {
    return protocol;
  }

  @Override
  public void close() {
    transport.close();
  }
}
