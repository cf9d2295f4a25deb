package io.httpdiag.junit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * What was in flight and alive when it was taken; {@link #verify()} reports what began since and
 * is still there. Use it on one thread: take it before the code under test, verify after.
 */
public final class Snapshot {
  /** goleak: 20 retries, exponential backoff from 1 µs, capped at 100 ms. */
  static final int MAX_RETRIES = 20;
  static final long MAX_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** JVM, JDK, agent, build-tool and test-engine threads: never a test's leak. Whole-name regexes. */
  static final List<Pattern> INFRASTRUCTURE = compile(
      "Reference Handler", "Finalizer", "Signal Dispatcher", "Common-Cleaner", "Attach Listener",
      "Notification Thread", "Service Thread", "Monitor Deflation Thread", "process reaper",
      "VirtualThread-unblocker", "VirtualThread-unparker", "Read-Poller", "Write-Poller", "[A-Za-z]+-Poller-\\d+",
      "ForkJoinPool\\.commonPool-worker-\\d+", "ForkJoinPool[.\\w-]*-delayScheduler", "JFR .*", "RMI .*", "JMX .*", "surefire-.*", "junit-.*",
      // the agent's own threads, and core-transport's shared timer
      "httpdiag-(detector|log|log-flush|timer|jmx|warmup)",
      // server threads of keep-alive connections pooled by a client that outlives the test, and the
      // idle janitor of such a pool (the shared default Transport has one): not the test's
      "httpdiag-conn-\\d+", "httpdiag-idle-janitor-\\d+",
      // a JDK HttpClient's executor threads idle out after 60 s; the client itself shows by its SelectorManager
      "HttpClient-\\d+-Worker-\\d+");
  /** Virtual-thread carriers (created on demand by the scheduler). */
  private static final String CARRIER_CLASS = "jdk.internal.misc.CarrierThread";
  private static final Pattern JDK_CLIENT_SELECTOR = Pattern.compile("HttpClient-\\d+-SelectorManager");
  private static final Pattern CORE_ACCEPT = Pattern.compile("httpdiag-accept-\\d+");

  private final HttpLeaks.Options options;
  private final String subject;
  private final Set<Long> exchangesBefore;
  private final Map<Long, ThreadScan.Info> threadsBefore;
  private final JfrEvidence jfr;
  private boolean verified;

  Snapshot(HttpLeaks.Options options, String subject) {
    AgentLoader.ensure(); // before any runtime class is touched
    this.options = options;
    this.subject = subject;
    this.exchangesBefore = RuntimeBridge.inFlightIds();
    this.threadsBefore = threadsChecked() ? ThreadScan.now(true) : Map.of();
    this.jfr = options.jfr ? JfrEvidence.start() : null;
    // A JDK HttpClient is seen by its SelectorManager thread, which a GC stops once the client is
    // dropped: the agent holds the clients built from here to the verdict, so a GC cannot decide it.
    // Last, so that a snapshot that failed to build holds nothing.
    if (options.kinds.contains(LeakKind.CLIENTS)) RuntimeBridge.holdClients();
  }

  /**
   * Waits for what began since the snapshot to settle, then throws one {@link AssertionError}
   * listing every leak that is still there. Returns normally when there is none.
   */
  public void verify() {
    try {
      verifyHeld();
    } finally {
      if (!verified && options.kinds.contains(LeakKind.CLIENTS)) RuntimeBridge.releaseClients();
      verified = true;
    }
  }

  private void verifyHeld() {
    long start = System.nanoTime();
    long deadline = options.grace == null ? 0 : start + options.grace.toNanos();
    long delay = 1_000;
    int retries = 0;
    List<Leak> leaks = scan();
    while (!leaks.isEmpty() && (options.grace == null ? retries < MAX_RETRIES : System.nanoTime() - deadline < 0)) {
      LockSupport.parkNanos(options.grace == null ? delay : Math.min(delay, Math.max(0, deadline - System.nanoTime())));
      delay = Math.min(delay * 2, MAX_DELAY_NANOS);
      retries++;
      leaks = scan();
    }
    long waited = System.nanoTime() - start;
    if (leaks.isEmpty()) {
      if (jfr != null) jfr.discard();
      return;
    }
    boolean exchanges = leaks.stream().anyMatch(l -> l.kind == LeakKind.BODIES || l.kind == LeakKind.CONNECTIONS);
    if (exchanges) RuntimeBridge.checkpoint(); // the agent's findings (log, JFR) record them as well
    String report = Leak.report(subject, leaks, waited, retries);
    if (jfr != null) report += "\n" + jfr.dump(subject);
    throw new AssertionError(report);
  }

  private boolean threadsChecked() {
    return options.kinds.contains(LeakKind.THREADS) || options.kinds.contains(LeakKind.CLIENTS);
  }

  private List<Leak> scan() {
    List<Leak> leaks = new ArrayList<>();
    if (options.kinds.contains(LeakKind.BODIES) || options.kinds.contains(LeakKind.CONNECTIONS)) {
      for (RuntimeBridge.Exchange x : RuntimeBridge.holdingConnections()) {
        if (options.baseline && exchangesBefore.contains(x.id)) continue;
        Leak l = x.headersReceived ? body(x) : inFlight(x);
        if (options.kinds.contains(l.kind)) leaks.add(l);
      }
    }
    if (threadsChecked()) {
      for (ThreadScan.Info t : ThreadScan.now(true).values()) {
        if (threadsBefore.containsKey(t.id) || t.id == Thread.currentThread().getId() || ignored(t)) continue;
        Leak l = thread(t);
        if (options.kinds.contains(l.kind)) leaks.add(l);
      }
    }
    return leaks;
  }

  private static Leak body(RuntimeBridge.Exchange x) {
    String size = x.contentLength >= 0 ? bytes(x.contentLength) + " declared" : "length unknown";
    return new Leak(LeakKind.BODIES,
        "response body not closed: " + x.method + " " + x.url + " (status " + x.status + ", " + size
            + ", not read to the end; exchange " + x.exchange
            + (x.connection == null ? "" : ", connection " + x.connection + " held") + ")",
        "sent at", x.callSite, List.of(),
        "close the body (try-with-resources on the response) or read it to the end; the connection returns to the pool only then");
  }

  private static Leak inFlight(RuntimeBridge.Exchange x) {
    List<String> evidence = new ArrayList<>();
    Thread t = x.thread;
    if (t != null && t.isAlive()) {
      evidence.add("waiting thread \"" + t.getName() + "\":");
      for (String f : RuntimeBridge.stackOf(t, 12)) evidence.add("  at " + f);
    }
    return new Leak(LeakKind.CONNECTIONS,
        "exchange still in flight, no response yet after " + millis(x.ageNanos) + ": " + x.method + " " + x.url
            + " (exchange " + x.exchange + (x.connection == null ? "" : ", connection " + x.connection + " held") + ")",
        "sent at", x.callSite, evidence,
        "wait for it (or cancel it) before the test ends, and give the client a timeout so it cannot hang");
  }

  private static Leak thread(ThreadScan.Info t) {
    List<String> evidence = new ArrayList<>();
    int n = 0;
    for (String f : t.stack) {
      if (n++ == 12) {
        evidence.add("  ... " + (t.stack.size() - 12) + " more");
        break;
      }
      evidence.add("  at " + f);
    }
    String where = firstUserFrame(t.stack);
    String kindOf = (t.virtual ? "virtual" : "platform") + ", " + t.state + (t.virtual || !t.daemon ? "" : ", daemon");
    if (JDK_CLIENT_SELECTOR.matcher(t.name).matches()) {
      // Where it began is the line that built the client (its thread runs JDK code only).
      String builtAt = RuntimeBridge.jdkClientBuiltAt(t.name);
      return new Leak(LeakKind.CLIENTS,
          "a JDK HttpClient built during the test is still running: its thread " + t.label() + " (" + kindOf + ")",
          builtAt != null ? "built at" : "runs", builtAt != null ? builtAt : where, evidence,
          "close it (HttpClient.close() or try-with-resources, JDK 21+), or build one client per class or suite and share it; "
              + "on JDK 17, which has no close(), share one client");
    }
    if (CORE_ACCEPT.matcher(t.name).matches()) {
      return new Leak(LeakKind.CLIENTS,
          "a core-transport Server started during the test is still accepting: its thread " + t.label() + " (" + kindOf + ")",
          "runs", where, evidence, "close it (server.close() in @AfterEach/@AfterAll, or try-with-resources)");
    }
    return new Leak(LeakKind.THREADS, "thread still alive, started during the test: " + t.label() + " (" + kindOf + ")",
        "runs", where, evidence,
        "stop it before the test ends: interrupt and join it, or shutdown() its executor and awaitTermination(); "
            + "if it is meant to outlive the test, ignore it by name or top frame");
  }

  private boolean ignored(ThreadScan.Info t) {
    if (CARRIER_CLASS.equals(t.className)) return true;
    for (Pattern p : INFRASTRUCTURE) if (p.matcher(t.name).matches()) return true;
    for (Pattern p : options.ignoreThreads) if (p.matcher(t.name).matches()) return true;
    String top = frameName(t.topFrame());
    for (String prefix : options.ignoreTopFrames) if (!top.isEmpty() && top.startsWith(prefix)) return true;
    return false;
  }

  /** {@code java.base/java.lang.Thread.sleep(Native Method)} → {@code java.lang.Thread.sleep}. */
  static String frameName(String frame) {
    int paren = frame.indexOf('(');
    String s = (paren < 0 ? frame : frame.substring(0, paren)).replaceAll("/0x[0-9a-f]+", ""); // hidden classes
    int slash = s.lastIndexOf('/');
    return slash < 0 ? s : s.substring(slash + 1);
  }

  /** The first frame outside the JDK and httpdiag's own packages: where the thread's work came from. */
  static String firstUserFrame(List<String> stack) {
    for (String f : stack) {
      String name = frameName(f);
      int m = name.lastIndexOf('.');
      String cls = m < 0 ? name : name.substring(0, m);
      int c = cls.lastIndexOf('.');
      String pkg = c < 0 ? "" : cls.substring(0, c);
      if (pkg.startsWith("java.") || pkg.startsWith("jdk.") || pkg.startsWith("sun.") || pkg.startsWith("javax.")
          || pkg.startsWith("com.sun.") || pkg.startsWith("io.httpdiag.http") || pkg.startsWith("io.httpdiag.agent")
          || pkg.equals("io.httpdiag.junit")) {
        continue;
      }
      int paren = f.indexOf('(');
      return paren < 0 ? name : name + f.substring(paren);
    }
    return stack.isEmpty() ? "(no stack)" : "(no frame outside the JDK and httpdiag)";
  }

  private static List<Pattern> compile(String... regexes) {
    List<Pattern> out = new ArrayList<>();
    for (String r : regexes) out.add(Pattern.compile(r));
    return out;
  }

  private static String bytes(long n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return String.format("%.1f KiB", n / 1024.0);
    return String.format("%.1f MiB", n / (1024.0 * 1024));
  }

  private static String millis(long nanos) {
    return String.format("%.0f ms", nanos / 1e6);
  }

  static Path jfrDir() throws IOException {
    return Files.createDirectories(Paths.get(System.getProperty(HttpLeaks.JFR_DIR_PROPERTY, "target/httpdiag")));
  }
}
