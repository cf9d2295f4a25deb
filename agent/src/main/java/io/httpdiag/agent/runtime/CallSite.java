package io.httpdiag.agent.runtime;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where in the user's code something happened: the first stack frame outside the JDK, the agent,
 * ByteBuddy, core-transport, the instrumented HTTP libraries and the HTTP frameworks above them
 * (Spring's RestClient, RestTemplate, WebClient and request factories, Boot's builders, Spring AOP and
 * CGLIB proxies, Feign, Retrofit, Reactor, and the prefixes of {@code callsite.skip}). When frameworks
 * were skipped, the one nearest the application's frame is named beside it:
 * {@code com.acme.Orders.load(Orders.java:42) via RestClient}. Walking the stack costs microseconds,
 * so per-exchange captures are rate-limited ({@code stacks=sampled}: a burst of 64, then 100 a second,
 * so a quiet service has every call site and a busy one pays a bounded cost); creations of clients and
 * servers, which are rare unless they are the bug, are always captured. Thread-safe.
 */
public final class CallSite {
  /** No call site: stacks=off, or the sample budget was spent. */
  public static final String UNKNOWN = "(call site not sampled)";
  static final String NO_USER_FRAME = "(no frame outside the JDK and httpdiag)";
  private static final long INTERVAL_NANOS = 10_000_000L; // 100 per second
  private static final long BURST_NANOS = 64 * INTERVAL_NANOS;
  private static final StackWalker WALKER = StackWalker.getInstance();
  /** One pass over the frames, stopping at the application's: a constant, so a capture allocates no lambda. */
  private static final Function<Stream<StackWalker.StackFrame>, String> FIRST_USER_FRAME = CallSite::firstUserFrame;
  private static final AtomicLong theoreticalArrival = new AtomicLong();
  private static volatile Config.Stacks mode = Config.Stacks.SAMPLED;

  private CallSite() {}

  static void configure(Config config) {
    mode = config.stacks;
    Frameworks.configure(config.callSiteSkip);
  }

  /**
   * From now on, captures the call site of every exchange ({@code stacks=sampled} becomes
   * {@code all}; {@code off} stays off). The leak assertions call it: a test report must name the
   * test's own line for each leak, and tests are not production.
   */
  public static void captureAll() {
    if (mode == Config.Stacks.SAMPLED) mode = Config.Stacks.ALL;
  }

  /**
   * The user's frame for a per-exchange event, subject to sampling, with the framework it went
   * through ({@code ... via RestClient}); {@link #UNKNOWN} when not taken.
   */
  public static String sampled() {
    Config.Stacks m = mode;
    if (m == Config.Stacks.OFF || (m == Config.Stacks.SAMPLED && !admit(System.nanoTime()))) {
      return UNKNOWN;
    }
    return capture();
  }

  /**
   * The user's frame, always (for rare events such as creating a client), with the framework it went
   * through. {@link #UNKNOWN} with stacks=off.
   */
  public static String always() {
    return mode == Config.Stacks.OFF ? UNKNOWN : capture();
  }

  /**
   * Up to {@code max} frames starting at the user's frame (frameworks skipped; from the first frame
   * outside the JDK and httpdiag when there is none), for findings that show a stack.
   */
  public static String[] stack(int max) {
    if (mode == Config.Stacks.OFF) return new String[0];
    List<StackWalker.StackFrame> frames = WALKER.walk(s -> s.collect(Collectors.toList()));
    int from = firstUser(frames.size(), i -> frames.get(i).getClassName());
    List<String> out = new ArrayList<>();
    for (int i = from; i < frames.size() && out.size() < max; i++) out.add(format(frames.get(i), null));
    return out.toArray(new String[0]);
  }

  /**
   * {@code thread}'s current stack down to its first user frame (frameworks skipped) and two more
   * (where it waits, and who asked), at most {@code max} frames.
   */
  public static String[] stackOf(Thread thread, int max) {
    StackTraceElement[] all = thread.getStackTrace();
    int user = firstUser(all.length, i -> all[i].getClassName());
    int end = user < all.length ? Math.min(all.length, user + 3) : all.length;
    List<String> out = new ArrayList<>();
    for (int i = 0; i < end && out.size() < max; i++) out.add(all[i].toString());
    return out.toArray(new String[0]);
  }

