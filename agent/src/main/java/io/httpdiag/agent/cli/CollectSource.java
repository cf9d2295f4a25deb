package io.httpdiag.agent.cli;

import io.httpdiag.agent.runtime.Finding;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import jdk.jfr.consumer.RecordedEvent;
import jdk.management.jfr.RemoteRecordingStream;

/**
 * One JVM that {@link Collect} streams from: its JMX connection, its {@code RemoteRecordingStream},
 * what it has seen (exchanges per host, findings per kind: at most {@value #MAX_HOSTS} hosts, the
 * rest counted together) and, with {@code --out}, its recording saved so far. Events arrive on the
 * stream's own thread; {@link Collect} calls the rest from its main thread.
 */
final class CollectSource {
  static final int MAX_HOSTS = 256;
  static final String OTHER_HOSTS = "(other hosts)";
  /** What the stream keeps on local disk for --out: the recording saved is at most this old or this large. */
  static final Duration KEEP_AGE = Duration.ofHours(24);
  static final long KEEP_BYTES = 256L << 20;

  final String target;
  /** Where this JVM's recording is saved (--out), else null. */
  private final Path saveTo;
  /** The last recording saved, or null. */
  volatile Path saved;
  private final Consumer<String> printer;
  private final ConcurrentHashMap<String, LongAdder> exchangesByHost = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> findingsByKind = new ConcurrentHashMap<>();
  private final LongAdder serverExchanges = new LongAdder();
  private JMXConnector connector;
  private MBeanServerConnection connection;
  private RemoteRecordingStream stream;
  private volatile String pid = "?";
  private volatile String failure;
  private volatile boolean gone;
  /** A finding arrived since the last save: save soon, so a JVM that goes away keeps its findings in --out. */
  private volatile boolean findingsUnsaved;

  CollectSource(String target, Path saveTo, Consumer<String> printer) {
    this.target = target;
    this.saveTo = saveTo;
    this.printer = printer;
  }

  /** Connects and starts streaming; on failure {@link #failure()} says why. */
  void connect(Map<String, String> settings) {
    try {
      JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://" + target + "/jmxrmi");
      connector = JMXConnectorFactory.connect(url, null);
      connection = connector.getMBeanServerConnection();
      RuntimeMXBean runtime = ManagementFactory.newPlatformMXBeanProxy(connection,
          ManagementFactory.RUNTIME_MXBEAN_NAME, RuntimeMXBean.class);
      pid = Long.toString(runtime.getPid());
      stream = new RemoteRecordingStream(connection);
      stream.setSettings(settings);
      if (saveTo != null) {
        // Without a bound the stream drops each chunk once read, and a dump would hold nothing.
        stream.setMaxAge(KEEP_AGE);
        stream.setMaxSize(KEEP_BYTES);
      }
      stream.onEvent("httpdiag.Finding", this::finding);
      stream.onEvent("httpdiag.Exchange", this::exchange);
      stream.onEvent("httpdiag.ServerExchange", e -> serverExchanges.increment());
      stream.startAsync();
      printer.accept("[" + label() + "] connected (" + runtime.getVmName() + " " + runtime.getVmVersion() + ")");
    } catch (IOException | RuntimeException | LinkageError e) {
      failure = explain(e);
      close();
    }
  }

  /** Why {@link #connect} failed, or null. */
  String failure() {
    return failure;
  }

  /** {@code host:port pid N}: how every line about this JVM starts. */
  String label() {
    return target + " pid " + pid;
  }

  /** Whether the JVM still answers; the first time it does not, says so in one line and stops its stream. */
  boolean checkAlive() {
    if (gone) return false;
    try {
      connection.getMBeanCount();
      return true;
    } catch (IOException | RuntimeException e) {
      gone = true;
      printer.accept("[" + label() + "] gone (" + explain(e) + "); still streaming from the others"
          + (saved != null ? "; its recording up to the last save is kept" : ""));
      close();
      return false;
    }
  }

  /** Whether a finding arrived since the last save. */
  boolean findingsUnsaved() {
    return findingsUnsaved;
  }

  /** With --out: replaces the saved recording with everything recorded so far (the JVM must still be there). */
  void save() {
    if (saveTo == null || gone || stream == null) return;
    findingsUnsaved = false;
    Path part = saveTo.resolveSibling(saveTo.getFileName() + ".part");
    try {
      stream.dump(part);
      Files.move(part, saveTo, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      saved = saveTo;
    } catch (IOException | RuntimeException e) {
      // gone, or nothing recorded yet: the previous save stays; checkAlive reports a JVM that went away
    }
  }

  void close() {
    try {
      if (stream != null) stream.close();
    } catch (RuntimeException e) {
      // closing a stream whose JVM went away
    }
    try {
      if (connector != null) connector.close();
    } catch (IOException | RuntimeException e) {
      // idem
    }
  }

  /** Appends this JVM's part of the summary: findings by kind, then exchanges per host. */
  void summary(StringBuilder sb) {
    sb.append("  ").append(label()).append(gone ? " (gone)" : "").append(": ");
    Map<String, Long> kinds = snapshot(findingsByKind);
    if (kinds.isEmpty()) {
      sb.append("no findings");
    } else {
      sb.append("findings");
      kinds.forEach((k, n) -> sb.append(' ').append(k).append('=').append(n));
    }
    long server = serverExchanges.sum();
    if (server > 0) sb.append("; server exchanges ").append(server);
    sb.append(System.lineSeparator());
    snapshot(exchangesByHost).forEach((host, n) ->
        sb.append("    ").append(host).append(": ").append(n).append(" exchange(s)").append(System.lineSeparator()));
  }

  private void finding(RecordedEvent e) {
    String kind = e.getString("kind");
    count(findingsByKind, kind == null ? "?" : kind, Integer.MAX_VALUE);
    findingsUnsaved = true;
    String callSite = e.getString("callSite");
    printer.accept("[" + label() + "] " + tag(kind) + " " + kind + ": " + e.getString("title")
        + (callSite == null || callSite.isEmpty() ? "" : " at " + callSite) + " (count " + e.getLong("count") + ")");
  }

  private void exchange(RecordedEvent e) {
    String host = e.getString("host");
    count(exchangesByHost, host == null ? "?" : host, MAX_HOSTS);
  }

  private static void count(ConcurrentHashMap<String, LongAdder> map, String key, int max) {
    LongAdder n = map.get(key);
    if (n == null) n = map.computeIfAbsent(map.size() >= max ? OTHER_HOSTS : key, k -> new LongAdder());
    n.increment();
  }

  private static Map<String, Long> snapshot(ConcurrentHashMap<String, LongAdder> map) {
    Map<String, Long> out = new TreeMap<>();
    map.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** The log's word for a kind (LEAK, STUCK...); the kind itself for one this version does not know. */
  static String tag(String kind) {
    try {
      return Finding.Kind.valueOf(kind).tag;
    } catch (RuntimeException e) {
      return "FINDING";
    }
  }

  private static String explain(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    return root == t ? t.toString() : t.getClass().getSimpleName() + " caused by " + root;
  }
}
