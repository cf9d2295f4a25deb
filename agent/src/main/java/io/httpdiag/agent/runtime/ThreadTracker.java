package io.httpdiag.agent.runtime;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Threads (platform or virtual) the application started while a core-transport handler ran, or
 * while a client exchange (core-transport or JDK HttpClient) was in flight on the calling thread, so
 * the detectors can report the ones still alive well after the handler returned or the exchange
 * ended. {@code Thread.start} is advised; the advice calls {@link #starting}, which costs one
 * ThreadLocal read outside such a scope.
 *
 * <p>A client exchange's scope is the calling thread from the exchange's start (send, sendAsync,
 * roundTrip) until the exchange ends (body read to the end or closed, or failure), wherever it ends.
 * Threads the transports start for themselves inside a scope (the JDK HttpClient's SelectorManager
 * and executor threads, core-transport's timer and connection threads, ...), pool workers of a
 * {@code ForkJoinPool} (the common pool, virtual-thread carriers) and threads started by JDK code
 * with no application frame in between are not the application's and are not tracked: see
 * {@link #notTheApplications}. Threads are held weakly; at most {@value #MAX_TRACKED} are tracked
 * (more are counted in {@link #dropped}).
 */
public final class ThreadTracker {
  public static final int MAX_TRACKED = 4096;
  public static final AtomicLong dropped = new AtomicLong();
  private static final ThreadLocal<Scope> current = new ThreadLocal<>();
  private static final ConcurrentLinkedQueue<Started> tracked = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger size = new AtomicInteger();
  private static final StackWalker WALKER = StackWalker.getInstance();
  static volatile boolean enabled;

  private ThreadTracker() {}

  /** One thread started inside a scope. */
  public static final class Started {
    public final WeakReference<Thread> thread;
    public final long exchangeId;
    public final String request;
    public final String callSite;
    public final boolean virtual;
    /** Started during a client exchange (else while a server handler ran). */
    public final boolean client;
    /** System.nanoTime() when the handler returned or the client exchange ended; 0 until then. */
    public volatile long handlerEndNanos;
    public volatile boolean reported;

    Started(Thread t, Scope s, String callSite) {
      this.thread = new WeakReference<>(t);
      this.exchangeId = s.exchangeId;
      this.request = s.request();
      this.callSite = callSite;
      this.virtual = isVirtual(t);
      this.client = s.client;
    }
  }

  /** A handler running, or a client exchange in flight, on one thread; the innermost is current. */
  static final class Scope {
    final long exchangeId;
    // "METHOD url" is built only when a thread is started in the scope: a scope opens per exchange.
    private final String method;
    private final String url; // the target, for a handler
    final boolean client;
    final Scope parent;
    /** Guarded by this; null until a thread starts in the scope (most scopes: never, one per exchange). */
    List<Started> started;
    volatile boolean ended;

    Scope(long exchangeId, String method, String url, boolean client, Scope parent) {
      this.exchangeId = exchangeId;
      this.method = method;
      this.url = url;
      this.client = client;
      this.parent = parent;
    }

    String request() {
      return method + " " + url;
    }

    /** Ends the scope (from any thread): its threads' age counts from now. */
    void end() {
      long now = System.nanoTime();
      synchronized (this) {
        ended = true;
        if (started != null) for (Started s : started) s.handlerEndNanos = now;
      }
    }
  }

  /**
   * Handed over at wiring time while {@code Thread} still lacks its advice (the agent instruments
   * lazily); the first scope to open runs it, once, before the code in that scope can start a thread.
   */
  private static volatile Runnable beforeFirstScope;

  /** Wiring (once, by {@link Events#install}): whether threads are tracked, and the first-scope hook (or null). */
  static void install(boolean on, Runnable firstScopeHook) {
    beforeFirstScope = firstScopeHook;
    enabled = on;
  }

  private static void prepare() {
    if (beforeFirstScope == null) return;
    synchronized (ThreadTracker.class) {
      Runnable r = beforeFirstScope;
      beforeFirstScope = null;
      if (r != null) r.run();
    }
  }

  static void handlerStart(long exchangeId, String method, String target) {
    if (enabled) prepare();
    if (enabled) current.set(new Scope(exchangeId, method, target, false, live(current.get())));
  }

  static void handlerEnd(long exchangeId) {
    for (Scope s = current.get(); s != null; s = s.parent) {
      if (!s.client && s.exchangeId == exchangeId) {
        s.end();
        Scope outer = live(s.parent);
        if (outer == null) current.remove(); else current.set(outer);
        return;
      }
    }
  }

  /** A client exchange starts on this thread: returns its scope (to end with {@link #clientEnd}), or null. */
  static Object clientStart(long exchangeId, String method, String url) {
    if (!enabled) return null;
    prepare();
    Scope s = new Scope(exchangeId, method, url, true, live(current.get()));
    current.set(s);
    return s;
  }

  /** The client exchange of {@code scope} ended (on any thread). */
  static void clientEnd(Object scope) {
    if (scope instanceof Scope) ((Scope) scope).end();
  }

  /** Advice on {@code Thread.start}: records {@code t} when a scope is open on the calling thread. Never throws. */
  public static void starting(Thread t) {
    try {
      if (!enabled) return;
      Scope open = current.get();
      if (open == null) return;
      Scope h = live(open);
      if (h != open) {
        if (h == null) current.remove(); else current.set(h);
        if (h == null) return;
      }
      if (t instanceof ForkJoinWorkerThread) return; // common pool workers, virtual-thread carriers
      // JDK 19+: a ForkJoinPool's timer thread (the common pool's serves CompletableFuture.orTimeout),
      // started lazily by the first delayed task: the pool's, like its workers
      if (t.getClass().getName().equals("java.util.concurrent.DelayScheduler")) return;
      synchronized (h) {
        if (h.started != null) {
          for (Started s : h.started) {
            if (s.thread.get() == t) return; // start() delegating to start(container): once is enough
          }
        }
      }
      if (WALKER.walk(frames -> notTheApplications(frames.map(f -> f.getClassName())::iterator))) return;
      if (size.get() >= MAX_TRACKED) {
        dropped.incrementAndGet();
        return;
      }
      Started s = new Started(t, h, CallSite.always());
      synchronized (h) {
        if (h.ended) return; // ended meanwhile (from another thread)
        if (h.started == null) h.started = new ArrayList<>(2);
        h.started.add(s);
      }
      tracked.add(s);
      size.incrementAndGet();
    } catch (Throwable e) {
      Counters.failure(e);
    }
  }

  /**
   * Whether a thread start whose stack (innermost frame first) is {@code classNames} is not the
   * application's: the first frame that decides is either a transport's (core-transport, the JDK
   * HttpClient, HttpURLConnection: their own threads) or the application's; JDK and agent frames in
   * between (Thread, executors, reflection, builders) are skipped. No application frame at all: a
   * JDK service thread, not the application's either.
   */
  static boolean notTheApplications(Iterable<String> classNames) {
    for (String cls : classNames) {
      if (transport(cls)) return true;
      if (!CallSite.internal(cls)) return false;
    }
    return true;
  }

  /**
   * Frames whose threads are not the application's: the transports' own, and the JDK's shared timer of
   * {@code CompletableFuture.orTimeout}/{@code completeOnTimeout} (JDK 17-18: one JVM-wide thread,
   * started by the first delayed task, e.g. a client library's read timeout during a request).
   */
  private static boolean transport(String cls) {
    return cls.startsWith("io.httpdiag.http.") || cls.startsWith("jdk.internal.net.http.")
        // the agent's own threads (httpdiag-jmx starts on a library's first use, maybe inside a request);
        // not all agent frames: the tracker's own frames are innermost in every start it judges
        || cls.startsWith("io.httpdiag.agent.jmx.") || cls.equals("io.httpdiag.agent.instrument.WarmUp")
        || cls.startsWith("java.net.http.") || cls.startsWith("sun.net.")
        || cls.equals("java.util.concurrent.CompletableFuture$Delayer")
        || cls.startsWith("okhttp3.") || cls.startsWith("okio.") // OkHttp's TaskRunner, Okio's Watchdog
        || container(cls);
  }

  /** The servlet containers start their own threads (workers, pollers, async timeouts): never the application's. */
  private static boolean container(String cls) {
    return cls.startsWith("org.apache.catalina.") || cls.startsWith("org.apache.coyote.")
        || cls.startsWith("org.apache.tomcat.") || cls.startsWith("org.eclipse.jetty.");
  }

  /** {@code s} or its innermost enclosing scope that has not ended. */
  private static Scope live(Scope s) {
    while (s != null && s.ended) s = s.parent;
    return s;
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
