package io.httpdiag.http;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The large buffers a server connection needs only while it serves a request (Go's bufio pools):
 * taken when a request's first bytes arrive, given back when the connection goes idle, so that an
 * idle keep-alive connection holds a small read buffer and no 8 KiB ones. A bounded set of slots
 * shared by the server's connections: an empty pool allocates, a full one drops what is given back
 * (the garbage collector takes it), so memory held idle is at most {@code capacity} sets.
 *
 * <p>Thread-safe and lock-free; no allocation when a set is available.
 */
final class ServerBuffers {
  /** Size of each buffer: a request head read in one go, a small response body sent with its head. */
  static final int SIZE = 8192;

  private final AtomicReferenceArray<Bundle> slots;

  /** A pool holding at most {@code capacity} sets while they are not in use. */
  ServerBuffers(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity < 1: " + capacity);
    }
    slots = new AtomicReferenceArray<>(capacity);
  }

  /** Sized for the connections that can be busy at once: a few per processor. */
  static ServerBuffers forThisMachine() {
    return new ServerBuffers(Math.min(256, 8 * Runtime.getRuntime().availableProcessors()));
  }

  /** A set of buffers for connection {@code connectionId}; its first probe is that connection's slot. */
  Bundle take(long connectionId) {
    int n = slots.length();
    int start = (int) Math.floorMod(connectionId, (long) n);
    for (int i = 0; i < n; i++) {
      int slot = start + i < n ? start + i : start + i - n;
      Bundle s = slots.get(slot);
      if (s != null && slots.compareAndSet(slot, s, null)) {
        return s;
      }
    }
    return new Bundle();
  }

  /** Gives {@code s} back; the caller no longer touches its arrays. */
  void release(long connectionId, Bundle s) {
    int n = slots.length();
    int start = (int) Math.floorMod(connectionId, (long) n);
    for (int i = 0; i < n; i++) {
      int slot = start + i < n ? start + i : start + i - n;
      if (slots.get(slot) == null && slots.compareAndSet(slot, null, s)) {
        return;
      }
    }
  }

  /** Sets held by the pool now (for tests and statistics). */
  int pooled() {
    int count = 0;
    for (int i = 0; i < slots.length(); i++) {
      if (slots.get(i) != null) {
        count++;
      }
    }
    return count;
  }

  /** One connection's buffers: reading the request, buffering the response's output and its body. */
  static final class Bundle {
    final byte[] read = new byte[SIZE];
    final byte[] write = new byte[SIZE];
    final byte[] body = new byte[SIZE];
  }
}
