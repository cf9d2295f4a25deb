package io.httpdiag.agent.runtime;

/**
 * Exchange and connection ids of the JDK HttpClient live in their own range, so they cannot collide
 * with core-transport's (which core-transport allocates itself from 1): {@link #JDK_BASE} + n. They
 * print as {@code #j7} and {@code jc3}; core-transport's as {@code #7} and {@code c3}.
 */
public final class Ids {
  public static final long JDK_BASE = 1L << 48;

  private Ids() {}

  public static boolean isJdk(long id) {
    return id >= JDK_BASE;
  }

  /** The number users see: n for both transports. */
  public static long local(long id) {
    return isJdk(id) ? id - JDK_BASE : id;
  }

  /** {@code j7} or {@code 7}. */
  public static String exchange(long id) {
    return isJdk(id) ? "j" + (id - JDK_BASE) : Long.toString(id);
  }

  /** {@code jc3} or {@code c3}. */
  public static String connection(long id) {
    return isJdk(id) ? "jc" + (id - JDK_BASE) : "c" + id;
  }

  /** Which client produced the id: "jdk" or "core". */
  public static String client(long id) {
    return isJdk(id) ? "jdk" : "core";
  }
}
