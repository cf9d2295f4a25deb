package io.httpdiag.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LongTableTest {
  /** Ids as the runtime makes them: a library's range in the high bits, a sequence below. */
  private static final long RANGE = 3L << 56;

  @Test
  void putGetRemoveByKeyAndByValue() {
    LongTable<String> t = new LongTable<>(64);
    // More entries than buckets: chains of several nodes, removed from their head, middle and tail.
    for (long i = 1; i <= 1000; i++) t.put(RANGE + i, "v" + i);
    assertEquals(1000, t.size());
    for (long i = 1; i <= 1000; i++) assertEquals("v" + i, t.get(RANGE + i));
    assertNull(t.get(RANGE + 1001));
    assertNull(t.get(1));
    String v7 = t.get(RANGE + 7);
    assertFalse(t.remove(RANGE + 7, new String("v7")), "values are compared by identity");
    assertTrue(t.remove(RANGE + 7, v7));
    assertFalse(t.containsKey(RANGE + 7));
    for (long i = 2; i <= 1000; i += 2) assertEquals("v" + i, t.remove(RANGE + i));
    assertNull(t.remove(RANGE + 2));
    assertEquals(1000 - 500 - 1, t.size());
    for (long i = 1; i <= 1000; i++) {
      if (i % 2 == 0 || i == 7) assertNull(t.get(RANGE + i), "removed " + i);
      else assertEquals("v" + i, t.get(RANGE + i), "kept " + i);
    }
    t.put(RANGE + 1, "replaced");
    assertEquals("replaced", t.get(RANGE + 1));
    assertEquals(499, t.size());
    Set<String> seen = new HashSet<>();
    t.forEach(seen::add);
    assertEquals(499, seen.size());
    assertTrue(seen.contains("replaced") && !seen.contains("v1"));
    assertSame(t.get(RANGE + 3), t.computeIfAbsent(RANGE + 3, k -> "not made"));
    assertEquals("made " + (RANGE + 2), t.computeIfAbsent(RANGE + 2, k -> "made " + k));
    assertEquals(500, t.size());
    t.clear();
    assertEquals(0, t.size());
    assertNull(t.get(RANGE + 3));
  }

  /**
   * Writers insert and remove their own keys while readers look up keys that stay in the table
   * throughout: a lock-free lookup must never miss an entry that is present (the runtime would drop
   * an exchange's steps), whatever is unlinked around it in the same chain.
   */
  @Test
  void lookupsNeverMissAnEntryWhileNeighboursComeAndGo() throws Exception {
    LongTable<Long> t = new LongTable<>(64); // few buckets: every chain is shared
    int stable = 256;
    for (long i = 0; i < stable; i++) t.put(RANGE + i * 2, i);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    long deadline = System.nanoTime() + 1_000_000_000L;
    for (int w = 0; w < 1; w++) {
      long base = RANGE + 1 + w * 1_000_000L * 2;
      threads.add(new Thread(() -> {
        long k = base;
        while (System.nanoTime() < deadline && failure.get() == null) {
          for (int j = 0; j < 512; j++) t.put(k + j * 2, 0L);
          for (int j = 0; j < 512; j++) {
            if (t.remove(k + j * 2) == null) failure.compareAndSet(null, new AssertionError("lost " + (k + j * 2)));
          }
          k += 1024;
        }
      }));
    }
    for (int r = 0; r < 1; r++) {
      threads.add(new Thread(() -> {
        while (System.nanoTime() < deadline && failure.get() == null) {
          for (long i = 0; i < stable; i++) {
            Long v = t.get(RANGE + i * 2);
            if (v == null || v != i) failure.compareAndSet(null, new AssertionError("missed " + i + ": " + v));
          }
        }
      }));
    }
    for (Thread th : threads) th.start();
    for (Thread th : threads) th.join();
    if (failure.get() != null) throw new AssertionError(failure.get());
    assertEquals(stable, t.size());
  }
}
