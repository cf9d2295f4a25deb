package io.httpdiag.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Idle keep-alive connections held open against core-transport's server: each connection sends
 * one request, reads the answer, then stays open. Memory per connection is the server's heap
 * (after a GC) and RSS growth over the connection count.
 */
final class IdleBench {
  private static final Pattern STATS = Pattern.compile("STATS heapUsed=(\\d+) threads=(\\d+)");
  /** Issue 19's goal: heap per idle keep-alive connection (Go keeps about 4 KiB). */
  static final double TARGET_HEAP_PER_CONN_BYTES = 8 * 1024;

  private IdleBench() {}

  static void run(Options o) throws Exception {
    System.out.println("\n## Idle keep-alive connections (core-transport Server)\n");
    long limit = openFileLimit();
    // Both ends live on this machine: the server JVM and this JVM each need one descriptor per connection.
    int cap = limit > 0 ? (int) Math.min(10_000, limit - 512) : 10_000;
    List<Integer> steps = new ArrayList<>(o.quick ? List.of(1_000) : List.of(1_000, 10_000));
    String capNote = "";
    if (cap < 10_000 && steps.size() > 1) {
      steps.set(1, cap);
      capNote = " (capped at " + cap + ": open-file limit " + limit + ")";
    }
    System.out.println("server JVM: -XX:+UseSerialGC -Xmx1g on core " + Env.SERVER_CORE + "; open-file limit " + limit + capNote
        + "   [" + Env.uptime() + "]");
    List<Socket> sockets = new ArrayList<>();
    try (Servers.Running s = Servers.start("core", List.of("-XX:+UseSerialGC", "-Xmx1g"))) {
      Load.run(s.port(), 1, true); // load the request path's classes
      long[] base = stats(s);
      Table t = new Table("connections", "heap after GC", "heap / conn", "RSS", "RSS / conn");
      t.row(0, mb(base[0]), "", mb(base[1]), "");
      byte[] request = ("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + s.port() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      double heapPerConn = Double.NaN; // at the largest step: fixed costs weigh least there
      for (int target : steps) {
        while (sockets.size() < target) {
          Socket sock = new Socket();
          sockets.add(sock);
          sock.connect(new InetSocketAddress("127.0.0.1", s.port()), 5_000);
          sock.setSoTimeout(10_000);
          sock.getOutputStream().write(request);
          new Load.ResponseReader(sock.getInputStream()).readResponse();
        }
        Thread.sleep(500); // let the server's connections settle into their idle read
        long[] now = stats(s);
        heapPerConn = (now[0] - base[0]) / (double) target;
        t.row(String.format("%,d", target), mb(now[0]), kb((now[0] - base[0]) / (double) target), mb(now[1]),
            kb((now[1] - base[1]) / (double) target));
      }
      System.out.println();
      System.out.print(t.render());
      System.out.println("RSS grows with the heap as it is first touched, so heap / conn (live objects after a full GC) is the figure to compare.");
      System.out.printf("Verdict (heap per idle keep-alive connection <= %s, at %,d connections): %s (%s)%n",
          kb(TARGET_HEAP_PER_CONN_BYTES), steps.get(steps.size() - 1),
          heapPerConn <= TARGET_HEAP_PER_CONN_BYTES ? "MET" : "NOT MET", kb(heapPerConn));
    } finally {
      for (Socket sock : sockets) {
        try {
          sock.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
  }

  /** Heap used after GC and RSS of the server, in bytes. */
  private static long[] stats(Servers.Running s) throws Exception {
    s.child().send("stats");
    Matcher m = STATS.matcher(s.child().await(l -> l.startsWith("STATS "), 30_000));
    if (!m.find()) {
      throw new IllegalStateException("bad stats line");
    }
    return new long[] {Long.parseLong(m.group(1)), s.child().rssBytes()};
  }

  private static long openFileLimit() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (l.startsWith("Max open files")) {
          return Long.parseLong(l.substring(26).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown
    }
    return -1;
  }

  private static String mb(long bytes) {
    return String.format("%.1f MiB", bytes / 1048576.0);
  }

  private static String kb(double bytes) {
    return String.format("%.2f KiB", bytes / 1024);
  }
}
