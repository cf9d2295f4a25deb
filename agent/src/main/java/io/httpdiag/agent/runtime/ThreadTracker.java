package io.httpdiag.agent.runtime;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Threads (platform or virtual) started while a core-transport handler ran, so the detectors can
 * report the ones still alive well after the handler returned. {@code Thread.start} is advised;
 * the advice calls {@link #starting}, which costs one ThreadLocal read outside handlers. Threads
 * are held weakly; at most {@value #MAX_TRACKED} are tracked (more are counted in {@link #dropped}).
 */
public final class ThreadTracker {
  public static final int MAX_TRACKED = 4096;
  public static final AtomicLong dropped = new AtomicLong();
  private static final ThreadLocal<Handler> current = new ThreadLocal<>();
  private static final ConcurrentLinkedQueue<Started> tracked = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger size = new AtomicInteger();
  static volatile boolean enabled;

  private ThreadTracker() {}

  /** One thread started inside a handler. */
  public static final class Started {
    public final WeakReference<Thread> thread;
    public final long exchangeId;
    public final String request;
    public final String callSite;
    public final boolean virtual;
    /** System.nanoTime() when the handler returned; 0 while it runs. */
    public volatile long handlerEndNanos;
    public volatile boolean reported;

    Started(Thread t, long exchangeId, String request, String callSite) {
      this.thread = new WeakReference<>(t);
      this.exchangeId = exchangeId;
      this.request = request;
      this.callSite = callSite;
      this.virtual = isVirtual(t);
    }
  }

  private static final class Handler {
    final long exchangeId;
    final String request;
    final List<Started> started = new ArrayList<>(2);

    Handler(long exchangeId, String request) {
      this.exchangeId = exchangeId;
      this.request = request;
    }
  }

  static void handlerStart(long exchangeId, String request) {
    if (enabled) current.set(new Handler(exchangeId, request));
  }

  static void handlerEnd(long exchangeId) {
    Handler h = current.get();
    if (h == null) return;
    current.remove();
    long now = System.nanoTime();
    for (Started s : h.started) s.handlerEndNanos = now;
  }

  /** Advice on {@code Thread.start}: records {@code t} when a handler runs on the calling thread. Never throws. */
  public static void starting(Thread t) {
    try {
      if (!enabled) return;
      Handler h = current.get();
      if (h == null) return;
      for (Started s : h.started) {
        if (s.thread.get() == t) return; // start() delegating to start(container): once is enough
      }
      if (size.get() >= MAX_TRACKED) {
        dropped.incrementAndGet();
        return;
      }
      Started s = new Started(t, h.exchangeId, h.request, CallSite.always());
      h.started.add(s);
      tracked.add(s);
      size.incrementAndGet();
    } catch (Throwable e) {
      Counters.failure(e);
    }
  }

  /** The threads tracked; ones that ended or were collected are dropped as the iteration passes them. */
  public static List<Started> aliveTracked() {
    List<Started> out = new ArrayList<>();
    for (Iterator<Started> it = tracked.iterator(); it.hasNext(); ) {
      Started s = it.next();
      Thread t = s.thread.get();
      if (t == null || (!t.isAlive() && s.handlerEndNanos != 0)) {
        it.remove();
        size.decrementAndGet();
      } else {
        out.add(s);
      }
    }
    return out;
  }

  private static boolean isVirtual(Thread t) {
    return t.getClass().getName().equals("java.lang.VirtualThread");
  }
}
