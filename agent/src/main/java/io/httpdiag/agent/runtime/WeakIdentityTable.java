package io.httpdiag.agent.runtime;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded map from objects the agent sees (JDK HttpClient internals) to the agent's state about
 * them, by identity and weakly: an entry goes away when its key is collected, and expunging runs on
 * every put. Never holds a user object strongly. At most {@code max} entries; puts beyond that are
 * counted in {@link #dropped} and ignored. Thread-safe, never blocks. Not final only so that the
 * fault-safety test can substitute one that throws.
 *
 * <p>Keys put with {@code owner = true} report their collection to {@link Expunged} (the JDK runtime
 * ends the exchange of a collected {@code MultiExchange} whose end it never saw).
 */
public class WeakIdentityTable {
  /** Told about owner keys that were collected. */
  public interface Expunged {
    void expunged(Object value);
  }

  public final AtomicLong dropped = new AtomicLong();
  private final ConcurrentHashMap<Object, Object> map = new ConcurrentHashMap<>();
  private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
  private final int max;
  private final Expunged expunged;

  public WeakIdentityTable(int max, Expunged expunged) {
    this.max = max;
    this.expunged = expunged;
  }

  /** The value for {@code key}, or null. */
  public Object get(Object key) {
    if (key == null) return null;
    return map.get(new Lookup(key));
  }

  /** Associates {@code value} with {@code key}; false when the table is full (counted as dropped). */
  public boolean put(Object key, Object value, boolean owner) {
    if (key == null || value == null) return false;
    expunge();
    if (map.size() >= max) {
      dropped.incrementAndGet();
      return false;
    }
    map.put(new Key(key, queue, owner), value);
    return true;
  }

  public void remove(Object key) {
    if (key != null) map.remove(new Lookup(key));
  }

  public int size() {
    return map.size();
  }

  /** Removes the entries of collected keys. */
  public void expunge() {
    Object k;
    while ((k = queue.poll()) != null) {
      Object v = map.remove(k);
      if (v != null && ((Key) k).owner && expunged != null) expunged.expunged(v);
    }
  }

  private static final class Key extends WeakReference<Object> {
    final int hash;
    final boolean owner;

    Key(Object referent, ReferenceQueue<Object> q, boolean owner) {
      super(referent, q);
      this.hash = System.identityHashCode(referent);
      this.owner = owner;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      if (o == this) return true;
      Object mine = get();
      if (mine == null) return false;
      if (o instanceof Key) return ((Key) o).get() == mine;
      if (o instanceof Lookup) return ((Lookup) o).referent == mine;
      return false;
    }
  }

  /** A short-lived strong key for lookups. */
  private static final class Lookup {
    final Object referent;
    final int hash;

    Lookup(Object referent) {
      this.referent = referent;
      this.hash = System.identityHashCode(referent);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key ? ((Key) o).get() == referent : o instanceof Lookup && ((Lookup) o).referent == referent;
    }
  }
}
