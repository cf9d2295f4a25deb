package io.httpdiag.agent.instrument.apache5;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A CloseableHttpClient watched weakly, so that one dropped without {@code close()} (its pool's
 * connections stay open until then) is reported with the line that built it. At most
 * {@value #MAX_WATCHED} at once (more are counted in {@link #dropped}); a closed client is forgotten.
 */
final class Apache5ClientWatch extends WeakReference<Object> {
  static final int MAX_WATCHED = 4096;
  static final AtomicLong dropped = new AtomicLong();
  private static final ReferenceQueue<Object> queue = new ReferenceQueue<>();
  /** Keeps the references themselves reachable until they are enqueued or closed. */
  private static final Set<Apache5ClientWatch> live = ConcurrentHashMap.newKeySet();

  final String name;
  final String callSite;

  private Apache5ClientWatch(Object client, String name, String callSite) {
    super(client, queue);
    this.name = name;
    this.callSite = callSite;
  }

  /** Watches {@code client}; null when full. */
  static Apache5ClientWatch watch(Object client, String name, String callSite) {
    if (live.size() >= MAX_WATCHED) {
      dropped.incrementAndGet();
      return null;
    }
    Apache5ClientWatch w = new Apache5ClientWatch(client, name, callSite);
    live.add(w);
    return w;
  }

  /** Closed by its owner: stop watching. */
  void closed() {
    live.remove(this);
    clear();
  }

  /** Whether this enqueued client was still watched (never closed); forgets it. */
  boolean unclosed() {
    return live.remove(this);
  }

  /** The next client collected while watched, or null. Never blocks. */
  static Apache5ClientWatch poll() {
    return (Apache5ClientWatch) queue.poll();
  }
}
