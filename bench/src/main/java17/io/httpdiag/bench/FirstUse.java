package io.httpdiag.bench;

import io.httpdiag.http.Client;
import io.httpdiag.http.Request;
import io.httpdiag.http.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Child-JVM main, compiled for Java 17 (the rest of the bench needs 21) so that it runs on every
 * JDK the agent supports: the latency of this JVM's first HTTP request (building the client
 * included), then of its second. With the agent, the first one also pays the agent's first-use
 * instrumentation of the library; the difference against a JVM without the agent is that pause.
 * Prints {@code FIRSTUSE firstMs=<ms> secondMs=<ms>}.
 *
 * <pre>java -cp httpdiag-bench.jar io.httpdiag.bench.FirstUse core|jdk URL</pre>
 */
public final class FirstUse {
  private FirstUse() {}

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    String url = args[1];
    long t0 = System.nanoTime();
    Object client = kind.equals("core") ? Client.builder().build() : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    get(client, url);
    long t1 = System.nanoTime();
    get(client, url);
    long t2 = System.nanoTime();
    System.out.printf("FIRSTUSE firstMs=%.2f secondMs=%.2f%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6);
    System.out.flush();
    System.exit(0); // the JDK client's selector thread is not a daemon on every version
  }

  private static void get(Object client, String url) throws Exception {
    int length;
    if (client instanceof Client) {
      try (Response r = ((Client) client).send(Request.builder("GET", url).build())) {
        length = r.body().readAllBytes().length;
      }
    } else {
      length = ((HttpClient) client).send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray()).body().length;
    }
    if (length != 13) {
      throw new IllegalStateException("expected 13 bytes, got " + length);
    }
  }
}
