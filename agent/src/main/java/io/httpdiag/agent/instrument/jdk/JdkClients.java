package io.httpdiag.agent.instrument.jdk;

import static io.httpdiag.agent.instrument.jdk.JdkState.*;

import io.httpdiag.agent.instrument.jdk.JdkState.JClient;
import io.httpdiag.agent.runtime.ClientHold;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;

/** {@code HttpClientImpl} created, stopped, shut down, or dropped without close() (JDK 21+). */
public final class JdkClients {
  private JdkClients() {}

  /**
   * HttpClientImpl constructed; {@code facade} is the HttpClientFacade the user holds (the impl refers
   * to it weakly), watched on JDK 21+ for a client dropped without close().
   */
  public static void clientCreated(Object client, Object facade, long connectTimeoutMillis, String version,
      String redirect) {
    try {
      ClientHold.built(facade); // held while a leak check is open (see ClientHold)
      JClient c = new JClient("jdkclient" + clientIds.incrementAndGet());
      if (!table.put(client, c, false)) return;
      Events.client(c.name, "clientCreated", "version", version, "redirect", redirect, "connectTimeout",
          connectTimeoutMillis < 0 ? "none" : connectTimeoutMillis + "ms");
      // For the detectors: connect timeout in nanoseconds, 0 = none (runs on the thread that built the client).
      String site = Events.configured("jdkClient", client, connectTimeoutMillis < 0 ? 0 : connectTimeoutMillis * 1_000_000L);
      if (facade != null && site != null) c.watch = ClientWatch.watch(facade, c.name, site);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void clientStopped(Object client) {
    try {
      Object c = table.get(client);
      if (c instanceof JClient) Events.client(((JClient) c).name, "clientStopped");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** HttpClientImpl.shutdown() (JDK 21+; close() and shutdownNow() call it): closed by its owner. */
  public static void clientShutdown(Object client) {
    try {
      Object o = table.get(client);
      if (!(o instanceof JClient)) return;
      JClient c = (JClient) o;
      ClientWatch w = c.watch;
      if (w != null) w.closed();
      if (!c.shutdown) {
        c.shutdown = true;
        Events.client(c.name, "clientShutdown");
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The sweeper's poll: every watched client whose facade was collected without close() becomes a
   * {@code clientUnreachable} client event (with {@code builtAt}, the call site) for the detectors.
   */
  public static void pollCollectedClients() {
    try {
      ClientWatch w;
      while ((w = ClientWatch.poll()) != null) {
        if (w.unclosed()) Events.client(w.name, "clientUnreachable", "closed", "false", "builtAt", w.callSite);
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }
}
