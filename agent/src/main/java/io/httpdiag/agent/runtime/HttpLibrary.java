package io.httpdiag.agent.runtime;

/**
 * Which HTTP library (client or server) an exchange or connection id belongs to. Each library allocates its ids in its
 * own range, {@code ordinal() << 48} + n, so ids of different libraries never collide and the id alone
 * says where it came from (core-transport allocates its own from 1, range 0). The log prints an
 * exchange as {@code #<exchangePrefix>n} and a connection as {@code <connectionPrefix>n}; JFR's
 * {@code client} field is {@link #label}.
 *
 * <p>Append new libraries at the end: the ordinal is part of every id already handed out.
 */
public enum HttpLibrary {
  /** core-transport: {@code #7}, {@code c3}. */
  CORE("core", "", "c", "core-transport", "Transport"),
  /** java.net.http.HttpClient: {@code #j7}, {@code jc3}. */
  JDK("jdk", "j", "jc", "java.net.http.HttpClient", "HttpClient"),
  /** OkHttp 4 and 5: {@code #ok7}, {@code okc3}. */
  OKHTTP("okhttp", "ok", "okc", "OkHttp", "OkHttpClient"),
  /** Apache HttpClient 5 classic: {@code #a5-7}, {@code a5c3}. */
  APACHE5("apache5", "a5-", "a5c", "Apache HttpClient 5", "CloseableHttpClient"),
  /** Apache HttpClient 4.5: {@code #a4-7}, {@code a4c3}. */
  APACHE4("apache4", "a4-", "a4c", "Apache HttpClient 4", "CloseableHttpClient"),
  /** The JDK's HttpURLConnection ({@code sun.net.www.protocol.http}): {@code #u7}, {@code uc3}. */
  URLCONNECTION("urlconnection", "u", "uc", "HttpURLConnection", null),
  /** Embedded Tomcat (server side): {@code #t7}, {@code tc3}. */
  TOMCAT("tomcat", "t", "tc", "Tomcat", null),
  /** Jetty 12 (server side): {@code #je7}, {@code jec3}. */
  JETTY("jetty", "je", "jec", "Jetty", null);

  private static final HttpLibrary[] ALL = values();
  private static final int SHIFT = 48;

  /** The word in logs and JFR's {@code client} field. */
  public final String label;
  public final String exchangePrefix;
  public final String connectionPrefix;
  /** The name users know, for finding titles. */
  public final String displayName;
  /** The class that owns a pool, as users build it ("OkHttpClient"); null when users build none. */
  public final String clientType;
  /** The first id of this library's range; ids are {@code base + n}, n ≥ 1. */
  public final long base;

  HttpLibrary(String label, String exchangePrefix, String connectionPrefix, String displayName, String clientType) {
    this.label = label;
    this.clientType = clientType;
    this.exchangePrefix = exchangePrefix;
    this.connectionPrefix = connectionPrefix;
    this.displayName = displayName;
    this.base = (long) ordinal() << SHIFT;
  }

  /**
   * The component name under which a library other than core-transport and the JDK reports a client
   * built ({@code Events.configured}): {@code label + "Client"}, e.g. "okhttpClient". Its settings are,
   * in nanoseconds, 0 = none, -1 = the library has no such setting: [0] connect timeout, [1] read
   * (socket, response) timeout, [2] call timeout (the whole exchange).
   */
  public String clientComponent() {
    return label + "Client";
  }

  /** The library whose {@link #clientComponent()} is {@code component}; null for any other component. */
  public static HttpLibrary ofClientComponent(String component) {
    for (HttpLibrary l : ALL) {
      if (l != CORE && l != JDK && l.clientType != null && component.equals(l.clientComponent())) return l;
    }
    return null;
  }

  /** The library whose range holds {@code id} (ids outside every range: {@link #CORE}). */
  public static HttpLibrary of(long id) {
    int i = (int) (id >>> SHIFT);
    return i >= 0 && i < ALL.length ? ALL[i] : CORE;
  }

  /** This library's id number {@code n}. */
  public long id(long n) {
    return base + n;
  }
}
