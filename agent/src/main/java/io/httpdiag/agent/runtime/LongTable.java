package io.httpdiag.agent.runtime;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * A concurrent map from {@code long} keys to values, for the runtime's tables looked up on every
 * step of every exchange (exchanges in flight, pooled connections). A {@code ConcurrentHashMap<Long, V>}
 * boxes the key on each lookup (ids are beyond {@code Long}'s cache): about ten 16-byte {@code Long}s
 * per exchange. Here a lookup allocates nothing and an insert allocates one node.
 *
 * <p>Fixed number of buckets, chosen at construction and never resized: the runtime's tables are
 * bounded by a cap checked before each insert, so the number of buckets is sized to the default cap;
 * a larger cap only makes chains longer. Lookups and {@link #forEach} are lock-free and weakly
 * consistent (like {@code ConcurrentHashMap}'s): a lookup sees every entry inserted before it began
 * and not removed since. Inserts and removals lock one of {@value #STRIPES} stripes. Values are
 * compared by identity. Thread-safe. Not final only so that the fault-safety test can make
 * {@link #get} throw.
 */
public class LongTable<V> {
  private static final int STRIPES = 64;

  private static final class Node<V> {
    final long key;
    final V value;
    /** Written under the bucket's stripe lock; read without it. A removed node keeps its next. */
    volatile Node<V> next;

    Node(long key, V value, Node<V> next) {
      this.key = key;
      this.value = value;
      this.next = next;
    }
  }

  private final AtomicReferenceArray<Node<V>> buckets;
  private final int shift;
  private final Object[] locks = new Object[STRIPES];
  private final LongAdder size = new LongAdder();

  /** A table of {@code buckets} buckets (rounded up to a power of two, at least {@value #STRIPES}). */
  public LongTable(int buckets) {
    int n = Integer.highestOneBit(Math.max(STRIPES, buckets - 1) << 1);
    this.buckets = new AtomicReferenceArray<>(n);
    this.shift = 64 - Integer.numberOfTrailingZeros(n);
    for (int i = 0; i < STRIPES; i++) locks[i] = new Object();
  }

  /** Fibonacci hashing: ids are sequential within a range that sits in the high bits. */
  private int index(long key) {
    return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
  }

  /** The value of {@code key}, or null. Allocates nothing. */
  public V get(long key) {
    for (Node<V> n = buckets.get(index(key)); n != null; n = n.next) {
      if (n.key == key) return n.value;
    }
    return null;
  }

  public boolean containsKey(long key) {
    return get(key) != null;
  }

  /** Maps {@code key} to {@code value} (non-null), replacing any earlier value. */
  public void put(long key, V value) {
    int i = index(key);
    synchronized (locks[i & (STRIPES - 1)]) {
      if (unlink(i, key, null) == null) size.increment();
      buckets.set(i, new Node<>(key, value, buckets.get(i)));
    }
  }

  /** The value of {@code key}, made by {@code make} (under the stripe's lock) when there is none. */
  public V computeIfAbsent(long key, LongFunction<V> make) {
    V v = get(key);
    if (v != null) return v;
    int i = index(key);
    synchronized (locks[i & (STRIPES - 1)]) {
      for (Node<V> n = buckets.get(i); n != null; n = n.next) {
        if (n.key == key) return n.value;
      }
      v = make.apply(key);
      if (v == null) return null;
      buckets.set(i, new Node<>(key, v, buckets.get(i)));
      size.increment();
      return v;
    }
  }

  /** Removes {@code key}'s entry; returns its value, or null when there was none. */
  public V remove(long key) {
    int i = index(key);
    synchronized (locks[i & (STRIPES - 1)]) {
      V v = unlink(i, key, null);
      if (v != null) size.decrement();
      return v;
    }
  }

  /** Removes {@code key}'s entry only while it maps to {@code value} (identity); returns whether it did. */
  public boolean remove(long key, V value) {
    int i = index(key);
    synchronized (locks[i & (STRIPES - 1)]) {
      if (unlink(i, key, value) == null) return false;
      size.decrement();
      return true;
    }
  }

  /** Under the stripe lock: unlinks {@code key}'s node (only if its value is {@code only}, when given). */
  private V unlink(int i, long key, V only) {
    Node<V> prev = null;
    for (Node<V> n = buckets.get(i); n != null; prev = n, n = n.next) {
      if (n.key != key) continue;
      if (only != null && n.value != only) return null;
      if (prev == null) buckets.set(i, n.next); else prev.next = n.next;
      return n.value;
    }
    return null;
  }

  /** Entries now (exact when no insert or removal runs concurrently). */
  public int size() {
    return (int) size.sum();
  }

  /** Calls {@code action} for every value. Weakly consistent; allocates nothing but the caller's lambda. */
  public void forEach(Consumer<? super V> action) {
    for (int i = 0, n = buckets.length(); i < n; i++) {
      for (Node<V> e = buckets.get(i); e != null; e = e.next) action.accept(e.value);
    }
  }

  /** Removes every entry. */
  public void clear() {
    for (int i = 0, n = buckets.length(); i < n; i++) {
      synchronized (locks[i & (STRIPES - 1)]) {
        for (Node<V> e = buckets.get(i); e != null; e = e.next) size.decrement();
        buckets.set(i, null);
      }
    }
  }
}
