package io.httpdiag.agent.instrument.apache5;

import io.httpdiag.agent.instrument.apache5.Apache5State.Client;
import io.httpdiag.agent.instrument.apache5.Apache5State.Cur;
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
      Cur c = Apache5State.cur.get();
      X x = new X(HttpLibrary.APACHE5.id(Apache5State.exchangeIds.incrementAndGet()), c.x);
      Object o = Apache5State.table.get(client);
      Manager m = o instanceof Client ? ((Client) o).manager : null;
      long connect = connectMillis >= 0 ? Apache5State.nanos(connectMillis)
          : m != null ? m.connectNanos : Apache5State.DEFAULT_TIMEOUT_NANOS;
      long read = responseMillis >= 0 ? Apache5State.nanos(responseMillis)
          : m != null ? m.socket() : Apache5State.DEFAULT_TIMEOUT_NANOS;
      c.x = x;
      Events.libraryExchangeStart(x.id, method, url, 0, connect, read);
      return x;
    } catch (Throwable t) {
      Counters.failure(t);
      return null;
    }
  }

  /**
   * {@code doExecute} returned {@code response} (null when it threw {@code error}). A response whose
   * entity is streamed is watched until its entity ends (its runtimes go in the table: the entity's
   * hooks know only the runtime); any other has released its connection already.
   */
  public static void executed(Object exchange, Object response, boolean streamed, Throwable error) {
    if (!(exchange instanceof X)) return;
    X x = (X) exchange;
    try {
      x.executing = false;
      Apache5State.cur.get().x = x.previous;
      Object runtime = x.runtime;
      Object[] forks = x.forks;
      x.runtime = null; // the table's value must not hold its key
      x.forks = null;
      if (error != null) {
        if (x.released != null) Events.putIdleConn(x.id, x.connectionId, x.released);
        Events.exchangeFailed(x.id, error);
        return;
      }
      if (!streamed) {
        x.bodyEnded = true;
        Events.bodyEnd(x.id, x.connectionId, 0, x.contentLength, true, "noBody");
        Events.putIdleConn(x.id, x.connectionId, x.released != null ? x.released : "ok");
        return;
      }
      Apache5State.table.put(runtime, x, false);
      if (forks != null) {
        for (Object f : forks) Apache5State.table.put(f, x, false);
      }
      Events.responseReturned(x.id, response);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** {@code InternalExecRuntime} constructed: it belongs to the thread's exchange in {@code doExecute}. */
  public static void runtimeCreated(Object runtime) {
    try {
      X x = Apache5State.cur.get().x;
      if (x != null && x.executing) x.addRuntime(runtime);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** {@code acquireEndpoint} entered: the lease is requested. */
  public static void leaseRequested(Object runtime, String hostPort) {
    try {
      Cur c = Apache5State.cur.get();
      X x = Apache5State.exchange(c, runtime);
      if (x == null) return;
      Events.getConn(x.id, hostPort);
      x.releasesAtLease = Apache5State.releases.get();
      x.awaitingConnect = false;
      c.leaseConnection = null;
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
      Cur c = Apache5State.cur.get();
      Object connection = c.leaseConnection;
      c.leaseConnection = null; // held only from the pool entry's hand-over to here
      X x = Apache5State.exchange(c, runtime);
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
      if (c.leaseReused && connection != null) {
        Apache5State.Conn k = Apache5State.connection(connection);
        x.connectionId = k.id;
        Events.gotConn(x.id, k.id, true, true, c.leaseIdleNanos, -1, -1);
      } else {
        x.awaitingConnect = true; // a new connection: connected next (ConnectExec)
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * {@code releaseEndpoint} entered with a reusable connection: counted before the pool hands it to
   * a request waiting for it. Counted at the exit, the waiter could finish its lease first and not
   * see that it waited for a release (a pool wait then went unreported).
   */
  public static void releasing() {
    Apache5State.releases.incrementAndGet();
  }

  /** {@code releaseEndpoint} returned a reusable connection to the pool. */
  public static void released(Object runtime) {
    release(runtime, "ok");
  }

  /** {@code discardEndpoint}: the connection is closed, not pooled. */
  public static void discarded(Object runtime) {
    Apache5State.releases.incrementAndGet(); // at the entry: the slot frees before a waiter is served
    try {
      Cur c = Apache5State.cur.get();
      X x = Apache5State.exchange(c, runtime);
      if (x != null && c.closingResponses > 0 && !x.executing && !x.bodyEnded) {
        bodyEnd(x, "close", false); // CloseableHttpResponse.close() before the entity ended (5.1-5.4)
        release(x, runtime, "discarded: response closed before its entity was consumed");
        return;
      }
      release(x, runtime, "discarded");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static void release(Object runtime, String result) {
    try {
      release(Apache5State.exchange(Apache5State.cur.get(), runtime), runtime, result);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static void release(X x, Object runtime, String result) {
    if (x == null) return;
    if (x.executing) {
      x.released = result; // reported at doExecute's exit, or belongs to a redirect or retry hop
      return;
    }
    Events.putIdleConn(x.id, x.connectionId, result);
    // The exchange is over: its runtime leaves the table now rather than at its collection, so that a
    // busy client cannot fill it (a full table drops new keys, and their exchanges would go unseen).
    if (x.bodyEnded) Apache5State.table.remove(runtime);
  }

  /**
   * The entity ended: {@code closedBy} "eof" (read to its end, or written out whole), "close" (its
   * stream closed: HttpClient reads the rest, so {@code drained}), "abort" (the connection is dropped).
   */
  public static void bodyEnded(Object runtime, String closedBy, boolean drained) {
    try {
      X x = Apache5State.exchange(Apache5State.cur.get(), runtime);
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

  /**
   * {@code CloseableHttpResponse.close()} entered ({@code done} false) or returned ({@code done} true).
   * The response is not a key: a streamed response's close always reaches its runtime (the entity's
   * close, or the runtime's discard), whose hook finds the exchange and leaves it in {@link Cur#closing}.
   */
  public static void responseClose(boolean done) {
    try {
      Cur c = Apache5State.cur.get();
      if (!done) {
        if (c.closingResponses++ == 0) c.closing = null;
        return;
      }
      if (c.closingResponses > 0 && --c.closingResponses > 0) return;
      X x = c.closing;
      c.closing = null;
      if (x != null && !x.bodyEnded) bodyEnd(x, "close", false);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }
}
