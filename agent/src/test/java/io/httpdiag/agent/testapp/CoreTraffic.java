package io.httpdiag.agent.testapp;

import io.httpdiag.http.Client;
import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import io.httpdiag.http.Transport;

/**
 * A child-JVM test program with real traffic: the core-transport client against the core-transport
 * server on 127.0.0.1, plain and TLS. Scenarios run in order: {@code fresh} (GET on a new
 * connection, body read to the end), {@code reused} (the same again: the pooled connection),
 * {@code tls} (GET over HTTPS on a new connection). Ends with the runtime's counters.
 */
public final class CoreTraffic {
  private CoreTraffic() {}

  public static void main(String[] args) throws Exception {
    try (Server plain = Server.builder().handler((w, r) -> w.write("Hello, World!")).build().start();
        Server secure = Server.builder().tls(TestTls.serverContext()).handler((w, r) -> w.write("secure")).build().start()) {
      Client client = Client.builder().transport(Transport.builder().sslContext(TestTls.clientContext()).build()).build();
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
}
