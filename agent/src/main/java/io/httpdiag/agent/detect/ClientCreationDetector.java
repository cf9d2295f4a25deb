package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.HttpLibrary;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Clients built per request: a call site that builds {@value #THRESHOLD} or more core-transport
 * Transports (each has its own pool), JDK HttpClients (each has its own pool and selector
 * thread) or other libraries' clients ({@link HttpLibrary#clientComponent()}) within {@value #WINDOW_SECONDS} s. Clients are cheap in core-transport (they share the
 * default Transport), so only Transports count there. At most {@value #MAX_SITES} call sites are
 * tracked. And JDK HttpClients (21+) that became unreachable without {@code close()}: reported
 * once collected, with the line that built them (one aggregate per call site).
 */
final class ClientCreationDetector implements Detectors.Detector {
  static final int THRESHOLD = 5;
  static final int WINDOW_SECONDS = 60;
  static final int MAX_SITES = 256;
  private final ConcurrentHashMap<String, ArrayDeque<Long>> sites = new ConcurrentHashMap<>();

  @Override
  public void configured(String component, String callSite, long... settings) {
    boolean transport = component.equals("transport");
    HttpLibrary library = transport ? HttpLibrary.CORE
        : component.equals("jdkClient") ? HttpLibrary.JDK : HttpLibrary.ofClientComponent(component);
    if (library == null) return;
    ArrayDeque<Long> times = sites.get(callSite);
    if (times == null) {
      if (sites.size() >= MAX_SITES) return;
      times = sites.computeIfAbsent(callSite, k -> new ArrayDeque<>());
    }
    long now = System.nanoTime();
    int recent;
    long span;
    synchronized (times) {
      times.addLast(now);
      while (!times.isEmpty() && now - times.peekFirst() > WINDOW_SECONDS * 1_000_000_000L) times.removeFirst();
      while (times.size() > THRESHOLD * 4) times.removeFirst(); // the rate is all we need
      recent = times.size();
      span = now - times.peekFirst();
    }
    if (recent < THRESHOLD) return;
    String what = library.clientType;
    String cost = library == HttpLibrary.JDK
        ? "each has its own connection pool and a SelectorManager thread (" + selectorThreads() + " alive now)"
        : library == HttpLibrary.OKHTTP ? "each has its own connection pool and dispatcher threads, so no connection is "
            + "ever reused"
        : "each has its own connection pool, so no connection is ever reused"
            + (library == HttpLibrary.CORE ? ": a connection and TLS handshake per request, even over HTTP/2 where one"
                + " connection would carry them all" : "");
    Findings.report(new Finding(Finding.Kind.CLIENT_PER_REQUEST, null,
        "a new " + what + " is built again and again at one call site: " + recent + " within "
            + Format.duration(span) + "; " + cost,
        "built at", callSite, null,
        Fixes.of(Finding.Kind.CLIENT_PER_REQUEST, library),
        null));
  }

  @Override
  public void client(String client, String event, String... kv) {
    if (!event.equals("clientUnreachable")) return;
    String site = null;
    HttpLibrary library = HttpLibrary.JDK;
    for (int i = 0; i + 1 < kv.length; i += 2) {
      if (kv[i].equals("builtAt")) site = kv[i + 1];
      if (kv[i].equals("library")) {
        HttpLibrary l = HttpLibrary.ofClientComponent(kv[i + 1] + "Client");
        if (l != null) library = l;
      }
    }
    if (site == null) return;
    if (library != HttpLibrary.JDK) {
      Findings.report(new Finding(Finding.Kind.CLIENT_NOT_CLOSED, null,
          library.clientType + " " + client + " became unreachable without close(): its pooled connections stayed "
              + "open until the garbage collector reclaimed it",
          "built at", site, null, Fixes.of(Finding.Kind.CLIENT_NOT_CLOSED, library), null));
      return;
    }
    Findings.report(new Finding(Finding.Kind.CLIENT_NOT_CLOSED, null,
        "HttpClient " + client + " became unreachable without close(): its SelectorManager thread and pooled "
            + "connections stayed alive until the garbage collector reclaimed it (" + selectorThreads()
            + " SelectorManager threads alive now)",
        "built at", site, null,
        Fixes.CLIENT_NOT_CLOSED,
        null));
  }

  private static int selectorThreads() {
    int n = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().endsWith("-SelectorManager")) n++;
    }
    return n;
  }
}
