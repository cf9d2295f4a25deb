package io.httpdiag.agent.runtime;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the agent did to itself: transformations applied and failed, internal failures swallowed,
 * and state or output dropped because a bound was reached. Tests fail on any transformation error;
 * users see the counters in {@link #summary()}.
 */
public final class Counters {
  public static final AtomicLong transformations = new AtomicLong();
  public static final AtomicLong transformationErrors = new AtomicLong();
  /** Exceptions thrown inside the agent's own code and swallowed (diagnostics never break the app). */
  public static final AtomicLong failures = new AtomicLong();
  public static final AtomicLong droppedExchanges = new AtomicLong();
  /**
   * Client and server exchanges put in the exchange table (tracked). Exchanges seen are these plus
   * {@link #droppedExchanges}. A LongAdder: every exchange start increments it, from any thread.
   */
  public static final LongAdder trackedExchanges = new LongAdder();
  public static final AtomicLong droppedConnections = new AtomicLong();
  public static final AtomicLong droppedLogLines = new AtomicLong();
  /** JDK HttpClient classes transformed, and hooks missing on this JDK (skipped). */
  public static final AtomicLong jdkClassesTransformed = new AtomicLong();
  private static volatile int jdkHooksMissing;
  /** Set once the core-transport tracepoint class has been transformed. */
  private static volatile boolean traceTransformed;
  /** jdk.VirtualThreadPinned events the pinned detector consumed (HTTP I/O or not): a watermark for tests. */
  public static final AtomicLong pinnedEventsSeen = new AtomicLong();
  /** The last swallowed failure, for diagnosis. */
  public static volatile Throwable lastFailure;

  private Counters() {}

  /** The JDK HttpClient's instrumentation found {@code n} hooks missing on this JDK (skipped). */
  public static void jdkHooksMissing(int n) {
    jdkHooksMissing = n;
  }

  /** The core-transport tracepoint class has been transformed. */
  public static void traceTransformed() {
    traceTransformed = true;
  }

  /**
   * Counts a swallowed failure; the first one in this JVM is also reported, in one line on stderr
   * (later ones are only counted: see {@link #summary()}). Never throws. Also the exception handler
   * of every advice: a failure in advice code is counted here instead of vanishing.
   */
  public static void failure(Throwable t) {
    lastFailure = t;
    if (failures.getAndIncrement() == 0) {
      try {
        StackTraceElement[] where = t.getStackTrace();
        System.err.println("httpdiag: warning: internal error, ignored (the application is not affected;"
            + " further ones are only counted): " + t + (where.length > 0 ? " at " + where[0] : ""));
      } catch (Throwable ignored) {
        // reporting is best effort
      }
    }
  }

  /** One line, {@code key=value} pairs, stable order. */
  public static String summary() {
    return "transformations=" + transformations.get() + " transformationErrors=" + transformationErrors.get()
        + " traceTransformed=" + traceTransformed + " failures=" + failures.get()
        + " droppedExchanges=" + droppedExchanges.get() + " droppedConnections=" + droppedConnections.get()
        + " droppedLogLines=" + droppedLogLines.get() + " jdkClassesTransformed=" + jdkClassesTransformed.get()
        + " jdkHooksMissing=" + jdkHooksMissing;
  }
}