  static String capture() {
    return WALKER.walk(FIRST_USER_FRAME);
  }

  /**
   * The first application frame and the framework nearest it, or, if every frame is the JDK's, ours,
   * a library's or a framework's, the first that is not the JDK's, ours or a library's (the
   * framework's own line beats nothing). Allocates the stream's iterator and the result; the frame
   * objects are the walk's own, as before.
   */
  private static String firstUserFrame(Stream<StackWalker.StackFrame> frames) {
    StackWalker.StackFrame fallback = null;
    String nearestFramework = null;
    for (Iterator<StackWalker.StackFrame> it = frames.iterator(); it.hasNext(); ) {
      StackWalker.StackFrame f = it.next();
      String cls = f.getClassName();
      if (internal(cls)) continue;
      int kind = Frameworks.kind(cls);
      if (kind == Frameworks.APPLICATION) {
        return formatCached(f, nearestFramework == null ? null : Frameworks.name(nearestFramework));
      }
      if (fallback == null) fallback = f;
      if (kind == Frameworks.NAMED) nearestFramework = cls;
    }
    return fallback == null ? NO_USER_FRAME : formatCached(fallback, null);
  }

  /** Index of the first application frame; else of the first outside the JDK and ours; else {@code n}. */
  private static int firstUser(int n, IntFunction<String> classNameAt) {
    int fallback = n;
    for (int i = 0; i < n; i++) {
      String cls = classNameAt.apply(i);
      if (internal(cls)) continue;
      if (Frameworks.kind(cls) == Frameworks.APPLICATION) return i;
      if (fallback == n) fallback = i;
    }
    return fallback;
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

  /** {@code cls.method(File.java:N)}, then {@code " via " + via} unless null: one string built. */
  private static String format(StackWalker.StackFrame f, String via) {
    String cls = f.getClassName();
    return cls + "." + f.getMethodName() + "(" + (f.getFileName() == null ? "Unknown Source" : f.getFileName())
        + (f.getLineNumber() > 0 ? ":" + f.getLineNumber() : "") + ")" + (via == null ? "" : " via " + via);
  }

  /**
   * A call site's frame as the walk names it without resolving its file and line (the costly part).
   * By name, not by Class (a static map must not pin class loaders): two loaders' different builds
   * of one class would share the first one's line, a case not worth a Class reference.
   */
  private record FrameKey(String className, String methodName, int bci, String via) {}

  /** Formatted call sites: a service sends from a few lines, sampled 100 times a second. Bounded. */
  private static final java.util.concurrent.ConcurrentHashMap<FrameKey, String> FORMATTED =
      new java.util.concurrent.ConcurrentHashMap<>();
  static final int MAX_FORMATTED = 1024;

  /** {@link #format}, remembered per class, method, bytecode index and framework (at most {@link #MAX_FORMATTED}). */
  private static String formatCached(StackWalker.StackFrame f, String via) {
    FrameKey key = new FrameKey(f.getClassName(), f.getMethodName(), f.getByteCodeIndex(), via);
    String s = FORMATTED.get(key);
    if (s != null) return s;
    s = format(f, via);
    if (FORMATTED.size() < MAX_FORMATTED) FORMATTED.putIfAbsent(key, s);
    return s;
  }

  /**
   * Whether a formatted frame ({@code cls.method(File.java:N)}) is not the application's: the JDK's,
   * ours, core-transport's, an instrumented library's or a framework's (see {@link #framework}).
   */
  public static boolean isInternalFrame(String frame) {
    int paren = frame.indexOf('(');
    String qualified = paren < 0 ? frame : frame.substring(0, paren);
    int dot = qualified.lastIndexOf('.');
    String cls = dot < 0 ? qualified : qualified.substring(0, dot);
    return internal(cls) || framework(cls);
  }

  /**
   * Whether {@code className} belongs to an HTTP framework between the application and its client
   * (Spring's clients, factories and proxies, Feign, Retrofit, Reactor, or a {@code callsite.skip}
   * prefix): skipped when looking for the application's frame.
   */
  public static boolean framework(String className) {
    return Frameworks.kind(className) != Frameworks.APPLICATION;
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
