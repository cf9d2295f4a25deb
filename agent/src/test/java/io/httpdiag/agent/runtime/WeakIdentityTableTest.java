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
}
