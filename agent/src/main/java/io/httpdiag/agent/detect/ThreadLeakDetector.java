package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.CallSite;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.ThreadTracker;

/**
 * Threads (platform or virtual) the application started while a core-transport handler ran, or
 * during a client exchange on the calling thread (core-transport or JDK HttpClient), that are still
 * alive {@code afterNanos} after the handler returned or the exchange ended: reported once each,
 * with where they were started and where they are now. The transports' own threads are never
 * tracked (see {@code ThreadTracker}).
 */
final class ThreadLeakDetector implements Detectors.Detector {
  private final long afterNanos;

  ThreadLeakDetector(long afterNanos) {
    this.afterNanos = afterNanos;
  }

  @Override
  public void afterSweep(long now) {
    for (ThreadTracker.Started s : ThreadTracker.aliveTracked()) {
      long ended = s.handlerEndNanos;
      if (s.reported || ended == 0 || now - ended < afterNanos) continue;
      Thread t = s.thread.get();
      if (t == null || !t.isAlive()) continue;
      s.reported = true;
      long real = System.nanoTime() - ended; // a check point runs ahead of the clock: show the real age
      String[] now2 = CallSite.stackOf(t, 16);
      Findings.report(new Finding(Finding.Kind.THREAD_LEAK, null,
          (s.virtual ? "virtual thread" : "thread") + (t.getName().isEmpty() ? " (unnamed)" : " \"" + t.getName() + "\"")
              + (s.client ? " started during the client exchange " + s.request + " is still alive "
                  + Format.duration(real) + " after the exchange ended (" + t.getState() + ")"
                  : " started by the handler of " + s.request + " is still alive " + Format.duration(real)
                      + " after the handler returned (" + t.getState() + ")"),
          "started at", s.callSite, new String[] {"it is now at:"},
          s.client ? Fixes.THREAD_LEAK_CLIENT : Fixes.THREAD_LEAK_HANDLER,
          now2));
    }
  }
}
