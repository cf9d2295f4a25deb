package io.httpdiag.agent.testapp;

import io.httpdiag.http.Client;
import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import io.httpdiag.http.Transport;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A child-JVM test program with real traffic: the core-transport client against the core-transport
 * server on 127.0.0.1, plain and TLS. Scenarios run in order: {@code fresh} (GET on a new
 * connection, body read to the end), {@code reused} (the same again: the pooled connection),
 * {@code tls} (GET over HTTPS on a new connection). Ends with the runtime's counters.
 */
public final class CoreTraffic {
  private CoreTraffic() {}

  public static void main(String[] args) throws Exception {
    SSLContext[] tls = selfSigned();
    try (Server plain = Server.builder().handler((w, r) -> w.write("Hello, World!")).build().start();
        Server secure = Server.builder().tls(tls[0]).handler((w, r) -> w.write("secure")).build().start()) {
      Client client = Client.builder().transport(Transport.builder().sslContext(tls[1]).build()).build();
      for (String scenario : args) {
        String url;
        switch (scenario) {
          case "fresh":
          case "reused":
            url = plain.url("/api?token=secret");
            break;
          case "tls":
            url = secure.url("/tls");
            break;
          default:
            throw new IllegalArgumentException("unknown scenario " + scenario);
        }
        try (Response r = client.get(url)) {
          System.out.println("testapp: " + scenario + " " + r.status() + " " + new String(r.body().readAllBytes()));
        }
      }
      client.transport().close();
    }
    System.out.println("testapp: done");
    SimulatedTraffic.report();
  }

  /** [server context, client context trusting only the server's certificate], made with keytool. */
  static SSLContext[] selfSigned() throws Exception {
    Path dir = Files.createTempDirectory("httpdiag-agent-it");
    Path file = dir.resolve("server.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname",
        "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
        "-keystore", file.toString(), "-storetype", "PKCS12", "-storepass", "changeit").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(kmf.getKeyManagers(), null, null);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);
    return new SSLContext[] {server, client};
  }
}
