package io.httpdiag.agent.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Configuration;

/**
 * {@code collect host:port [host:port...] [--out merged.jfr] [--duration D]}: connects to JVMs over
 * JMX, streams their {@code httpdiag.*} events with {@code jdk.management.jfr.RemoteRecordingStream}
 * (the settings of the agent's {@code httpdiag.jfc}), prints every finding as it arrives tagged with
 * its JVM, and at the end a summary per JVM and host; with {@code --out}, one merged recording (each
 * JVM's recording, concatenated: JFR files are sequences of self-contained chunks) that
 * {@code report} reads. Stops after {@code --duration}, on a line typed on standard input, on
 * Ctrl-C, or when no JVM is left. A JVM that goes away mid-stream is reported in one line; the others
 * go on. Exit codes: 0 done, 1 no JVM could be reached or the merged file could not be written, 2 bad usage.
 */
final class Collect {
  static final String USAGE = "httpdiag: usage: collect host:port [host:port...] [--out merged.jfr] [--duration 30s|5m|1h]";
  /**
   * How often each JVM is checked for having gone away and, with --out, its recording saved if a
   * finding arrived since; every {@link #SAVE_EVERY} it is saved anyway. What a JVM recorded after
   * its last save is lost if it goes away: its findings were printed all the same.
   */
  static final Duration CHECK_EVERY = Duration.ofSeconds(2);
  static final Duration SAVE_EVERY = Duration.ofSeconds(10);

  private final List<CollectSource> sources = new ArrayList<>();
  private final PrintStream out;
  private final PrintStream err;
  private final CountDownLatch stop = new CountDownLatch(1);
  /** Counted down when collect has written its output: Ctrl-C's shutdown hook waits for it. */
  private final CountDownLatch finished = new CountDownLatch(1);

