package io.httpdiag.agent.testapp;

import io.httpdiag.http.internal.Trace;

/**
 * Measures the agent's state bound: N client exchanges whose bodies are never closed (the worst
 * case: none ever ends) plus N transports built at N call-site-distinct... (one site), then prints
 * heap used after GC and what the runtime kept and dropped. {@code BoundedState N}.
 */
public final class BoundedState {
  private BoundedState() {}

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    long before = usedAfterGc();
    long start = System.nanoTime();
    for (long id = 1; id <= n; id++) {
      Trace.clientExchangeStart(null, id, "GET", "http://svc:8080/items?page=" + id, 0);
      Trace.getConn(null, id, "svc:8080");
      Trace.gotConn(null, id, id, false, false, 0, 0, 1);
      Trace.gotResponseHeaders(null, id, 200, 1 << 20);
      if (id % 2 == 0) { // half of them end normally
        Trace.bodyEnd(null, id, id, 1 << 20, 1 << 20, true, "eof");
        Trace.putIdleConn(null, id, id, "poolFull");
      }
    }
    Class<?> findings = Class.forName("io.httpdiag.agent.runtime.Findings");
    findings.getMethod("sweep", long.class).invoke(null, 3_600_000_000_000L);
    long after = usedAfterGc();
    Class<?> events = Class.forName("io.httpdiag.agent.runtime.Events");
    System.out.printf("testapp: exchanges=%d seconds=%.1f heapDeltaMiB=%.1f inFlight=%s findings=%s droppedFindings=%s%n", n,
        (System.nanoTime() - start) / 1e9, (after - before) / 1048576.0, events.getMethod("inFlight").invoke(null),
        ((java.util.List<?>) findings.getMethod("all").invoke(null)).size(), findings.getField("dropped").get(null));
    SimulatedTraffic.report();
  }

  private static long usedAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }
}
