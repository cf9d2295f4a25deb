package io.httpdiag.demo;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.List;

/**
 * The mistakes on the JDK's {@code HttpURLConnection} (what {@code new RestTemplate()} uses), against
 * the embedded server: a body stream left open, and a body closed early whose rest (1 MiB, above
 * {@code http.KeepAlive.remainingData}) the JDK does not drain, so it throws the connection away.
 */
final class UrlConnectionScenarios {
  static final String URLCONNECTION = "URLConnection";

  private UrlConnectionScenarios() {}

  static List<Scenario> all() {
    return List.of(new BodyNotClosed(), new BodyClosedEarly());
  }

  /** A connection with both timeouts (0 = forever by default), as every correct one sets them. */
  static HttpURLConnection open(String url) throws Exception {
    HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
    c.setConnectTimeout(5_000);
    c.setReadTimeout((int) Run.T.toMillis());
    return c;
  }

  static final class BodyNotClosed extends Scenario {
    BodyNotClosed() {
      super("body-not-closed-uc", URLCONNECTION, "getInputStream() never read or closed", List.of("BODY_NOT_CLOSED"));
    }

    @Override
    String describe(Variant v) {
      return v == Variant.BAD ? "GET /big, getInputStream(), never read or close the stream"
          : "GET /big, read the stream to the end in try-with-resources";
    }

    @Override
    void run(Variant v, Run run) throws Exception {
      HttpURLConnection c = open(run.url("/big"));
      InputStream in = c.getInputStream();
      if (v == Variant.BAD) {
        run.later(in);
        run.say("status " + c.getResponseCode() + "; stream left open: its connection never returns to the cache");
      } else {
        try (in) {
          run.say("status " + c.getResponseCode() + "; read " + Lifecycle.bytes(in.readAllBytes().length));
        }
      }
    }
  }

  static final class BodyClosedEarly extends Scenario {
    BodyClosedEarly() {
      super("body-closed-early-uc", URLCONNECTION, "1 MiB body closed after 100 B", List.of("BODY_CLOSED_EARLY"));
    }

    @Override
    String describe(Variant v) {
      return v == Variant.BAD ? "GET /big, read 100 B, close(): more than remainingData left, the JDK closes the connection"
          : "GET /big, read the stream to the end, then close()";
    }

    @Override
    void run(Variant v, Run run) throws Exception {
      HttpURLConnection c = open(run.url("/big"));
      try (InputStream in = c.getInputStream()) {
        int n = v == Variant.BAD ? in.readNBytes(100).length : in.readAllBytes().length;
        run.say("status " + c.getResponseCode() + "; read " + Lifecycle.bytes(n) + " then close()");
      }
    }
  }
}
