package io.httpdiag.agent.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import io.httpdiag.agent.cli.rules.Evidence;
import jdk.jfr.consumer.RecordedEvent;

/**
 * The httpdiag events of one JFR file, summarised for {@code report}: per host exchanges, reuse
 * and phase percentiles, findings by kind and call site, pool statistics over time, the slowest
 * exchanges. Built once by {@link #read}, then immutable.
 */
final class Recording {
  static final String PREFIX = "httpdiag.";
  /** Exchange phases, in the order they happen; dns, connect and tls only count exchanges that had them. */
  static final String[] PHASES = {"dns", "connect", "tls", "waitForConn", "firstByte", "total"};
  static final int SLOWEST = 20;
  private static final byte[] MAGIC = {'F', 'L', 'R', 0};

  final Path file;
  Instant first;
  Instant last;
  final Map<String, Host> hosts = new TreeMap<>();
  final Map<String, FindingGroup> findings = new LinkedHashMap<>();
  final List<PoolSample> pool = new ArrayList<>();
  final List<Exchange> slowest = new ArrayList<>();
  long serverExchanges;
  long connections;
  final List<Long> handlerNanos = new ArrayList<>();
  long events;
  /** What the analysis rules read (see {@code rules.HttpRules}); the event types the file knows. */
  final java.util.Set<String> eventTypes = new java.util.TreeSet<>();
  final List<Evidence.Exchange> ruleExchanges = new ArrayList<>();
  final List<Evidence.Finding> ruleFindings = new ArrayList<>();
  final List<Evidence.ServerExchange> ruleServerExchanges = new ArrayList<>();

  private Recording(Path file) {
    this.file = file;
  }

  /** A file that cannot be reported on, with the one line that says why. */
  static final class Unusable extends Exception {
    private static final long serialVersionUID = 1L;

    Unusable(String message) {
      super(message);
    }
  }

