package io.httpdiag.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WeakIdentityTableTest {
  @Test
  void looksUpByIdentityNotEquality() {
    WeakIdentityTable t = new WeakIdentityTable(16, null);
    String a = new String("same");
    String b = new String("same");
    t.put(a, "A", false);
    assertEquals("A", t.get(a));
    assertNull(t.get(b), "an equal but distinct key is another key");
  }

  @Test
  void isBoundedAndCountsWhatItDropped() {
    WeakIdentityTable t = new WeakIdentityTable(2, null);
    Object k1 = new Object(), k2 = new Object(), k3 = new Object();
    assertTrue(t.put(k1, 1, false));
    assertTrue(t.put(k2, 2, false));
    assertFalse(t.put(k3, 3, false));
    assertEquals(1, t.dropped.get());
    assertNull(t.get(k3));
    assertSame(2, t.get(k2));
  }

  @Test
  void forgetsCollectedKeysAndReportsCollectedOwners() throws Exception {
    List<Object> expunged = new ArrayList<>();
    WeakIdentityTable t = new WeakIdentityTable(1000, expunged::add);
    for (int i = 0; i < 100; i++) t.put(new Object(), "owned" + i, i % 2 == 0);
    Object kept = new Object();
    t.put(kept, "kept", true);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (t.size() > 1) {
      if (System.nanoTime() > deadline) fail("collected keys still in the table: " + t.size());
      System.gc();
      t.expunge();
      Thread.onSpinWait();
    }
    assertEquals(50, expunged.size(), "owners only: " + expunged);
    assertEquals("kept", t.get(kept));
  }

  @Test
  void aKeyPutAgainKeepsOneEntryWithTheNewValueAndRemoveForgetsIt() {
    WeakIdentityTable t = new WeakIdentityTable(4, null);
    Object k = new Object();
    assertTrue(t.put(k, "first", false));
    assertTrue(t.put(k, "second", false));
    assertEquals(1, t.size());
    assertEquals("second", t.get(k));
    t.remove(k);
    assertNull(t.get(k));
    assertEquals(0, t.size());
  }

  /**
   * A writer puts and removes its own keys while a reader looks up keys that stay in the table
   * throughout: a lock-free lookup must never miss a key that is present, whatever is unlinked
   * around it in the same bucket (the JDK adapter would lose an exchange's steps).
   */
  @Test
  void lookupsNeverMissAKeyWhileNeighboursComeAndGo() throws Exception {
    WeakIdentityTable t = new WeakIdentityTable(1 << 20, 64, null); // 64 buckets: every bucket is shared
    Object[] stable = new Object[256];
    for (int i = 0; i < stable.length; i++) {
      stable[i] = new Object();
      t.put(stable[i], i, false);
    }
    WeakIdentityTable big = t;
    java.util.concurrent.atomic.AtomicReference<String> failure = new java.util.concurrent.atomic.AtomicReference<>();
    long deadline = System.nanoTime() + 1_000_000_000L;
    Thread writer = new Thread(() -> {
      Object[] churn = new Object[512];
      while (System.nanoTime() < deadline && failure.get() == null) {
        for (int j = 0; j < churn.length; j++) {
          churn[j] = new Object();
          big.put(churn[j], -1, false);
        }
        for (Object o : churn) big.remove(o);
      }
    });
    Thread reader = new Thread(() -> {
      while (System.nanoTime() < deadline && failure.get() == null) {
        for (int i = 0; i < stable.length; i++) {
          Object v = big.get(stable[i]);
          if (!Integer.valueOf(i).equals(v)) failure.compareAndSet(null, "missed " + i + ": " + v);
        }
      }
    });
    writer.start();
    reader.start();
    writer.join();
    reader.join();
    if (failure.get() != null) fail(failure.get());
  }
}
