package io.httpdiag.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keep-alive load on {@code GET /}: {@code wrk -t1 -c50} pinned to the load core when wrk is
 * installed, else an in-JVM generator (one virtual thread per connection, a prebuilt request, a
 * minimal response parser). Either way: requests/s, p50 and p99.
 */
final class Load {
  static final int CONNECTIONS = 50;

  /** One load run's numbers. */
  record Result(double rps, double p50Micros, double p99Micros, long requests, String errors) {}

  private Load() {}

  static boolean useWrk(boolean forceJvm) {
    return !forceJvm && Env.WRK != null;
  }

  static Result run(int port, double seconds, boolean forceJvm) throws Exception {
    return useWrk(forceJvm) ? wrk(port, seconds) : jvm(port, seconds);
  }

  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern TOTAL = Pattern.compile("\\s(\\d+) requests in");
  private static final Pattern PCT = Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
  private static final Pattern ERRORS = Pattern.compile("(Socket errors:.*|Non-2xx or 3xx responses:.*)");

  static Result wrk(int port, double seconds) throws Exception {
    int whole = Math.max(1, (int) Math.round(seconds));
    List<String> cmd = new ArrayList<>();
    if (Env.LOAD_CORE >= 0) {
      cmd.addAll(List.of(Env.TASKSET, "-c", Integer.toString(Env.LOAD_CORE)));
    }
    cmd.addAll(List.of(Env.WRK, "-t1", "-c" + CONNECTIONS, "-d" + whole + "s", "--latency", "http://127.0.0.1:" + port + "/"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    Matcher rps = RPS.matcher(out);
    Matcher total = TOTAL.matcher(out);
    if (!rps.find() || !total.find()) {
      throw new IOException("unexpected wrk output:\n" + out);
    }
    double p50 = -1;
    double p99 = -1;
    Matcher m = PCT.matcher(out);
    while (m.find()) {
      double v = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
        case "us" -> 1;
        case "ms" -> 1_000;
        default -> 1_000_000;
      };
      if (m.group(1).equals("50")) {
        p50 = v;
      } else {
        p99 = v;
      }
    }
    StringBuilder errors = new StringBuilder();
    Matcher e = ERRORS.matcher(out);
    while (e.find()) {
      errors.append(e.group(1).trim()).append("; ");
    }
    return new Result(Double.parseDouble(rps.group(1)), p50, p99, Long.parseLong(total.group(1)), errors.toString());
  }

  /** The in-JVM generator: CONNECTIONS virtual threads, each a blocking keep-alive loop. */
  static Result jvm(int port, double seconds) throws Exception {
    byte[] request = ("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    long end = System.nanoTime() + (long) (seconds * 1e9);
    List<Histogram> histograms = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    long start = System.nanoTime();
    for (int i = 0; i < CONNECTIONS; i++) {
      Histogram h = new Histogram();
      histograms.add(h);
      threads.add(Thread.ofVirtual().start(() -> {
        try (Socket s = new Socket()) {
          s.setTcpNoDelay(true);
          s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
          s.setSoTimeout(10_000);
          OutputStream out = s.getOutputStream();
          ResponseReader in = new ResponseReader(s.getInputStream());
          long t;
          while ((t = System.nanoTime()) - end < 0) {
            out.write(request);
            in.readResponse();
            h.record(System.nanoTime() - t);
          }
        } catch (Throwable e) {
          error.compareAndSet(null, e);
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    Histogram all = Histogram.merge(histograms);
    String errors = error.get() == null ? "" : "error: " + error.get();
    return new Result(all.count() / elapsed, all.percentile(50) / 1e3, all.percentile(99) / 1e3, all.count(), errors);
  }

  /** Reads one response with a Content-Length body; enough for hello-world servers. */
  static final class ResponseReader {
    private final InputStream in;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int lim;

    ResponseReader(InputStream in) {
      this.in = in;
    }

    void readResponse() throws IOException {
      long contentLength = -1;
      int lineStart = pos;
      boolean firstLine = true;
      while (true) {
        int nl = indexOfLf();
        if (nl < 0) {
          if (lineStart > 0 && pos - lineStart >= 0) {
            System.arraycopy(buf, lineStart, buf, 0, lim - lineStart);
            lim -= lineStart;
            pos -= lineStart;
            lineStart = 0;
          }
          fill();
          continue;
        }
        int len = nl - lineStart;
        if (len > 0 && buf[nl - 1] == '\r') {
          len--;
        }
        if (len == 0 && !firstLine) {
          pos = nl + 1;
          break;
        }
        if (firstLine && !(len >= 12 && buf[lineStart + 9] == '2')) {
          throw new IOException("status not 2xx: " + new String(buf, lineStart, len, StandardCharsets.US_ASCII));
        }
        if (len > 15 && regionMatches(lineStart, "content-length:")) {
          contentLength = Long.parseLong(new String(buf, lineStart + 15, len - 15, StandardCharsets.US_ASCII).trim());
        }
        firstLine = false;
        pos = nl + 1;
        lineStart = pos;
      }
      if (contentLength < 0) {
        throw new IOException("no Content-Length");
      }
      long left = contentLength;
      while (left > 0) {
        if (pos == lim) {
          pos = 0;
          lim = 0;
          fill();
        }
        int n = (int) Math.min(left, lim - pos);
        pos += n;
        left -= n;
      }
    }

    private int indexOfLf() {
      for (int i = pos; i < lim; i++) {
        if (buf[i] == '\n') {
          return i;
        }
      }
      pos = lim;
      return -1;
    }

    private boolean regionMatches(int at, String lower) {
      for (int i = 0; i < lower.length(); i++) {
        if (Character.toLowerCase((char) buf[at + i]) != lower.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    private void fill() throws IOException {
      if (lim == buf.length) {
        throw new IOException("response head over " + buf.length + " bytes");
      }
      int n = in.read(buf, lim, buf.length - lim);
      if (n < 0) {
        throw new IOException("connection closed by the server");
      }
      lim += n;
    }
  }
}
