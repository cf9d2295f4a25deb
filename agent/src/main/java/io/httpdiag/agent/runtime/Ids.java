package io.httpdiag.agent.runtime;

/**
 * Exchange and connection ids: each {@link HttpLibrary} has its own range, so ids of different
 * libraries cannot collide. They print as {@code #j7} / {@code jc3} (JDK HttpClient), {@code #ok7} /
 * {@code okc3} (OkHttp)...; core-transport's as {@code #7} and {@code c3}.
 */
public final class Ids {
  /** The JDK HttpClient's range (kept for the JDK library's id allocation). */
  public static final long JDK_BASE = HttpLibrary.JDK.base;

  private Ids() {}

  public static boolean isJdk(long id) {
    return HttpLibrary.of(id) == HttpLibrary.JDK;
  }

  public static boolean isOkHttp(long id) {
    return HttpLibrary.of(id) == HttpLibrary.OKHTTP;
  }

  /** Whether the id is core-transport's (its log shows plain numbers). */
  public static boolean isCore(long id) {
    return HttpLibrary.of(id) == HttpLibrary.CORE;
  }

  /** The number users see: n, whatever the library. */
  public static long local(long id) {
    return id - HttpLibrary.of(id).base;
  }

  /** {@code j7}, {@code ok7} or {@code 7}. */
  public static String exchange(long id) {
    HttpLibrary l = HttpLibrary.of(id);
    return l == HttpLibrary.CORE ? Long.toString(id) : l.exchangePrefix + (id - l.base);
  }

  /** {@code jc3}, {@code okc3} or {@code c3}. */
  public static String connection(long id) {
    HttpLibrary l = HttpLibrary.of(id);
    return l.connectionPrefix + (id - l.base);
  }

  /** Which client produced the id: its {@link HttpLibrary#label} ("jdk", "core", "okhttp"...). */
  public static String client(long id) {
    return HttpLibrary.of(id).label;
  }
}
