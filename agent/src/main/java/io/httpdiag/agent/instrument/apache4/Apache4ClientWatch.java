package io.httpdiag.agent.instrument.apache4;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A CloseableHttpClient watched weakly, so that one dropped without {@code close()} is reported with the
 * line that built it: until the collector reclaims it, its pool keeps its connections open (and a
 * builder-made client with eviction on keeps its evictor thread). At most {@value #MAX_WATCHED} at once
 * (more are counted in {@link #dropped}); a closed client is forgotten at once.
 */
final class Apache4ClientWatch extends WeakReference<Object> {
  static final int MAX_WATCHED = 4096;
  static final AtomicLong dropped = new AtomicLong();
  private static final ReferenceQueue<Object> queue = new ReferenceQueue<>();
  /** Keeps the references themselves reachable until they are enqueued or closed. */
  private static final Set<Apache4ClientWatch> live = ConcurrentHashMap.newKeySet();

  final String name;
  final String callSite;
  private volatile boolean closed;

  private Apache4ClientWatch(Object client, String name, String callSite) {
    super(client, queue);
    this.name = name;
    this.callSite = callSite;
  }

  /** Watches {@code client}; null when full. */
  static Apache4ClientWatch watch(Object client, String name, String callSite) {
    if (live.size() >= MAX_WATCHED) {
      dropped.incrementAndGet();
      return null;
    }
    Apache4ClientWatch w = new Apache4ClientWatch(client, name, callSite);
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
  static Apache4ClientWatch poll() {
    return (Apache4ClientWatch) queue.poll();
  }
}
