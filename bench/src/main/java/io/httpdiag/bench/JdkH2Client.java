package io.httpdiag.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import javax.net.ssl.SSLContext;

/**
 * The JDK {@link HttpClient} asked for {@code HTTP_2}: over TLS it negotiates h2 by ALPN and sends
 * concurrent requests as streams of one connection (it speaks h2c only by the HTTP/1.1 Upgrade,
 * hence TLS here). Thread-safe; closing it closes the client (JDK 21+).
 */
final class JdkH2Client implements H2Client {
  private final HttpClient client;
  private final HttpRequest request;
  private volatile String protocol = "?";

  JdkH2Client(URI url, SSLContext trust) {
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trust).build();
    request = HttpRequest.newBuilder(url).build();
  }

  @Override
  public int get() throws Exception {
    HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (r.version() != HttpClient.Version.HTTP_2) {
      protocol = "HTTP/1.1";
    } else if (!"HTTP/2.0".equals(protocol)) {
      protocol = "HTTP/2.0";
    }
    return r.body().length;
  }

  @Override
  public String protocol() {
    return protocol;
  }

  @Override
  public void close() {
    client.close();
  }
}
