package io.httpdiag.http.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one place core-transport makes threads. On a JVM with virtual threads (21+) each connection
 * and each background task runs on its own virtual thread; on 17 on a daemon platform thread. The
 * code compiles for 17, so the virtual-thread builder is looked up reflectively once (as Jetty does).
 */
public final class Threads {
  private static final ThreadFactory VIRTUAL = lookupVirtualFactory();
  private static final AtomicLong counter = new AtomicLong();

  private Threads() {}

  /**
   * A shared timer for deadlines that cannot be enforced by a socket timeout (write deadlines,
   * handler timeouts). One daemon platform thread, created on first use; tasks must be tiny.
   */
  public static ScheduledExecutorService timer() {
    return TimerHolder.TIMER;
  }

  private static final class TimerHolder {
    static final ScheduledExecutorService TIMER = newTimer();

    private static ScheduledExecutorService newTimer() {
      ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
        Thread thread = new Thread(r, "httpdiag-timer");
        thread.setDaemon(true);
        return thread;
      });
      t.setRemoveOnCancelPolicy(true);
      return t;
    }
  }

  /** True when threads started here are virtual threads. */
  public static boolean virtual() {
    return VIRTUAL != null;
  }

  /** Starts {@code task} on a new (virtual when available) thread named {@code name-N}. */
  public static Thread start(String name, Runnable task) {
    Thread t = VIRTUAL != null ? VIRTUAL.newThread(task) : new Thread(task);
    t.setName(name + "-" + counter.incrementAndGet());
    if (VIRTUAL == null) {
      t.setDaemon(true); // virtual threads are always daemons
    }
    t.start();
    return t;
  }

  private static ThreadFactory lookupVirtualFactory() {
    if (Boolean.getBoolean("httpdiag.platformThreads")) {
      return null;
    }
    try {
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      Class<?> builderClass = Class.forName("java.lang.Thread$Builder");
      MethodHandle ofVirtual = lookup.findStatic(Thread.class, "ofVirtual",
          MethodType.methodType(Class.forName("java.lang.Thread$Builder$OfVirtual")));
      MethodHandle factory = lookup.findVirtual(builderClass, "factory", MethodType.methodType(ThreadFactory.class));
      return (ThreadFactory) factory.invoke(ofVirtual.invoke());
    } catch (Throwable notAvailable) {
      return null; // JDK 17: platform threads
    }
  }
}