  private Collect(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  static int run(List<String> args, InputStream in, PrintStream out, PrintStream err) {
    List<String> targets = new ArrayList<>();
    Path merged = null;
    Duration duration = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--out") && i + 1 < args.size()) {
        merged = Path.of(args.get(++i));
      } else if (a.equals("--duration") && i + 1 < args.size()) {
        duration = duration(args.get(++i));
        if (duration == null) {
          err.println("httpdiag: bad duration " + args.get(i) + ": expected a number and ms, s, m or h, e.g. 30s");
          return 2;
        }
      } else if (a.matches("[A-Za-z0-9.\\-]+:[0-9]{1,5}|\\[[0-9A-Fa-f:.]+\\]:[0-9]{1,5}")) {
        targets.add(a);
      } else {
        err.println(a.startsWith("--") ? USAGE : "httpdiag: bad target " + a + ": expected host:port of a JVM's JMX"
            + " agent (-Dcom.sun.management.jmxremote.port=<port>)");
        return 2;
      }
    }
    if (targets.isEmpty()) {
      err.println(USAGE);
      return 2;
    }
    Map<String, String> settings;
    try {
      settings = jfcSettings();
    } catch (IOException | ParseException e) {
      err.println("httpdiag: cannot read httpdiag.jfc from the agent jar: " + e);
      return 1;
    }
    // A JVM that stops answering (a host gone from the network) must not hold collect for minutes.
    if (System.getProperty("sun.rmi.transport.tcp.responseTimeout") == null) {
      System.setProperty("sun.rmi.transport.tcp.responseTimeout", "15000");
    }
    return new Collect(out, err).collect(targets, settings, merged, duration, in);
  }

  private int collect(List<String> targets, Map<String, String> settings, Path merged, Duration duration,
      InputStream in) {
    long started = System.nanoTime();
    Path work = null;
    try {
      if (merged != null) work = Files.createTempDirectory("httpdiag-collect-");
      connectAll(targets, settings, work);
      if (sources.isEmpty()) {
        err.println("httpdiag: collect: no JVM could be reached");
        return 1;
      }
      line("collect: streaming httpdiag events from " + sources.size() + " JVM(s)"
          + (duration != null ? " for " + duration.toSeconds() + " s" : "") + "; press Enter or Ctrl-C to stop");
      Thread hook = new Thread(() -> {
        stop.countDown();
        try {
          finished.await(30, TimeUnit.SECONDS); // the merged file and the summary, before the JVM halts
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "httpdiag-collect-stop");
      Thread stdinWatcher = watch(in, hook);
      awaitStop(duration);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: finish below, the JVM waits for the hook... which has already counted down
      }
      stdinWatcher.interrupt(); // a daemon; a blocked read ends with the JVM
      int code = 0;
      if (merged != null) code = writeMerged(merged, work);
      summary(System.nanoTime() - started);
      return code;
    } catch (IOException e) {
      err.println("httpdiag: collect: " + e);
      return 1;
    } finally {
      for (CollectSource s : sources) s.close();
      if (work != null) deleteQuietly(work);
      finished.countDown();
    }
  }

  private void connectAll(List<String> targets, Map<String, String> settings, Path work) {
    List<Thread> connecting = new ArrayList<>();
    List<CollectSource> all = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      CollectSource s = new CollectSource(targets.get(i), work == null ? null : work.resolve(i + ".jfr"), this::line);
      all.add(s);
      Thread t = new Thread(() -> s.connect(settings), "httpdiag-collect-connect-" + i);
      t.start();
      connecting.add(t);
    }
    for (Thread t : connecting) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (CollectSource s : all) {
      if (s.failure() != null) {
        err.println("httpdiag: collect: cannot stream from " + s.target + ": " + s.failure());
      } else {
        sources.add(s);
      }
    }
  }

  /** Starts the stop triggers: the shutdown hook (Ctrl-C) and a line on standard input. */
  private Thread watch(InputStream in, Thread hook) {
    Runtime.getRuntime().addShutdownHook(hook);
    Thread stdin = new Thread(() -> {
      try {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        // EOF is not a request to stop (collect run in the background has no input): only a line is.
        if (r.readLine() != null) stop.countDown();
      } catch (IOException e) {
        // no input: Ctrl-C or --duration stop it
      }
    }, "httpdiag-collect-stdin");
    stdin.setDaemon(true);
    stdin.start();
    return stdin;
  }

  /** Until stopped, the duration passes, or no JVM is left; checks the JVMs and saves their recordings meanwhile. */
  private void awaitStop(Duration duration) {
    long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
    long nextSave = System.nanoTime() + SAVE_EVERY.toNanos();
    try {
      while (!stop.await(Math.min(CHECK_EVERY.toNanos(), Math.max(0, deadline - System.nanoTime())), TimeUnit.NANOSECONDS)) {
        if (System.nanoTime() - deadline >= 0) return;
        int alive = 0;
        for (CollectSource s : sources) {
          if (s.checkAlive()) alive++;
        }
        if (alive == 0) {
          line("collect: no JVM left; stopping");
          return;
        }
        boolean due = System.nanoTime() - nextSave >= 0;
        for (CollectSource s : sources) {
          if (due || s.findingsUnsaved()) s.save();
        }
        if (due) nextSave = System.nanoTime() + SAVE_EVERY.toNanos();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Each JVM's recording (saved now, or at its last save if it has gone), concatenated into {@code merged}. */
  private int writeMerged(Path merged, Path work) {
    for (CollectSource s : sources) s.save();
    int jvms = 0;
    try (OutputStream o = Files.newOutputStream(merged)) {
      for (CollectSource s : sources) {
        if (s.saved == null || !Files.isRegularFile(s.saved)) {
          line("collect: nothing recorded from " + s.label() + " to merge");
          continue;
        }
        Files.copy(s.saved, o);
        jvms++;
      }
    } catch (IOException e) {
      err.println("httpdiag: collect: cannot write " + merged + ": " + e);
      return 1;
    }
    line("collect: wrote " + merged + " (" + jvms + " JVM(s)); summarise it with: report " + merged);
    return 0;
  }

  private void summary(long elapsedNanos) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("collect: summary after %.1f s%n", elapsedNanos / 1e9));
    for (CollectSource s : sources) s.summary(sb);
    synchronized (out) {
      out.print(sb);
      out.flush();
    }
  }

  /** One line on standard output, whole (sources print from their stream threads). */
  void line(String s) {
    synchronized (out) {
      out.println(s);
      out.flush();
    }
  }

  /** The event settings of the {@code httpdiag.jfc} shipped in the agent jar. */
  static Map<String, String> jfcSettings() throws IOException, ParseException {
    try (InputStream jfc = Collect.class.getResourceAsStream("/httpdiag.jfc")) {
      if (jfc == null) throw new IOException("httpdiag.jfc is not in the jar");
      return Configuration.create(new InputStreamReader(jfc, StandardCharsets.UTF_8)).getSettings();
    }
  }

  /** "30s", "500ms", "5m", "1h"; null if malformed. */
  static Duration duration(String s) {
    if (!s.matches("[0-9]{1,9}(ms|s|m|h)")) return null;
    if (s.endsWith("ms")) return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
    long n = Long.parseLong(s.substring(0, s.length() - 1));
    switch (s.charAt(s.length() - 1)) {
      case 's': return Duration.ofSeconds(n);
      case 'm': return Duration.ofMinutes(n);
      default: return Duration.ofHours(n);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // a temporary file left behind is harmless
        }
      });
    } catch (IOException e) {
      // idem
    }
  }
}
