package io.httpdiag.agent.testapp;

import io.httpdiag.http.Client;
import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import java.nio.file.Path;
import jdk.jfr.Recording;

/**
 * One finding, 20 times at one call site: {@code n} exchanges without a deadline from the line marked
 * below, recorded in-process and dumped to {@code args[0]} (the agent commits the finding at its 1st
 * and 10th occurrence, and with its count when the recording is dumped).
 */
public final class RepeatedFinding {
  public static final int TIMES = 20;

  private RepeatedFinding() {}

  public static void main(String[] args) throws Exception {
    try (Recording rec = new Recording();
        Server server = Server.builder().handler((w, r) -> w.write("hi")).build().start()) {
      rec.enable("httpdiag.Finding");
      rec.enable("httpdiag.Exchange");
      rec.start();
      Client client = Client.builder().build(); // no timeout: MISSING_TIMEOUT for every exchange
      for (int i = 0; i < TIMES; i++) {
        try (Response r = client.get(server.url("/"))) { // REPEATED: exchange without a deadline
          r.body().readAllBytes();
        }
      }
      rec.dump(Path.of(args[0]));
    }
    System.out.println("testapp: done");
  }
}
