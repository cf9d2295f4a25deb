package io.httpdiag.agent.instrument.apache5;

import io.httpdiag.agent.instrument.apache5.Apache5State.Client;
import io.httpdiag.agent.instrument.apache5.Apache5State.Lease;
import io.httpdiag.agent.instrument.apache5.Apache5State.Manager;
import io.httpdiag.agent.instrument.apache5.Apache5State.X;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;

/**
 * An HttpClient 5 exchange: {@code InternalHttpClient.doExecute} to the end of the response's entity
 * and the release of its connection. Redirects and retries run inside {@code doExecute} on the same
 * exchange; their intermediate responses' ends and releases are not the exchange's end.
 */
public final class Apache5Exchanges {
  private Apache5Exchanges() {}

  /**
   * {@code doExecute} entered. Timeouts in milliseconds from the effective RequestConfig, -1 when not
   * set there: the response timeout (per read, it replaces the socket timeout for this exchange) and
   * the 5.1-style connect timeout. Returns the exchange (the advice hands it to {@link #executed}).
   */
  public static Object execute(Object client, String method, String url, long responseMillis, long connectMillis) {
    try {
      X previous = Apache5State.current.get();
      X x = new X(HttpLibrary.APACHE5.id(Apache5State.exchangeIds.incrementAndGet()), previous);
      Object o = Apache5State.table.get(client);
      Manager m = o instanceof Client ? ((Client) o).manager : null;
      long connect = connectMillis >= 0 ? Apache5State.nanos(connectMillis)
          : m != null ? m.connectNanos : Apache5State.DEFAULT_TIMEOUT_NANOS;
      long read = responseMillis >= 0 ? Apache5State.nanos(responseMillis)
          : m != null ? m.socket() : Apache5State.DEFAULT_TIMEOUT_NANOS;
      Apache5State.current.set(x);
      Events.libraryExchangeStart(x.id, method, url, 0, connect, read);
      return x;
    } catch (Throwable t) {
      Counters.failure(t);
      return null;
    }
  }

