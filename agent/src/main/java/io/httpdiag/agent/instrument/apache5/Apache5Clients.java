package io.httpdiag.agent.instrument.apache5;

import io.httpdiag.agent.instrument.apache5.Apache5State.Client;
import io.httpdiag.agent.instrument.apache5.Apache5State.Manager;
import io.httpdiag.agent.runtime.ClientHold;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;

/**
 * CloseableHttpClient built, closed, or dropped without close(); the connection manager's timeouts.
 * Timeouts arrive in milliseconds, -1 when not set (the library's default applies).
 */
public final class Apache5Clients {
  private Apache5Clients() {}

  /**
   * {@code InternalHttpClient} constructed by {@code HttpClientBuilder.build()} (or directly).
   * {@code connectMillis} and {@code responseMillis} come from its default RequestConfig.
   */
  public static void created(Object client, Object connectionManager, long connectMillis, long responseMillis) {
    try {
      ClientHold.built(client); // held while a leak check is open (see ClientHold)
      Manager m = Apache5State.manager(connectionManager, true);
      Client c = new Client("apache5client" + Apache5State.clientIds.incrementAndGet(), m != null ? m : new Manager());
      if (!Apache5State.table.put(client, c, false)) return;
      long connect = connectMillis >= 0 ? Apache5State.nanos(connectMillis) : c.manager.connectNanos;
      long response = responseMillis >= 0 ? Apache5State.nanos(responseMillis) : 0;
      Events.client(c.name, "clientCreated", "library", "apache5", "connectTimeout", show(connect),
          "responseTimeout", responseMillis < 0 ? "none" : show(response), "socketTimeout", show(c.manager.socket()));
      String site = Events.configured(HttpLibrary.APACHE5.clientComponent(), client, connect, response, -1);
      if (site != null) c.watch = Apache5ClientWatch.watch(client, c.name, site);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** {@code close()} or {@code close(CloseMode)}: closed by its owner. */
  public static void closed(Object client) {
    try {
      Object o = Apache5State.table.get(client);
      if (!(o instanceof Client)) return;
      Client c = (Client) o;
      Apache5ClientWatch w = c.watch;
      if (w != null) w.closed();
      if (!c.closed) {
        c.closed = true;
        Events.client(c.name, "clientClosed", "library", "apache5");
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** {@code setDefaultSocketConfig}: its soTimeout (-1: none given, the 3-minute default). */
  public static void socketConfig(Object manager, long soTimeoutMillis) {
    try {
      Manager m = Apache5State.manager(manager, true);
      if (m != null) m.socketNanos = soTimeoutMillis >= 0 ? Apache5State.nanos(soTimeoutMillis) : Apache5State.DEFAULT_TIMEOUT_NANOS;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** {@code setDefaultConnectionConfig} (5.2+): its connect and socket timeouts (-1: not set). */
  public static void connectionConfig(Object manager, long connectMillis, long socketMillis) {
    try {
      Manager m = Apache5State.manager(manager, true);
      if (m == null) return;
      m.connectNanos = connectMillis >= 0 ? Apache5State.nanos(connectMillis) : Apache5State.DEFAULT_TIMEOUT_NANOS;
      m.connectionSocketNanos = Apache5State.nanos(socketMillis);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** {@code PoolingHttpClientConnectionManagerBuilder.build()}: the manager gets the timeouts set on the builder. */
  public static void managerBuilt(Object builder, Object manager) {
    try {
      Manager b = Apache5State.manager(builder, false);
      Manager m = Apache5State.manager(manager, true);
      if (b == null || m == null) return;
      m.connectNanos = b.connectNanos;
      m.socketNanos = b.socketNanos;
      m.connectionSocketNanos = b.connectionSocketNanos;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The sweeper's poll: every watched client collected without close() becomes a
   * {@code clientUnreachable} event (with {@code builtAt}) for the detectors.
   */
  static void pollCollectedClients() {
    try {
      Apache5ClientWatch w;
      while ((w = Apache5ClientWatch.poll()) != null) {
        if (w.unclosed()) {
          Events.client(w.name, "clientUnreachable", "closed", "false", "builtAt", w.callSite, "library", "apache5");
        }
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static String show(long nanos) {
    return nanos == 0 ? "none" : nanos / 1_000_000L + "ms";
  }
}
