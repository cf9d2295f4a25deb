package io.httpdiag.agent.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Where in the user's code something happened: the first stack frame outside the JDK, the agent,
 * ByteBuddy and core-transport. Walking the stack costs microseconds, so per-exchange captures are
 * rate-limited ({@code stacks=sampled}: a burst of 64, then 100 a second, so a quiet service has
 * every call site and a busy one pays a bounded cost); creations of clients and servers, which are
 * rare unless they are the bug, are always captured. Thread-safe.
 */
public final class CallSite {
  /** No call site: stacks=off, or the sample budget was spent. */
  public static final String UNKNOWN = "(call site not sampled)";
  private static final long INTERVAL_NANOS = 10_000_000L; // 100 per second
  private static final long BURST_NANOS = 64 * INTERVAL_NANOS;
  private static final StackWalker WALKER = StackWalker.getInstance();
  private static final AtomicLong theoreticalArrival = new AtomicLong();
  private static volatile Config.Stacks mode = Config.Stacks.SAMPLED;

  private CallSite() {}

  static void configure(Config config) {
    mode = config.stacks;
  }

  /**
   * From now on, captures the call site of every exchange ({@code stacks=sampled} becomes
   * {@code all}; {@code off} stays off). The leak assertions call it: a test report must name the
   * test's own line for each leak, and tests are not production.
   */
  public static void captureAll() {
    if (mode == Config.Stacks.SAMPLED) mode = Config.Stacks.ALL;
  }

  /** The user's frame for a per-exchange event, subject to sampling; {@link #UNKNOWN} when not taken. */
  public static String sampled() {
    Config.Stacks m = mode;
    if (m == Config.Stacks.OFF || (m == Config.Stacks.SAMPLED && !admit(System.nanoTime()))) {
      return UNKNOWN;
    }
    return capture();
  }

  /** The user's frame, always (for rare events such as creating a client). "unknown" with stacks=off. */
  public static String always() {
    return mode == Config.Stacks.OFF ? UNKNOWN : capture();
  }

  /** Up to {@code max} frames starting at the user's frame, for findings that show a stack. */
  public static String[] stack(int max) {
    if (mode == Config.Stacks.OFF) return new String[0];
    List<String> frames = WALKER.walk(s -> s.dropWhile(f -> internal(f.getClassName())).limit(max)
        .map(CallSite::format).collect(Collectors.toList()));
    return frames.toArray(new String[0]);
  }

  /**
   * {@code thread}'s current stack down to its first user frame and two more (where it waits, and
   * who asked), at most {@code max} frames.
   */
  public static String[] stackOf(Thread thread, int max) {
    StackTraceElement[] all = thread.getStackTrace();
    int end = all.length;
    for (int i = 0; i < all.length; i++) {
      if (!internal(all[i].getClassName())) {
        end = Math.min(all.length, i + 3);
        break;
      }
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < end && out.size() < max; i++) out.add(all[i].toString());
    return out.toArray(new String[0]);
  }

  static String capture() {
    return WALKER.walk(s -> s.filter(f -> !internal(f.getClassName())).findFirst().map(CallSite::format)
        .orElse("(no frame outside the JDK and httpdiag)"));
  }

  /** GCRA token bucket: allow if the schedule is not more than a burst ahead of now. */
  static boolean admit(long now) {
    while (true) {
      long tat = theoreticalArrival.get();
      long start = Math.max(tat, now - BURST_NANOS);
      if (start - now > 0) return false;
      if (theoreticalArrival.compareAndSet(tat, start + INTERVAL_NANOS)) return true;
    }
  }

  private static String format(StackWalker.StackFrame f) {
    String cls = f.getClassName();
    return cls + "." + f.getMethodName() + "(" + (f.getFileName() == null ? "Unknown Source" : f.getFileName())
        + (f.getLineNumber() > 0 ? ":" + f.getLineNumber() : "") + ")";
  }

  /** Whether a formatted frame ({@code cls.method(File.java:N)}) is the JDK's, ours or core-transport's. */
  public static boolean isInternalFrame(String frame) {
    int paren = frame.indexOf('(');
    String qualified = paren < 0 ? frame : frame.substring(0, paren);
    int dot = qualified.lastIndexOf('.');
    return internal(dot < 0 ? qualified : qualified.substring(0, dot));
  }

  /**
   * The servlet containers (Tomcat, Jetty), the servlet API and Spring MVC's dispatch: a handler's
   * first frame outside them is the application's servlet, handler or controller method.
   */
  static boolean serverFramework(String className) {
    return className.startsWith("org.apache.catalina.") || className.startsWith("org.apache.coyote.")
        || className.startsWith("org.apache.tomcat.") || className.startsWith("org.eclipse.jetty.")
        || className.startsWith("jakarta.servlet.") || className.startsWith("org.springframework.web.servlet.")
        || className.startsWith("org.springframework.web.method.");
  }

  /**
   * Frames that are not the user's: the JDK, ByteBuddy, the agent's own packages, core-transport and
   * the other instrumented HTTP libraries.
   */
  static boolean internal(String className) {
    if (className.startsWith("java.") || className.startsWith("javax.") || className.startsWith("jdk.")
        || className.startsWith("sun.") || className.startsWith("com.sun.") || className.startsWith("net.bytebuddy.")) {
      return true;
    }
    if (className.startsWith("okhttp3.") || className.startsWith("okio.") || className.startsWith("kotlin.")
        || className.startsWith("org.apache.hc.") || className.startsWith("org.apache.http.")) {
      return true; // the instrumented HTTP libraries themselves (OkHttp, Apache HttpClient 5 and 4)
    }
    if (serverFramework(className)) return true;
    if (!className.startsWith("io.httpdiag.")) return false;
    int dot = className.lastIndexOf('.');
    String pkg = dot < 0 ? "" : className.substring(0, dot);
    switch (pkg) {
      case "io.httpdiag.http":
      case "io.httpdiag.http.internal":
      case "io.httpdiag.agent":
      case "io.httpdiag.agent.runtime":
      case "io.httpdiag.agent.instrument":
      case "io.httpdiag.agent.detect":
      case "io.httpdiag.agent.report":
      case "io.httpdiag.junit":
        return true;
      default:
        // One package per instrumented library under instrument (their adapters run on the user's thread).
        return pkg.startsWith("io.httpdiag.agent.shaded") || pkg.startsWith("io.httpdiag.agent.instrument.");
    }
  }
}
