package io.httpdiag.http.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The curl binary as a real peer: silent but for errors, 20 s at most per transfer. */
public final class Curl {
  private Curl() {}

  /** Starts {@code curl -s -S --max-time 20 args...}; the caller may write its stdin, then {@link #output}. */
  public static Process start(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "--max-time", "20"));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).start();
  }

  /** curl's stdout, once it exited 0 within 30 s (else the test fails with its stderr). */
  public static String output(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "curl hung");
    assertEquals(0, p.exitValue(), "curl failed: " + err);
    return out;
  }
}
