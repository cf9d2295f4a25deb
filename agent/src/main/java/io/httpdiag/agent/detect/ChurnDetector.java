package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.Step;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pool churn: connections closed after use because the idle pool was full (core-transport's
 * {@code maxIdleConnsPerHost}, Go's default 2), with the concurrency seen per host and a suggested
 * size; and any client dialing a host far more often than its concurrency needs (the JDK client,
 * or per-request clients), over a 10 s window. At most {@value #MAX_HOSTS} hosts are tracked.
 */
final class ChurnDetector implements Detectors.Detector {
  static final int MAX_HOSTS = 256;
  private static final long WINDOW_NANOS = 10_000_000_000L;
  /** Dials in a window beyond this many times the peak concurrency are churn, not warm-up. */
  private static final int DIALS_PER_CONCURRENT = 2;
  private static final int MIN_DIALS = 50;

  private final ConcurrentHashMap<String, Host> hosts = new ConcurrentHashMap<>();

  @Override
  public void step(ExchangeState x, Step step, long nanos) {
    if (x.server || x.hostPort == null) return;
    if (step == Step.GET_CONN) {
      // Concurrency counts from getConn (waiting for or holding a connection), so a burst's dials
      // are measured against the burst, not against the few exchanges that already got one.
      Host h = host(x.hostPort);
      if (h == null) return;
      int now = h.inUse.incrementAndGet();
      h.peak.accumulateAndGet(now, Math::max);
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
      int peak = h.peak.get();
      Findings.report(new Finding(Finding.Kind.POOL_CHURN, "poolFull " + x.hostPort,
          "connections to " + x.hostPort + " closed after use because the idle pool was full: " + discarded
              + " so far, with up to " + peak + " requests in flight at once",
          "last sent at", x.callSite, new String[] {"each one costs a new dial (and TLS handshake) for the next request"},
          "size the idle pool for the concurrency: Transport.builder().maxIdleConnsPerHost(" + Math.max(peak, 2)
              + ") (Go's default of 2 suits light use only)",
          null));
    }
  }

  @Override
  public void end(ExchangeState x) {
    if (x.server || x.hostPort == null || x.getConnAt == 0) return;
    Host h = hosts.get(x.hostPort);
    if (h != null) h.inUse.decrementAndGet();
  }

  private Host host(String hostPort) {
    Host h = hosts.get(hostPort);
    if (h == null && hosts.size() < MAX_HOSTS) {
      h = hosts.computeIfAbsent(hostPort, k -> new Host());
    }
    return h;
  }

  /** Per-host counters; dial windows are coarse (reset every 10 s), which is enough to tell churn from warm-up. */
  static final class Host {
    final AtomicInteger inUse = new AtomicInteger();
    final AtomicInteger peak = new AtomicInteger();
    final AtomicLong poolFull = new AtomicLong();
    private long windowStart; // guarded by this
    private int dialsInWindow; // guarded by this
    private int serverClosesInWindow; // guarded by this

    private void roll(long now) {
      if (now - windowStart > WINDOW_NANOS) {
        windowStart = now;
        dialsInWindow = 0;
        serverClosesInWindow = 0;
      }
    }

    synchronized void closedByServer(long now) {
      roll(now);
      serverClosesInWindow++;
    }

    void dial(long now, ExchangeState x) {
      int dials;
      synchronized (this) {
        roll(now);
        // Dials that replace connections the server closed are owed, not churn.
        dials = ++dialsInWindow - serverClosesInWindow;
      }
      int peakNow = Math.max(1, peak.get());
      if (dials >= MIN_DIALS && dials > DIALS_PER_CONCURRENT * peakNow && dials % MIN_DIALS == 0) {
        Findings.report(new Finding(Finding.Kind.POOL_CHURN, "dials " + x.hostPort,
            dials + " new connections to " + x.hostPort + " within " + Format.duration(now - windowStart)
                + " with at most " + peakNow + " requests in flight at once: connections are not being reused",
            "last sent at", x.callSite,
            new String[] {"usual causes: a client or transport built per request, bodies not read to the end, "
                + "an idle pool smaller than the concurrency, or the server closing connections"},
            Fixes.of(Finding.Kind.POOL_CHURN, x), null));
      }
    }
  }
}
