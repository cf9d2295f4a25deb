package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.Sink;
import io.httpdiag.agent.runtime.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * The sink the runtime feeds when detectors are on: forwards everything to the reporters, then
 * lets each detector look. Detectors that judge by age (a body never closed, an exchange stuck
 * without a deadline) run from a sweeper thread that scans the exchanges in flight.
 */
public final class Detectors implements Sink {
  private final Sink reporters;
  private final List<Detector> detectors = new ArrayList<>();
  private final long sweepIntervalMillis;
  /** Runs first in every pass: the runtime's housekeeping, handed over at wiring time (collections first). */
  private final Runnable beforeSweep;

  public Detectors(Config config, Sink reporters) {
    this(config, reporters, () -> {});
  }

  public Detectors(Config config, Sink reporters, Runnable beforeSweep) {
    this.reporters = reporters;
    this.beforeSweep = beforeSweep;
    if (config.detectBody) detectors.add(new BodyDetector(config.bodyLeakAfterNanos));
    if (config.detectTimeouts) detectors.add(new TimeoutDetector(config.stuckAfterNanos));
    if (config.detectChurn) {
      detectors.add(new ChurnDetector());
      detectors.add(new PoolExhaustedDetector()); // churn and exhaustion are two faces of a pool sized wrong
    }
    if (config.detectClients) detectors.add(new ClientCreationDetector());
    if (config.detectThreads) detectors.add(new ThreadLeakDetector(config.threadLeakAfterNanos));
    if (config.detectPinned) detectors.add(new PinnedDetector(config.pinnedAfterNanos));
    long shortest = Math.min(Math.min(config.bodyLeakAfterNanos, config.stuckAfterNanos), config.threadLeakAfterNanos)
        / 1_000_000L;
    this.sweepIntervalMillis = Math.max(50, Math.min(1000, shortest / 4));
    Detector[] stepDetectors = overriding("step", ExchangeState.class, Step.class, long.class);
    this.byStep = new Detector[Step.values().length][];
    for (Step s : Step.values()) {
      List<Detector> wanting = new ArrayList<>();
      for (Detector d : stepDetectors) {
        if (d.steps().contains(s)) wanting.add(d);
      }
      byStep[s.ordinal()] = wanting.toArray(new Detector[0]);
    }
    this.endDetectors = overriding("end", ExchangeState.class);
  }

  // step() runs about ten times per exchange, on the request's threads: call only the detectors that
  // look at that step (most steps: none), not every one through an interface call the JIT cannot inline.
  private final Detector[][] byStep;
  private final Detector[] endDetectors;

  private Detector[] overriding(String method, Class<?>... parameters) {
    List<Detector> found = new ArrayList<>();
    for (Detector d : detectors) {
      try {
        if (d.getClass().getMethod(method, parameters).getDeclaringClass() == Detector.class) continue;
      } catch (NoSuchMethodException e) {
        // not expected; keep the detector rather than lose its calls
      }
      found.add(d);
    }
    return found.toArray(new Detector[0]);
  }

  /** Whether any detector is on. */
  public boolean active() {
    return !detectors.isEmpty();
  }

  /** Starts the sweeper: one daemon platform thread that wakes every {@code sweepIntervalMillis}. */
  public void startSweeper() {
    Thread t = new Thread(() -> {
      while (true) {
        try {
          Thread.sleep(sweepIntervalMillis);
          sweep(System.nanoTime());
        } catch (InterruptedException e) {
          return;
        } catch (Throwable t2) {
          Counters.failure(t2);
        }
      }
    }, "httpdiag-detector");
    t.setDaemon(true);
    t.start();
  }

  /** One pass over the exchanges in flight (the sweeper calls it; tests call it with a chosen clock). */
  public synchronized void sweep(long now) {
    // GC backstop first: bodies collected while open end their exchanges (and are reported) now.
    beforeSweep.run();
    Events.forEachInFlight(x -> {
      for (Detector d : detectors) d.inFlight(x, now);
    });
    for (Detector d : detectors) d.afterSweep(now);
  }

  @Override
  public void start(ExchangeState x) {
    reporters.start(x);
  }

  @Override
  public void step(ExchangeState x, Step step, long nanos) {
    reporters.step(x, step, nanos);
    for (Detector d : byStep[step.ordinal()]) d.step(x, step, nanos);
  }

  @Override
  public void end(ExchangeState x) {
    reporters.end(x);
    for (Detector d : endDetectors) d.end(x);
  }

  @Override
  public void connection(long connectionId, boolean server, String event, String... keyValues) {
    reporters.connection(connectionId, server, event, keyValues);
  }

  @Override
  public void configured(String component, Object instance, String callSite, long... settings) {
    reporters.configured(component, instance, callSite, settings);
    for (Detector d : detectors) d.configured(component, callSite, settings);
  }

  @Override
  public void client(String client, String event, String... keyValues) {
    reporters.client(client, event, keyValues);
    for (Detector d : detectors) d.client(client, event, keyValues);
  }

  @Override
  public void finding(Finding f) {
    reporters.finding(f);
  }

  /** One detector: plain Java, fed by the runtime, reporting through {@code Findings.report}. */
  interface Detector {
    /** Called only for the {@link #steps} it names. */
    default void step(ExchangeState x, Step step, long nanos) {}

    /** The steps {@link #step} looks at (read once, when the detectors are built). */
    default java.util.Set<Step> steps() {
      return java.util.EnumSet.allOf(Step.class);
    }

    default void end(ExchangeState x) {}

    default void configured(String component, String callSite, long... settings) {}

    /** A JDK HttpClient event: clientCreated, clientShutdown, clientStopped, clientUnreachable. */
    default void client(String client, String event, String... keyValues) {}

    /** Called by the sweeper for each exchange in flight. */
    default void inFlight(ExchangeState x, long now) {}

    default void afterSweep(long now) {}
  }
}
