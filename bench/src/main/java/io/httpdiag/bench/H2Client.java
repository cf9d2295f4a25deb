package io.httpdiag.bench;

import java.net.URI;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * An HTTP/2 client under test in the h2 section's client rows: many threads call {@link #get} at
 * once and the client is expected to multiplex them as streams over one connection (the server
 * counts the connections each client JVM opened). Implementations are thread-safe; the caller
 * closes the client once.
 *
 * <p>Adding core-transport's client (issue 17; its h2 client is written on another branch) is one
 * class and one line in {@link #open}:
 *
 * <pre>{@code
 * final class CoreH2Client implements H2Client {
 *   private final Client client;
 *   private final Request request;
 *   private volatile String protocol = "?";
 *
 *   CoreH2Client(URI url, SSLContext trust) {
 *     // https: h2 by ALPN is the Transport's default (forceAttemptHttp2(true)); for an http:// URL use .h2c(true).
 *     client = Client.builder().transport(Transport.builder().sslContext(trust).build()).build();
 *     request = Request.builder("GET", url.toString()).build();
 *   }
 *
 *   public int get() throws Exception {
 *     try (Response r = client.send(request)) {
 *       protocol = r.protocol(); // "HTTP/2.0"
 *       return r.body().readAllBytes().length;
 *     }
 *   }
 *
 *   public String protocol() { return protocol; }
 *
 *   public void close() {}
 * }
 * }</pre>
 *
 * then {@code case "core" -> new CoreH2Client(url, trust);} below and {@code "core"} first in {@link #KINDS}.
 */
interface H2Client extends AutoCloseable {
  /** Clients of the table, in table order. core-transport's is added once its h2 client is merged (see above). */
  List<String> KINDS = List.of("jdk");

  /** Sends {@code GET} to the URL the client was opened with, reads the whole body and returns its length. */
  int get() throws Exception;

  /** The protocol of the latest response as the client reports it, {@code "HTTP/2.0"} when it spoke h2. */
  String protocol();

  static H2Client open(String kind, URI url, SSLContext trust) {
    return switch (kind) {
      case "jdk" -> new JdkH2Client(url, trust);
      default -> throw new IllegalArgumentException("unknown h2 client " + kind + "; one of " + KINDS
          + " (core-transport's: see H2Client's Javadoc)");
    };
  }

  static String label(String kind) {
    return switch (kind) {
      case "jdk" -> "JDK HttpClient (HTTP_2 over TLS)";
      case "core" -> "core-transport Client (h2 over TLS)";
      default -> kind;
    };
  }
}