  static Recording read(Path file) throws Unusable {
    if (!Files.isRegularFile(file)) throw new Unusable(file + ": no such file");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(4);
      if (!Arrays.equals(head, MAGIC)) throw new Unusable(file + ": not a JFR recording (no FLR header)");
    } catch (IOException e) {
      throw new Unusable(file + ": cannot read: " + e.getMessage());
    }
    Recording r = new Recording(file);
    List<Exchange> all = new ArrayList<>();
    try (RecordingChunks rf = RecordingChunks.open(file)) { // not RecordingFile: collect --out concatenates JVMs
      for (jdk.jfr.EventType t : rf.readEventTypes()) {
        if (t.getName().startsWith(PREFIX)) r.eventTypes.add(t.getName());
      }
      while (rf.hasMoreEvents()) {
        RecordedEvent e = rf.readEvent();
        String name = e.getEventType().getName();
        if (!name.startsWith(PREFIX)) continue;
        r.events++;
        if (r.first == null || e.getStartTime().isBefore(r.first)) r.first = e.getStartTime();
        if (r.last == null || e.getEndTime().isAfter(r.last)) r.last = e.getEndTime();
        switch (name) {
          case "httpdiag.Exchange": all.add(r.exchange(e)); break;
          case "httpdiag.Finding": r.finding(e); break;
          case "httpdiag.PoolStats": r.pool.add(PoolSample.of(e)); break;
          case "httpdiag.ServerExchange":
            r.serverExchanges++;
            long handler = nanos(e, "handlerDuration");
            if (handler >= 0) r.handlerNanos.add(handler);
            r.ruleServerExchanges.add(new Evidence.ServerExchange(string(e, "method"), string(e, "target"),
                e.hasField("status") ? e.getInt("status") : 0, handler));
            break;
          case "httpdiag.Connection": r.connections++; break;
          default: break;
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new Unusable(file + ": truncated or corrupt JFR recording (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
    }
    // No httpdiag event types: the agent was not there (or httpdiag.jfc not used). Types but no
    // events: the agent was there and saw no HTTP worth an event; the verdicts say so (OK).
    if (r.events == 0 && r.eventTypes.isEmpty()) {
      throw new Unusable(file + ": no httpdiag events; record with -javaagent:httpdiag-agent.jar and"
          + " -XX:StartFlightRecording:settings=httpdiag.jfc,filename=rec.jfr");
    }
    all.sort(Comparator.comparingLong((Exchange x) -> x.totalNanos).reversed());
    r.slowest.addAll(all.subList(0, Math.min(SLOWEST, all.size())));
    r.pool.sort(Comparator.comparing((PoolSample p) -> p.time).thenComparing(p -> p.host));
    return r;
  }

  /** The rules' input: the same records the JMC rules build from JMC's item collections. */
  Evidence evidence() {
    return new Evidence(eventTypes, ruleExchanges, ruleFindings, ruleServerExchanges);
  }

  Duration span() {
    return first == null ? Duration.ZERO : Duration.between(first, last);
  }

  long exchanges() {
    long n = 0;
    for (Host h : hosts.values()) n += h.exchanges;
    return n;
  }

  private Exchange exchange(RecordedEvent e) {
    Exchange x = new Exchange();
    x.method = string(e, "method");
    x.url = string(e, "url");
    x.host = string(e, "host");
    x.status = e.hasField("status") ? e.getInt("status") : 0;
    x.reused = e.hasField("reused") && e.getBoolean("reused");
    x.outcome = string(e, "outcome");
    x.dnsNanos = nanos(e, "dnsDuration");
    x.connectNanos = nanos(e, "connectDuration");
    x.tlsNanos = nanos(e, "tlsDuration");
    x.waitNanos = nanos(e, "waitForConnDuration");
    x.firstByteNanos = nanos(e, "firstByteDuration");
    x.bodyNanos = nanos(e, "bodyDuration");
    x.totalNanos = e.getDuration().toNanos();
    x.start = e.getStartTime();
    ruleExchanges.add(new Evidence.Exchange(x.host, x.start.getEpochSecond() * 1_000_000_000L + x.start.getNano(),
        x.totalNanos, x.reused, x.dnsNanos, x.connectNanos, x.tlsNanos, x.waitNanos, x.outcome));
    Host h = hosts.computeIfAbsent(x.host == null ? "(unknown)" : x.host, Host::new);
    h.add(x);
    return x;
  }

  private void finding(RecordedEvent e) {
    String kind = string(e, "kind");
    String site = string(e, "callSite");
    FindingGroup g = findings.computeIfAbsent(kind + "|" + site, k -> new FindingGroup(kind, site));
    long count = e.hasField("count") ? e.getLong("count") : 1;
    g.events++;
    g.count = Math.max(g.count, Math.max(count, g.events)); // count is cumulative per finding
    g.title = string(e, "title");
    g.fix = string(e, "fix");
    ruleFindings.add(new Evidence.Finding(kind, g.title, site, g.fix, count));
  }

  static String string(RecordedEvent e, String field) {
    return e.hasField(field) ? e.getString(field) : null;
  }

  /**
   * A timespan field in nanoseconds, or -1 when the phase did not happen: the field is missing, or
   * holds a negative sentinel (JFR shows Long.MIN_VALUE as N/A; as a Duration it overflows toNanos).
   */
  static long nanos(RecordedEvent e, String field) {
    if (!e.hasField(field)) return -1;
    Duration d = e.getDuration(field);
    if (d == null || d.isNegative()) return -1;
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return -1;
    }
  }

  /** Nearest-rank percentile of {@code values} (any order), or -1 when empty. */
  static long percentile(List<Long> values, double p) {
    if (values.isEmpty()) return -1;
    long[] a = new long[values.size()];
    for (int i = 0; i < a.length; i++) a[i] = values.get(i);
    Arrays.sort(a);
    int rank = (int) Math.ceil(p / 100.0 * a.length);
    return a[Math.max(0, Math.min(a.length - 1, rank - 1))];
  }

  /** One client exchange. */
  static final class Exchange {
    String method, url, host, outcome;
    int status;
    boolean reused;
    long dnsNanos, connectNanos, tlsNanos, waitNanos, firstByteNanos, bodyNanos, totalNanos;
    Instant start;
  }

  /** Client exchanges to one host:port. */
  static final class Host {
    final String name;
    long exchanges;
    long reused;
    final Map<String, List<Long>> phases = new LinkedHashMap<>();

    Host(String name) {
      this.name = name;
      for (String p : PHASES) phases.put(p, new ArrayList<>());
    }

    void add(Exchange x) {
      exchanges++;
      if (x.reused) reused++;
      if (x.dnsNanos > 0) phases.get("dns").add(x.dnsNanos);
      if (x.connectNanos > 0) phases.get("connect").add(x.connectNanos);
      if (x.tlsNanos > 0) phases.get("tls").add(x.tlsNanos);
      if (x.waitNanos >= 0) phases.get("waitForConn").add(x.waitNanos);
      if (x.firstByteNanos >= 0) phases.get("firstByte").add(x.firstByteNanos);
      phases.get("total").add(x.totalNanos);
    }

    double reuseRatio() {
      return exchanges == 0 ? 0 : (double) reused / exchanges;
    }
  }

  /** The findings of one kind at one call site. */
  static final class FindingGroup {
    final String kind, callSite;
    String title, fix;
    long count, events;

    FindingGroup(String kind, String callSite) {
      this.kind = kind;
      this.callSite = callSite;
    }
  }

  /** One periodic pool sample for one host. */
  static final class PoolSample {
    Instant time;
    String host;
    long idle, inUse, dials, reuses, discarded, discardedPoolFull;

    static PoolSample of(RecordedEvent e) {
      PoolSample p = new PoolSample();
      p.time = e.getStartTime();
      p.host = string(e, "host");
      p.idle = get(e, "idle");
      p.inUse = get(e, "inUse");
      p.dials = get(e, "dials");
      p.reuses = get(e, "reuses");
      p.discardedPoolFull = get(e, "discardedPoolFull");
      for (String f : new String[] {"discardedPoolFull", "discardedUndrained", "discardedConnectionClose",
          "discardedError", "discardedKeepAlivesDisabled", "discardedTransportClosed", "discardedOther"}) {
        p.discarded += get(e, f);
      }
      return p;
    }

    private static long get(RecordedEvent e, String f) {
      return e.hasField(f) ? e.getLong(f) : 0;
    }
  }
}
