package io.httpdiag.junit;

import io.httpdiag.agent.runtime.CallSite;
import io.httpdiag.agent.runtime.ClientHold;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.Ids;
import io.httpdiag.agent.report.BuiltAt;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The only class here that links against the agent's runtime. Load it only after
 * {@link AgentLoader#ensure()}: then the application loader resolves these names to the agent's
 * boot-loaded copy (it asks the boot loader first), the one copy the advice feeds. Loaded before
 * the attach, they would resolve to a second, silent copy from the test class path.
 */
final class RuntimeBridge {
  private RuntimeBridge() {}

  /** A client exchange in flight, copied out of the runtime. */
  static final class Exchange {
    final long id;
    /** Ids as the agent's log and findings print them: {@code #j7} / {@code jc3}, {@code #7} / {@code c3}. */
    final String exchange, connection;
    final String method, url, callSite;
    final int status;
    final boolean headersReceived;
    final long contentLength;
    final long ageNanos;
    final Thread thread;

    Exchange(ExchangeState x, long now) {
      id = x.id;
      exchange = "#" + Ids.exchange(x.id);
      method = x.method;
      url = x.url;
      callSite = x.callSite;
      connection = x.connectionId == 0 ? null : Ids.connection(x.connectionId);
      status = x.status;
      headersReceived = x.responseHeadersAt != 0;
      contentLength = x.contentLength;
      ageNanos = now - x.startNanos;
      thread = x.thread;
    }
  }

  static void prepare() {
    CallSite.captureAll();
  }

  /**
   * From now until {@link #releaseClients}, the agent holds every JDK HttpClient built: a client the
   * test dropped keeps its SelectorManager thread until the check, whenever the GC runs.
   */
  static void holdClients() {
    ClientHold.checkStarted();
  }

  static void releaseClients() {
    ClientHold.checkEnded();
  }

  /** Ids of the client exchanges in flight. */
  static Set<Long> inFlightIds() {
    Set<Long> ids = new HashSet<>();
    Events.forEachInFlight(x -> {
      if (!x.server) ids.add(x.id);
    });
    return ids;
  }

  /**
   * Client exchanges that hold a connection: a body neither ended nor closed, or no response yet.
   * Exchanges that failed or whose body ended (waiting only for the pool's bookkeeping) are done.
   */
  static List<Exchange> holdingConnections() {
    long now = System.nanoTime();
    List<Exchange> out = new ArrayList<>();
    Events.forEachInFlight(x -> {
      if (!x.server && !x.bodyEnded && x.error == null && x.endAt == 0) out.add(new Exchange(x, now));
    });
    return out;
  }

  /** The agent's own check point: runs its age-based detectors now (so its log and JFR record the leak too). */
  static void checkpoint() {
    Findings.sweep(TimeUnit.DAYS.toNanos(1));
  }

  /** The line that built the JDK HttpClient running thread {@code threadName}, or null when unknown. */
  static String jdkClientBuiltAt(String threadName) {
    return BuiltAt.client(threadName);
  }

  static String[] stackOf(Thread t, int max) {
    return CallSite.stackOf(t, max);
  }

  /** The loader of the runtime the API sees: null (boot) when attached as intended. */
  static ClassLoader runtimeLoader() {
    return Events.class.getClassLoader();
  }
}
