package io.httpdiag.junit;

/** What a leak check looks for. */
public enum LeakKind {
  /** A response body started during the test, neither read to the end nor closed (its connection is held). */
  BODIES,
  /** A client exchange started during the test still waiting for its response (its connection is held). */
  CONNECTIONS,
  /**
   * An HTTP client or server started during the test and still running, seen through the thread it
   * owns: a JDK {@code HttpClient}'s {@code SelectorManager}, a core-transport {@code Server}'s
   * accept thread. A JDK {@code HttpClient} built during the test is kept reachable by the agent
   * until the verdict, so a garbage collection cannot stop the thread of a client dropped without
   * {@code close()} before the check looks (the verdict does not depend on when the GC runs).
   */
  CLIENTS,
  /** Any other platform or virtual thread started during the test and still alive. */
  THREADS
}
