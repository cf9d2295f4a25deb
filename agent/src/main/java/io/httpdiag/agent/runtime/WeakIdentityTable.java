package io.httpdiag.agent.runtime;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded map from objects the agent sees (JDK HttpClient internals) to the agent's state about
 * them, by identity and weakly: an entry goes away when its key is collected, and expunging runs on
 * every put. Never holds a user object strongly. At most {@code max} entries; puts beyond that are
 * counted in {@link #dropped} and ignored. Thread-safe, never blocks. Not final only so that the
 * fault-safety test can substitute one that throws.
 *
 * <p>Hot: the JDK HttpClient's adapter puts about four keys per exchange and looks them up on
 * every hook. A lookup allocates nothing (no lookup key) and takes no lock; a put allocates the weak
 * reference alone, which is the entry (no map node). A fixed number of buckets (at most
 * {@value #MAX_BUCKETS}; more entries make longer chains), a lock per stripe of buckets for puts and
 * removals. Lookups are weakly consistent, like {@code ConcurrentHashMap}'s.
 *
 * <p>Keys put with {@code owner = true} report their collection to {@link Expunged} (the JDK runtime
 * ends the exchange of a collected {@code MultiExchange} whose end it never saw).
 */
public class WeakIdentityTable {
  /** Told about owner keys that were collected. */
  public interface Expunged {
    void expunged(Object value);
  }

  static final int MAX_BUCKETS = 4096;
  private static final int STRIPES = 64;

  public final AtomicLong dropped = new AtomicLong();
  private final AtomicReferenceArray<Key> buckets;
  private final int mask;
  private final Object[] locks = new Object[STRIPES];
  private final LongAdder size = new LongAdder();
  private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
  private final int max;
  private final Expunged expunged;

  /** At most {@code max} entries; {@code expunged} is told about collected owner keys (null: no one). */
  public WeakIdentityTable(int max, Expunged expunged) {
    this(max, Math.min(MAX_BUCKETS, max), expunged);
  }

  /** With {@code buckets} buckets (rounded up to a power of two, at least {@value #STRIPES}): tests share them. */
  WeakIdentityTable(int max, int buckets, Expunged expunged) {
    this.max = max;
    this.expunged = expunged;
    int n = Integer.highestOneBit(Math.max(STRIPES, buckets - 1) << 1);
    this.buckets = new AtomicReferenceArray<>(n);
    this.mask = n - 1;
    for (int i = 0; i < STRIPES; i++) locks[i] = new Object();
  }

  private int index(int identityHash) {
    return (identityHash ^ (identityHash >>> 16)) & mask;
  }

  private Object lock(int index) {
    return locks[index & (STRIPES - 1)];
  }

  /** The value for {@code key}, or null. Allocates nothing, takes no lock. */
  public Object get(Object key) {
    if (key == null) return null;
    for (Key k = buckets.get(index(System.identityHashCode(key))); k != null; k = k.next) {
      if (k.get() == key) return k.value;
    }
    return null;
  }

  /**
   * Associates {@code value} with {@code key} (a key already present keeps its {@code owner} flag);
   * false when the table is full (counted as dropped).
   */
  public boolean put(Object key, Object value, boolean owner) {
    if (key == null || value == null) return false;
    expunge();
    int hash = System.identityHashCode(key);
    int i = index(hash);
    synchronized (lock(i)) {
      for (Key k = buckets.get(i); k != null; k = k.next) {
        if (k.get() == key) {
          k.value = value;
          return true;
        }
      }
      if (size.sum() >= max) {
        dropped.incrementAndGet();
        return false;
      }
      buckets.set(i, new Key(key, queue, owner, hash, value, buckets.get(i)));
      size.increment();
    }
    return true;
  }

  public void remove(Object key) {
    if (key == null) return;
    int i = index(System.identityHashCode(key));
    synchronized (lock(i)) {
      for (Key k = buckets.get(i); k != null; k = k.next) {
        if (k.get() == key) {
          if (unlink(i, k)) size.decrement();
          k.clear(); // removed by hand: nothing to expunge once the key is collected
          return;
        }
      }
    }
  }

  public int size() {
    return (int) size.sum();
  }

  /** Removes the entries of collected keys. */
  public void expunge() {
    Object polled;
    while ((polled = queue.poll()) != null) {
      Key k = (Key) polled;
      int i = index(k.hash);
      boolean removed;
      synchronized (lock(i)) {
        removed = unlink(i, k);
        if (removed) size.decrement();
      }
      if (removed && k.owner && expunged != null) expunged.expunged(k.value);
    }
  }

  /** Under bucket {@code i}'s lock: unlinks {@code k} (by identity); whether it was there. */
  private boolean unlink(int i, Key k) {
    Key prev = null;
    for (Key n = buckets.get(i); n != null; prev = n, n = n.next) {
      if (n != k) continue;
      if (prev == null) buckets.set(i, n.next); else prev.next = n.next; // n keeps its next: readers on it go on
      return true;
    }
    return false;
  }

  /** An entry: the weak reference to its key, the value, and the next entry of its bucket. */
  private static final class Key extends WeakReference<Object> {
    final int hash;
    final boolean owner;
    /** Written under the bucket's lock. */
    volatile Object value;
    /** Written under the bucket's lock; read without it. */
    volatile Key next;

    Key(Object referent, ReferenceQueue<Object> q, boolean owner, int hash, Object value, Key next) {
      super(referent, q);
      this.hash = hash;
      this.owner = owner;
      this.value = value;
      this.next = next;
    }
  }
}
