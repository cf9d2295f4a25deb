package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.CallSite;
import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Pool churn: connections closed after use because the idle pool was full (core-transport's
 * {@code maxIdleConnsPerHost}, Go's default 2), with the concurrency seen per host and a suggested
 * size; and any client dialing a host far more often than its concurrency needs (the JDK client,
 * or per-request clients), over a 10 s window. At most {@value #MAX_HOSTS} hosts are tracked.
 *
 * <p>Every finding names a line the user wrote, even when the exchange at hand was not sampled: the
 * first sampled call site per host stands in. And it names where the pool was configured, which is
 * where the fix goes: the lines that built a core-transport Transport (with a {@code
 * maxIdleConnsPerHost} below the concurrency seen, for a full pool) or a JDK HttpClient. The
 * events do not say which Transport or client an exchange went through, so when several qualify
 * all are listed (at most {@value #MAX_SITES} are remembered).
 */
final class ChurnDetector implements Detectors.Detector {
  static final int MAX_HOSTS = 256;
  private static final long WINDOW_NANOS = 10_000_000_000L;
  /** Dials in a window beyond this many times the peak concurrency are churn, not warm-up. */
  private static final int DIALS_PER_CONCURRENT = 2;
  private static final int MIN_DIALS = 50;

  static final int MAX_SITES = 16;
  static final int SHOWN_SITES = 3;
  private final ConcurrentHashMap<String, Host> hosts = new ConcurrentHashMap<>();
  /** Where core-transport Transports were built: {maxIdleConnsPerHost, when} (latest per site). */
  private final Map<String, long[]> transportSites = new ConcurrentHashMap<>();
  /** Where JDK HttpClients were built: {0, when}. */
  private final Map<String, long[]> jdkClientSites = new ConcurrentHashMap<>();

  @Override
  public void configured(String component, String callSite, long... settings) {
    if (callSite == null || callSite.equals(CallSite.UNKNOWN)) return;
    // Transport settings: dial, tls, responseHeader, idleConn, maxIdle, maxIdlePerHost, ...
    if (component.equals("transport") && settings.length > 5) remember(transportSites, callSite, settings[5]);
    else if (component.equals("jdkClient")) remember(jdkClientSites, callSite, 0);
  }

  private static void remember(Map<String, long[]> sites, String site, long value) {
    if (sites.size() < MAX_SITES || sites.containsKey(site)) sites.put(site, new long[] {value, System.nanoTime()});
  }

  @Override
  public java.util.Set<Step> steps() {
    return java.util.EnumSet.of(Step.GET_CONN, Step.CONNECT_DONE, Step.PUT_IDLE_CONN);
  }

  @Override
  public void step(ExchangeState x, Step step, long nanos) {
    if (x.server || x.hostPort == null) return;
    if (step == Step.GET_CONN) {
      // Concurrency counts from getConn (waiting for or holding a connection), so a burst's dials
      // are measured against the burst, not against the few exchanges that already got one.
      Host h = host(x.hostPort);
      if (h == null) return;
      if (h.firstSite == null && x.callSite != null && !x.callSite.equals(CallSite.UNKNOWN)) h.firstSite = x.callSite;
      // Every request thread of the host passes here and in end(): a LongAdder takes the increments
      // without contending for one cache line (an AtomicInteger here was a third of the agent's CPU
      // samples with 64 virtual threads on OkHttp), and the peak is read before it is written.
      h.inUse.increment();
      int now = (int) h.inUse.sum();
      if (now > h.peak.get()) h.peak.accumulateAndGet(now, Math::max);
    } else if (step == Step.CONNECT_DONE && x.error == null) {
      Host h = host(x.hostPort);
      if (h != null) h.dial(nanos, x);
    } else if (step == Step.PUT_IDLE_CONN && "connectionClose".equals(x.putIdleResult)) {
      // The server chose to close (Connection: close): the next dial replaces it and is not the
      // client's churn. Without this, a server closing 2% of connections at 9k req/s "churns".
      Host h = host(x.hostPort);
      if (h != null) h.closedByServer(nanos);
    } else if (step == Step.PUT_IDLE_CONN && "poolFull".equals(x.putIdleResult)) {
      Host h = host(x.hostPort);
      if (h == null) return;
      long discarded = h.poolFull.incrementAndGet();
      h.discardedPoolFull(nanos);
      int peak = h.peak.get();
      List<String> details = new ArrayList<>();
      details.add("each one costs a new dial (and TLS handshake) for the next request");
      boolean core = io.httpdiag.agent.runtime.Ids.isCore(x.id);
      if (core) configuredAt(details, "idle pool configured at", transportSites, peak, true);
      Findings.report(new Finding(Finding.Kind.POOL_CHURN, "poolFull " + x.hostPort,
          "connections to " + x.hostPort + " closed after use because the idle pool was full: " + discarded
              + " so far, with up to " + peak + " requests in flight at once",
          sentAtLabel(x, h), sentAt(x, h), details.toArray(new String[0]),
          core ? "size the idle pool for the concurrency: Transport.builder().maxIdleConnsPerHost(" + Math.max(peak, 2)
              + ") (Go's default of 2 suits light use only)" : Fixes.of(Finding.Kind.POOL_CHURN, x),
          null));
    }
  }

  @Override
  public void end(ExchangeState x) {
    if (x.server || x.hostPort == null || x.getConnAt == 0) return;
    Host h = hosts.get(x.hostPort);
    if (h != null) h.inUse.decrement();
  }

  private Host host(String hostPort) {
    Host h = hosts.get(hostPort);
    if (h == null && hosts.size() < MAX_HOSTS) {
      h = hosts.computeIfAbsent(hostPort, k -> new Host());
    }
    return h;
  }

  private static String sentAt(ExchangeState x, Host h) {
    if (x.callSite != null && !x.callSite.equals(CallSite.UNKNOWN)) return x.callSite;
    return h.firstSite != null ? h.firstSite : CallSite.UNKNOWN;
  }

  private static String sentAtLabel(ExchangeState x, Host h) {
    return x.callSite != null && !x.callSite.equals(CallSite.UNKNOWN) ? "last sent at" : "first sent at";
  }

  private String[] dialDetails(ExchangeState x) {
    List<String> details = new ArrayList<>();
    details.add("usual causes: a client or transport built per request, bodies not read to the end, "
        + "an idle pool smaller than the concurrency, or the server closing connections");
    if (io.httpdiag.agent.runtime.Ids.isJdk(x.id)) {
      configuredAt(details, "HttpClient built at", jdkClientSites, Integer.MAX_VALUE, false);
    } else if (io.httpdiag.agent.runtime.Ids.isCore(x.id)) {
      configuredAt(details, "Transport built at", transportSites, Integer.MAX_VALUE, true);
    }
    return details.toArray(new String[0]);
  }

  /**
   * Adds the lines where the pool was configured: each site (with its maxIdleConnsPerHost when
   * {@code showIdle}) whose setting is below {@code peak}, or every site when none is; the most
   * recently built first, at most {@value #SHOWN_SITES}.
   */
  private static void configuredAt(List<String> details, String label, Map<String, long[]> sites, int peak,
      boolean showIdle) {
    List<Map.Entry<String, long[]>> below = new ArrayList<>();
    List<Map.Entry<String, long[]>> all = new ArrayList<>();
    for (Map.Entry<String, long[]> e : sites.entrySet()) {
      all.add(e);
      if (e.getValue()[0] < peak) below.add(e);
    }
    List<Map.Entry<String, long[]>> shown = below.isEmpty() ? all : below;
    shown.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
    if (shown.size() > 1) details.add("the exchanges do not say which one; the most recently built first:");
    for (int i = 0; i < shown.size() && i < SHOWN_SITES; i++) {
      Map.Entry<String, long[]> e = shown.get(i);
      details.add(label + " " + e.getKey() + (showIdle ? " (maxIdleConnsPerHost=" + e.getValue()[0] + ")" : ""));
    }
  }

  /** Per-host counters; dial windows are coarse (reset every 10 s), which is enough to tell churn from warm-up. */
  final class Host {
    /** The first sampled call site of an exchange to this host: stands in when one was not sampled. */
    volatile String firstSite;
    final LongAdder inUse = new LongAdder();
    final AtomicInteger peak = new AtomicInteger();
    final AtomicLong poolFull = new AtomicLong();
    private long windowStart; // guarded by this
    private int dialsInWindow; // guarded by this
    private int serverClosesInWindow; // guarded by this
    private int poolFullInWindow; // guarded by this

    private void roll(long now) {
      if (now - windowStart > WINDOW_NANOS) {
        windowStart = now;
        dialsInWindow = 0;
        serverClosesInWindow = 0;
        poolFullInWindow = 0;
      }
    }

    /** A connection closed because the idle pool was full: reported as such; its redial is not more churn. */
    synchronized void discardedPoolFull(long now) {
      roll(now);
      poolFullInWindow++;
    }

    synchronized void closedByServer(long now) {
      roll(now);
      serverClosesInWindow++;
    }

    void dial(long now, ExchangeState x) {
      int dials;
      synchronized (this) {
        roll(now);
        // Dials that replace connections the server closed are owed, not churn; those that replace
        // connections a full idle pool closed are the poolFull finding's, with its own fix.
        dials = ++dialsInWindow - serverClosesInWindow - poolFullInWindow;
      }
      int peakNow = Math.max(1, peak.get());
      if (dials >= MIN_DIALS && dials > DIALS_PER_CONCURRENT * peakNow && dials % MIN_DIALS == 0) {
        Findings.report(new Finding(Finding.Kind.POOL_CHURN, "dials " + x.hostPort,
            dials + " new connections to " + x.hostPort + " within " + Format.duration(now - windowStart)
                + " with at most " + peakNow + " requests in flight at once: connections are not being reused",
            sentAtLabel(x, this), sentAt(x, this), dialDetails(x),
            Fixes.of(Finding.Kind.POOL_CHURN, x), null));
      }
    }
  }
}
