package io.httpdiag.bench;

import java.net.URI;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * An HTTP/2 client under test in the h2 section's client rows: many threads call {@link #get} at
 * once and the client is expected to multiplex them as streams over one connection (the server
 * counts the connections each client JVM opened). Implementations are thread-safe; the caller
 * closes the client once.
 */
interface H2Client extends AutoCloseable {
  /** Clients of the table, in table order. */
  List<String> KINDS = List.of("core", "jdk");

  /** Sends {@code GET} to the URL the client was opened with, reads the whole body and returns its length. */
  int get() throws Exception;

  /** The protocol of the latest response as the client reports it, {@code "HTTP/2.0"} when it spoke h2. */
  String protocol();

  static H2Client open(String kind, URI url, SSLContext trust) {
    return switch (kind) {
      case "core" -> new CoreH2Client(url, trust);
      case "jdk" -> new JdkH2Client(url, trust);
      default -> throw new IllegalArgumentException("unknown h2 client " + kind + "; one of " + KINDS);
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
