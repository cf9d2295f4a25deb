package io.httpdiag.agent.instrument.jdk;

import static io.httpdiag.agent.instrument.jdk.JdkState.*;

import io.httpdiag.agent.instrument.jdk.JdkState.Xch;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.Ids;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One logical exchange ({@code MultiExchange}) and its attempts: start, redirects, DNS, request
 * written, response headers, timeouts, cancellation, failure.
 */
public final class JdkExchanges {
  private JdkExchanges() {}

  /** MultiExchange constructed: one logical exchange (send is sendAsync inside). */
  public static void exchangeStart(Object multi, Object requestImpl, String method, String uri,
      long requestTimeoutMillis, long connectTimeoutMillis, long requestBodyLength) {
    try {
      Xch x = new Xch(Ids.JDK_BASE + exchangeIds.incrementAndGet());
      x.requestBytes = requestBodyLength;
      if (!table.put(multi, x, true)) {
        Counters.droppedExchanges.incrementAndGet();
        return;
      }
      table.put(requestImpl, x, false);
      Events.jdkExchangeStart(x.id, method, uri, millisToNanos(requestTimeoutMillis), millisToNanos(connectTimeoutMillis));
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * MultiExchange.responseAsyncImpl entered: attempt {@code attemptsBefore + 1}. A later attempt with
   * a new request is a redirect, with the same request a retry.
   */
  public static void attempt(Object multi, int attemptsBefore, Object currentRequest, Object previousRequest,
      String uri) {
    try {
      if (attemptsBefore < 1) return; // the first request was registered with the exchange
      Xch x = xch(multi);
      if (x == null) return;
      if (table.get(currentRequest) != x) table.put(currentRequest, x, false);
      x.attempt = attemptsBefore + 1;
      x.connectDone = 0;
      x.gotConnOnce = 0;
      x.gotConn = false;
      x.dns = false;
      x.getConn = false;
      x.firstByte = 0;
      Events.attempt(x.id, currentRequest != previousRequest ? "redirect" : "retry", uri);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** An Exchange (one attempt) or an ExchangeImpl (its HTTP/1.1 or HTTP/2 side) was made for {@code parent}. */
  public static void link(Object child, Object parent) {
    try {
      Object x = table.get(parent);
      if (x instanceof Xch) table.put(child, x, false);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** HttpRequestImpl.getAddress entered: resolving the target (getConn is reported here: it comes first). */
  public static void dnsStart(Object request, String host, int port, String scheme) {
    try {
      Xch x = xch(request);
      if (x == null || x.gotConn || x.dns) return;
      x.dns = true;
      if (!x.getConn) {
        x.getConn = true;
        Events.getConn(x.id, host + ":" + (port >= 0 ? port : "https".equalsIgnoreCase(scheme) ? 443 : 80));
      }
      Events.dnsStart(x.id, host);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void dnsDone(Object request, Object address, Throwable error) {
    try {
      Xch x = xch(request);
      if (x == null || x.gotConn || !x.dns) return;
      InetAddress a = address instanceof InetSocketAddress ? ((InetSocketAddress) address).getAddress() : null;
      Events.dnsDone(x.id, a == null ? "unresolved" : a.getHostAddress(), error);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }


  /** Http1Exchange.getOutgoing moved the request from {@code before} to {@code after}. */
  public static void outgoing(Object http1Exchange, Object before, Object after) {
    try {
      if (before == after) return;
      String a = String.valueOf(after);
      if ("BODY".equals(a)) {
        Xch x = xch(http1Exchange);
        if (x == null) return;
        Events.wroteHeaders(x.id);
        // No body: the request is complete with its headers (the JDK's COMPLETING comes later, async).
        if (x.requestBytes == 0) Events.wroteRequest(x.id, 0, null);
      } else if ("COMPLETING".equals(a)) {
        Xch x = xch(http1Exchange);
        if (x != null && x.requestBytes != 0) Events.wroteRequest(x.id, x.requestBytes, null);
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Http1AsyncReceiver.asyncReceive: bytes of the response arrived; the first of the attempt counts. */
  public static void received(Object http1Exchange, long receivedBefore) {
    try {
      if (receivedBefore != 0) return;
      Xch x = xch(http1Exchange);
      if (x == null || !FIRST_BYTE.compareAndSet(x, 0, 1)) return;
      Events.gotFirstResponseByte(x.id);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Response constructed: status line and headers parsed. */
  public static void responseHeaders(Object exchange, int status, long contentLength, String version) {
    try {
      Xch x = xch(exchange);
      if (x == null) return;
      x.status = status;
      if (FIRST_BYTE.compareAndSet(x, 0, 1)) { // HTTP/2: no per-stream byte hook; headers come first
        Events.gotFirstResponseByte(x.id);
      }
      Events.gotResponseHeaders(x.id, status, contentLength);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }



  public static void timeout(Object multiOrExchange, String kind) {
    try {
      Xch x = xch(multiOrExchange);
      if (x != null) Events.timeout(x.id, kind);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** MultiExchange.cancel(mayInterruptIfRunning): the CompletableFuture of sendAsync was canceled. */
  public static void canceled(Object multi, boolean mayInterrupt, boolean alreadyCanceled) {
    try {
      if (!mayInterrupt || alreadyCanceled) return;
      Xch x = xch(multi);
      if (x != null) Events.canceled(x.id, "future.cancel(true)");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * MultiExchange.getExceptionalCF returned {@code result}, a failed future: the exchange fails (no
   * retry). The error is the one the user will see (read with getNow: no dependent stage is added),
   * else {@code error}, the one given to getExceptionalCF.
   */
  public static void failed(Object multi, Throwable error, CompletableFuture<?> result) {
    try {
      Xch x = xch(multi);
      if (x == null) return;
      Throwable seen = error;
      if (result != null && result.isCompletedExceptionally()) {
        try {
          result.getNow(null);
        } catch (Throwable t) {
          seen = t;
        }
      }
      while (seen instanceof CompletionException && seen.getCause() != null) seen = seen.getCause();
      Events.exchangeFailed(x.id, seen);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }
}
