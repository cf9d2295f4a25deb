package io.httpdiag.agent.runtime;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;

/**
 * The GC backstop for response bodies never closed: a weak reference to the body object the caller
 * holds (core-transport's response body stream), kept on the exchange's state while the exchange is
 * in flight. A body that becomes unreachable before it ended is enqueued, and the detectors' sweeper
 * ({@link Events#pollCollectedBodies}) ends its exchange as collected. Bounded by the exchanges in
 * flight ({@code max.exchanges}): one reference each, cleared when the exchange ends.
 */
final class BodyWatch extends WeakReference<Object> {
  private static final ReferenceQueue<Object> queue = new ReferenceQueue<>();
  final long exchangeId;

  BodyWatch(Object body, long exchangeId) {
    super(body, queue);
    this.exchangeId = exchangeId;
  }

  /** The next body collected while still watched, or null. Never blocks. */
  static BodyWatch poll() {
    return (BodyWatch) queue.poll();
  }
}
