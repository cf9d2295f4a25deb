package io.httpdiag.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code h2load -n N -c 4 -m 25} (nghttp2's load generator) pinned to the load core: 4 connections,
 * 25 streams in flight on each. Prior knowledge h2c for {@code http://}, or HTTP/1.1 with
 * {@code --h1} (then {@code -m 25} pipelines, which core-transport's server answers in order).
 */
final class H2Load {
  static final String H2LOAD = Env.executable("/usr/bin/h2load", "/usr/local/bin/h2load");
  static final int CONNECTIONS = 4;
  static final int STREAMS = 25;

  /** One h2load run: requests done, succeeded (2xx), wall seconds, mean request time, protocol negotiated, and errors ("" when none). */
  record Result(long done, long succeeded, double seconds, double rps, double meanMicros, String protocol, String errors) {}

  private H2Load() {}

  static Result run(int port, long requests, boolean h1) throws Exception {
    if (H2LOAD == null) {
      throw new IOException("h2load not installed (Debian package nghttp2-client)");
    }
    List<String> cmd = new ArrayList<>();
    if (Env.LOAD_CORE >= 0) {
      cmd.addAll(List.of(Env.TASKSET, "-c", Integer.toString(Env.LOAD_CORE)));
    }
    cmd.addAll(List.of(H2LOAD, "-n", Long.toString(requests), "-c", Integer.toString(CONNECTIONS), "-m", Integer.toString(STREAMS)));
    if (h1) {
      cmd.add("--h1");
    }
    cmd.add("http://127.0.0.1:" + port + "/");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return parse(out);
  }

  private static final Pattern FINISHED = Pattern.compile("finished in ([0-9.]+)(us|ms|s), ([0-9.]+) req/s");
  private static final Pattern REQUESTS = Pattern.compile(
      "requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored, (\\d+) timeout");
  private static final Pattern STATUS = Pattern.compile("status codes: (\\d+) 2xx");
  private static final Pattern MEAN = Pattern.compile("time for request:\\s+\\S+\\s+\\S+\\s+([0-9.]+)(us|ms|s)\\s");
  private static final Pattern PROTOCOL = Pattern.compile("Application protocol: (\\S+)");

  /** Parses h2load's summary; fails with the output when it has none (h2load could not connect). */
  static Result parse(String out) throws IOException {
    Matcher f = FINISHED.matcher(out);
    Matcher r = REQUESTS.matcher(out);
    if (!f.find() || !r.find()) {
      throw new IOException("unexpected h2load output:\n" + out);
    }
    Matcher s = STATUS.matcher(out);
    long ok = s.find() ? Long.parseLong(s.group(1)) : 0;
    Matcher m = MEAN.matcher(out);
    double mean = m.find() ? Double.parseDouble(m.group(1)) * scale(m.group(2)) : -1;
    Matcher proto = PROTOCOL.matcher(out);
    long total = Long.parseLong(r.group(1));
    long done = Long.parseLong(r.group(3));
    long failed = Long.parseLong(r.group(5));
    long errored = Long.parseLong(r.group(6));
    long timeout = Long.parseLong(r.group(7));
    StringBuilder errors = new StringBuilder();
    if (failed + errored + timeout > 0 || ok != total) {
      errors.append(failed).append(" failed, ").append(errored).append(" errored, ").append(timeout).append(" timeout, ")
          .append(total - ok).append(" not 2xx");
    }
    return new Result(done, ok, Double.parseDouble(f.group(1)) * scale(f.group(2)) / 1e6, Double.parseDouble(f.group(3)), mean,
        proto.find() ? proto.group(1) : "?", errors.toString());
  }

  private static double scale(String unit) {
    return switch (unit) {
      case "us" -> 1;
      case "ms" -> 1_000;
      default -> 1_000_000;
    };
  }
}
