package io.httpdiag.agent.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Strong references to the JDK HttpClients built while a leak check of {@code io.httpdiag.junit} is
 * open. The check sees a JDK HttpClient by its SelectorManager thread, and a client its owner dropped
 * stops that thread soon after a garbage collection (about 0.3 s on JDK 25, 3 s on 17): without the
 * hold, whether a GC ran between the test's end and the check decided the verdict. Held from its
 * construction until the check ends, a client dropped without {@code close()} is still running when
 * the check looks; one closed by its owner has stopped. At most {@value #MAX_HELD} clients are held
 * (a snapshot that is never verified holds them until then). Never throws.
 */
public final class ClientHold {
  public static final int MAX_HELD = 1024;
  private static final Object lock = new Object();
  /** Checks open now; read without the lock on the client-building path. */
  private static volatile int open; // written under lock
  private static final List<Object> held = new ArrayList<>(); // guarded by lock

  private ClientHold() {}

  /** A leak check opened: hold every client built from now until {@link #checkEnded}. */
  public static void checkStarted() {
    synchronized (lock) {
      open++;
    }
  }

  /** A leak check gave its verdict: once no check is open, the clients held are released. */
  public static void checkEnded() {
    synchronized (lock) {
      if (open > 0) open--;
      if (open == 0) held.clear();
    }
  }

  /** A JDK HttpClient was built; {@code facade} is what its owner holds (the client refers to it weakly). */
  public static void built(Object facade) {
    if (open == 0 || facade == null) return;
    synchronized (lock) {
      if (open > 0 && held.size() < MAX_HELD) held.add(facade);
    }
  }
}