  /**
   * {@code doExecute} returned {@code response} (null when it threw {@code error}). A response whose
   * entity is streamed is watched until its entity ends; any other has released its connection already.
   */
  public static void executed(Object exchange, Object response, boolean streamed, Throwable error) {
    if (!(exchange instanceof X)) return;
    X x = (X) exchange;
    try {
      x.executing = false;
      Apache5State.current.set(x.previous);
      if (error != null) {
        if (x.released != null) Events.putIdleConn(x.id, x.connectionId, x.released);
        Events.exchangeFailed(x.id, error);
        forget(x);
        return;
      }
      if (!streamed) {
        x.bodyEnded = true;
        Events.bodyEnd(x.id, x.connectionId, 0, x.contentLength, true, "noBody");
        Events.putIdleConn(x.id, x.connectionId, x.released != null ? x.released : "ok");
        forget(x);
        return;
      }
      Apache5State.table.put(response, x, false);
      Events.responseReturned(x.id, response);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** {@code InternalExecRuntime} constructed: it belongs to the thread's exchange in {@code doExecute}. */
  public static void runtimeCreated(Object runtime) {
    try {
      X x = Apache5State.current.get();
      if (x != null && x.executing && Apache5State.table.put(runtime, x, false)) x.addRuntime(runtime);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** {@code acquireEndpoint} entered: the lease is requested. */
  public static void leaseRequested(Object runtime, String hostPort) {
    try {
      X x = Apache5State.exchange(runtime);
      if (x == null) return;
      Events.getConn(x.id, hostPort);
      x.releasesAtLease = Apache5State.releases.get();
      x.awaitingConnect = false;
      Apache5State.lease.get().connection = null;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * {@code acquireEndpoint} returned after {@code waitedNanos} (or threw {@code error}, e.g. the
   * connection request timed out). The pool's statistics as it returned, -1 when not read (it did not
   * wait) or the manager has none: for the route (leased, including this lease; pending; its limit)
   * and in total. The pool's limit made the lease wait when the route (or total) is fully leased as it
   * ends and it was handed a connection another exchange released meanwhile (or it gave up waiting).
   */
  public static void leaseDone(Object runtime, long waitedNanos, Throwable error, int routeLeased, int routePending,
      int routeMax, int totalLeased, int totalPending, int totalMax) {
    try {
      Lease l = Apache5State.lease.get();
      Object connection = l.connection;
      l.connection = null; // held only from the pool entry's hand-over to here
      X x = Apache5State.exchange(runtime);
      if (x == null) return;
      boolean waitedForRelease = error != null || Apache5State.releases.get() != x.releasesAtLease;
      if (!waitedForRelease) {
        // dialing or validating took the time, not the limit
      } else if (routeMax > 0 && routeLeased >= routeMax) {
        Events.poolWait(x.id, waitedNanos, routeMax, routeLeased, routePending,
            "PoolingHttpClientConnectionManagerBuilder.setMaxConnPerRoute, default 5 per route");
      } else if (totalMax > 0 && totalLeased >= totalMax) {
        Events.poolWait(x.id, waitedNanos, totalMax, totalLeased, totalPending,
            "PoolingHttpClientConnectionManagerBuilder.setMaxConnTotal, default 25 in all");
      }
      if (error != null) return;
      if (l.reused && connection != null) {
        Apache5State.Conn c = Apache5State.connection(connection);
        x.connectionId = c.id;
        Events.gotConn(x.id, c.id, true, true, l.idleNanos, -1, -1);
      } else {
        x.awaitingConnect = true; // a new connection: connected next (ConnectExec)
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** {@code releaseEndpoint} returned a reusable connection to the pool. */
  public static void released(Object runtime) {
    release(runtime, "ok");
  }

  /** {@code discardEndpoint}: the connection is closed, not pooled. */
  public static void discarded(Object runtime) {
    X x = Apache5State.exchange(runtime);
    if (x != null && x.closingResponse && !x.bodyEnded) {
      bodyEnd(x, "close", false); // CloseableHttpResponse.close() before the entity ended (5.1-5.4)
      release(runtime, "discarded: response closed before its entity was consumed");
      return;
    }
    release(runtime, "discarded");
  }

  private static void release(Object runtime, String result) {
    Apache5State.releases.incrementAndGet();
    try {
      X x = Apache5State.exchange(runtime);
      if (x == null) return;
      if (x.executing) {
        x.released = result; // reported at doExecute's exit, or belongs to a redirect or retry hop
        return;
      }
      Events.putIdleConn(x.id, x.connectionId, result);
      if (x.bodyEnded) forget(x);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The exchange is over: its runtimes leave the table now rather than at their collection, so that a
   * busy client cannot fill it (a full table drops new keys, and their exchanges would go unseen).
   */
  private static void forget(X x) {
    Object[] runtimes = x.runtimes;
    for (Object r : runtimes) {
      Object runtime = r instanceof java.lang.ref.Reference ? ((java.lang.ref.Reference<?>) r).get() : null;
      if (runtime != null) Apache5State.table.remove(runtime);
    }
  }

  /**
   * The entity ended: {@code closedBy} "eof" (read to its end, or written out whole), "close" (its
   * stream closed: HttpClient reads the rest, so {@code drained}), "abort" (the connection is dropped).
   */
  public static void bodyEnded(Object runtime, String closedBy, boolean drained) {
    try {
      X x = Apache5State.exchange(runtime);
      if (x == null || x.executing) return; // a redirect's or retry's response, consumed by HttpClient
      bodyEnd(x, closedBy, drained);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static void bodyEnd(X x, String closedBy, boolean drained) {
    if (x.bodyEnded) return;
    x.bodyEnded = true;
    long bytes = drained && x.contentLength >= 0 ? x.contentLength : -1;
    Events.bodyEnd(x.id, x.connectionId, bytes, x.contentLength, drained, closedBy);
  }

  /** {@code CloseableHttpResponse.close()} entered ({@code done} false) or returned ({@code done} true). */
  public static void responseClose(Object response, boolean done) {
    try {
      X x = Apache5State.exchange(response);
      if (x == null) return;
      if (!done) {
        x.closingResponse = true;
        return;
      }
      x.closingResponse = false;
      if (!x.bodyEnded) bodyEnd(x, "close", false);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }
}
