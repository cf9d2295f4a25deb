package io.httpdiag.agent.instrument.apache4;

import static io.httpdiag.agent.instrument.apache4.Apache4State.clientIds;
import static io.httpdiag.agent.instrument.apache4.Apache4State.table;

import io.httpdiag.agent.instrument.apache4.Apache4State.Client;
import io.httpdiag.agent.runtime.ClientHold;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;

/** A CloseableHttpClient built, closed, or dropped without close(). Never throws. */
public final class Apache4Clients {
  private Apache4Clients() {}

  /**
   * InternalHttpClient constructed (HttpClientBuilder.build(), HttpClients.createDefault()...) with its
   * default RequestConfig's timeouts in milliseconds (HC4: -1 = not set, 0 = infinite; the socket timeout
   * falls back to the pool's SocketConfig, already resolved by the advice). Reported to the detectors
   * as {@code apache4Client} [connect, socket, -1 (no call timeout in HC4)] in nanoseconds, 0 = none.
   */
  public static void created(Object client, int connectMs, int socketMs, int connectionRequestMs) {
    try {
      ClientHold.built(client);
      Client c = new Client("apache4client" + clientIds.incrementAndGet());
      if (!table.put(client, c, false)) return;
      Events.client(c.name, "clientCreated", "library", HttpLibrary.APACHE4.label, "connectTimeout", show(connectMs),
          "socketTimeout", show(socketMs), "connectionRequestTimeout", show(connectionRequestMs));
      String site = Events.configured(HttpLibrary.APACHE4.clientComponent(), client, nanos(connectMs), nanos(socketMs), -1);
      if (site != null) c.watch = Apache4ClientWatch.watch(client, c.name, site);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** CloseableHttpClient.close(): closed by its owner (its pool shuts down). */
  public static void closed(Object client) {
    try {
      Object o = table.get(client);
      if (!(o instanceof Client)) return;
      Client c = (Client) o;
      Apache4ClientWatch w = c.watch;
      if (w != null) w.closed();
      if (!c.closed) {
        c.closed = true;
        Events.client(c.name, "clientClosed", "library", HttpLibrary.APACHE4.label);
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The sweeper's poll: each client collected without close() becomes a {@code clientUnreachable} event. */
  public static void pollCollectedClients() {
    try {
      table.expunge();
      Apache4ClientWatch w;
      while ((w = Apache4ClientWatch.poll()) != null) {
        if (w.unclosed()) {
          Events.client(w.name, "clientUnreachable", "library", HttpLibrary.APACHE4.label, "closed", "false",
              "builtAt", w.callSite);
        }
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** HC4 milliseconds (-1 unset, 0 infinite) as nanoseconds, 0 = none. */
  static long nanos(int millis) {
    return millis > 0 ? millis * 1_000_000L : 0;
  }

  private static String show(int millis) {
    return millis > 0 ? millis + "ms" : "none";
  }
}
