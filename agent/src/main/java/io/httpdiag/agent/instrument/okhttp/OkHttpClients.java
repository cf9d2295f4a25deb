package io.httpdiag.agent.instrument.okhttp;

import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.WeakIdentityTable;

/**
 * The adapter for {@code OkHttpClient}s built. A client that shares a {@code ConnectionPool} already
 * seen ({@code client.newBuilder().build()}, or a pool passed to several builders) is no new pool: it
 * is what OkHttp recommends for per-call variants, so it is not reported as a client built, neither
 * for {@code CLIENT_PER_REQUEST} nor for its timeouts (the exchanges it makes carry their own).
 */
public final class OkHttpClients {
  /** ConnectionPool -> Boolean.TRUE: pools whose first client was reported. */
  private static final WeakIdentityTable pools = new WeakIdentityTable(16_384, null);

  private OkHttpClients() {}

  /** {@code OkHttpClient(Builder)} returned. Timeouts in milliseconds as OkHttp keeps them, 0 = none. */
  public static void built(Object client, Object pool, int connectTimeoutMs, int readTimeoutMs, int callTimeoutMs) {
    if (pool != null && pools.get(pool) != null) return;
    pools.put(pool, Boolean.TRUE, false);
    Events.configured(HttpLibrary.OKHTTP.clientComponent(), client, OkHttpCalls.millisToNanos(connectTimeoutMs),
        OkHttpCalls.millisToNanos(readTimeoutMs), OkHttpCalls.millisToNanos(callTimeoutMs));
  }

  static void expunge() {
    pools.expunge();
  }
}
