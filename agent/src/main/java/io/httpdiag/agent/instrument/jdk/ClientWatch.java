package io.httpdiag.agent.instrument.jdk;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A JDK HttpClient the user holds (the {@code HttpClientFacade}; its impl refers to it only weakly
 * and is kept running by its SelectorManager thread until it notices the facade is gone), watched
 * weakly so that a client dropped without {@code close()} can be reported with the line that built
 * it. Only on JDK 21+, where {@code close()} exists. At most {@value #MAX_WATCHED} clients are
 * watched at once (more are counted in {@link #dropped}); a closed client is forgotten at once.
 */
final class ClientWatch extends WeakReference<Object> {
  static final int MAX_WATCHED = 4096;
  static final AtomicLong dropped = new AtomicLong();
  private static final ReferenceQueue<Object> queue = new ReferenceQueue<>();
  /** Keeps the references themselves reachable until they are enqueued or closed. */
  private static final Set<ClientWatch> live = ConcurrentHashMap.newKeySet();
  private static final boolean closeExists = Runtime.version().feature() >= 21;

  final String name;
  final String callSite;
  private volatile boolean closed;

  private ClientWatch(Object facade, String name, String callSite) {
    super(facade, queue);
    this.name = name;
    this.callSite = callSite;
  }

  /** Watches {@code facade}; null on JDK 17-20 (no close() to ask for) or when full. */
  static ClientWatch watch(Object facade, String name, String callSite) {
    if (!closeExists) return null;
    if (live.size() >= MAX_WATCHED) {
      dropped.incrementAndGet();
      return null;
    }
    ClientWatch w = new ClientWatch(facade, name, callSite);
    live.add(w);
    return w;
  }

  /** Closed by its owner: nothing to report, stop watching. */
  void closed() {
    closed = true;
    live.remove(this);
    clear();
  }

  /** Whether this enqueued client was never closed (and forgets it). */
  boolean unclosed() {
    return live.remove(this) && !closed;
  }

  /** The next client collected while watched, or null. Never blocks. */
  static ClientWatch poll() {
    return (ClientWatch) queue.poll();
  }
}
