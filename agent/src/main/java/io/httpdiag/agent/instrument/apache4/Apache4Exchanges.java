package io.httpdiag.agent.instrument.apache4;

import static io.httpdiag.agent.instrument.apache4.Apache4State.current;
import static io.httpdiag.agent.instrument.apache4.Apache4State.exchangeIds;
import static io.httpdiag.agent.instrument.apache4.Apache4State.table;

import io.httpdiag.agent.instrument.apache4.Apache4State.Conn;
import io.httpdiag.agent.instrument.apache4.Apache4State.Cur;
import io.httpdiag.agent.instrument.apache4.Apache4State.Xch;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.HttpLibrary;

/**
 * One HC4 exchange: {@code doExecute} from start to the response it returns (attempts, request written,
 * response headers), then its body to the release of its connection. Never throws.
 *
 * <p>How HC4 ends a body (execchain.ResponseEntityProxy, ConnectionHolder): reading to EOF, closing the
 * entity's stream or {@code EntityUtils.consume} read the rest and return the connection to the pool;
 * closing the response ({@code CloseableHttpResponse.close}) before that closes the connection
 * ({@code releaseConnection(false)}): the one early close that costs a connection.
 */
public final class Apache4Exchanges {
  private Apache4Exchanges() {}

  /**
   * doExecute entered: a new exchange on this thread. Timeouts are the effective RequestConfig's, in
   * milliseconds (≤ 0: none). Returns the token {@link #end} needs; null if this failed.
   */
  public static Object start(String method, String target, String uri, int connectMs, int socketMs) {
    try {
      String url = url(target, uri);
      Cur c = current.get();
      Xch x = new Xch(HttpLibrary.APACHE4.id(exchangeIds.incrementAndGet()), c.xch);
      c.xch = x;
      // HC4 has no call timeout: the socket timeout bounds each wait for the server.
      Events.libraryExchangeStart(x.id, method, url, -1, Apache4Clients.nanos(connectMs),
          Apache4Clients.nanos(socketMs));
      return x;
    } catch (Throwable t) {
      Counters.failure(t);
      return null;
    }
  }

  /**
   * doExecute returned {@code entity}'s response (streaming: the caller must consume or close it) or
   * threw {@code error}.
   */
  public static void end(Object token, Object responseEntity, boolean streaming, Throwable error) {
    try {
      if (!(token instanceof Xch)) return;
      Xch x = (Xch) token;
      current.get().xch = x.outer;
      Object holder = x.holder;
      Object entity = x.entity;
      x.holder = null; // the table's value must not hold its key
      x.entity = null;
      if (error != null) {
        String kind = timeoutKind(error);
        if (kind != null) Events.timeout(x.id, kind);
        Events.exchangeFailed(x.id, error);
        return;
      }
      x.returned = true;
      if (!streaming) {
        // No body to read: MainClientExec has released the connection already.
        Conn k = x.conn;
        Events.bodyEnd(x.id, k == null ? 0 : k.id, 0, -1, true, "noBody");
      } else {
        if (holder != null) table.put(holder, x, false);
        if (entity != null) table.put(entity, x, false);
        Events.responseReturned(x.id, responseEntity); // the entity: reachable from the response, the entity and its stream
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * MainClientExec.execute entered: counts the attempt; true when it is not the exchange's first (a
   * redirect's or a retry's), then the advice reports it with {@link #attempt}.
   */
  public static boolean nextAttempt() {
    try {
      Xch x = current.get().xch;
      return x != null && ++x.attempts > 1;
    } catch (Throwable t) {
      Counters.failure(t);
      return false;
    }
  }

  /** A redirect's or retry's attempt (after {@link #nextAttempt} returned true) to {@code target} + {@code uri}. */
  public static void attempt(String target, String uri) {
    try {
      Xch x = current.get().xch;
      if (x != null) Events.attempt(x.id, x.lastFailed ? "retry" : "redirect", url(target, uri));
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void attemptEnd(Throwable error) {
    Xch x = current.get().xch;
    if (x != null) x.lastFailed = error != null;
  }

  /** HttpRequestExecutor.doSendRequest returned: the request and its body are written. */
  public static void wroteRequest(long bodyBytes) {
    try {
      Xch x = current.get().xch;
      if (x != null) Events.wroteRequest(x.id, bodyBytes, null);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** HttpRequestExecutor.doReceiveResponse returned: status line and headers read. */
  public static void responseHeaders(int status, long contentLength) {
    try {
      Xch x = current.get().xch;
      if (x != null) Events.gotResponseHeaders(x.id, status, contentLength);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  // ---------------------------------------------------------------- body

  /** A ConnectionHolder made by MainClientExec for the current exchange's connection. */
  public static void holderCreated(Object holder) {
    try {
      Xch x = current.get().xch;
      if (x != null) x.holder = holder; // the last one made: the response's (a redirect's earlier hop is released)
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** A ResponseEntityProxy wrapping the response's entity (it is the watcher of every stream it hands out). */
  public static void entityCreated(Object entity, Object holder) {
    try {
      Xch x = Apache4State.byHolder(current.get(), holder);
      if (x != null && !x.returned) x.entity = entity;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** EofSensorInputStream.read returned {@code n} bytes for the entity {@code watcher}. */
  public static void read(Object watcher, int n) {
    if (n <= 0) return;
    try {
      Xch cx = current.get().xch;
      Object x = cx != null && cx.entity == watcher ? cx : table.get(watcher); // doExecute's own reads: redirects
      if (x instanceof Xch) ((Xch) x).bytes += n;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** A hook that ends a body ("eof", "streamClosed", "close"...) begins; true if it is the outermost one. */
  public static boolean cause(String how) {
    return cause(how, null);
  }

  /** {@link #cause} from a hook on the entity {@code entity} (its table entry leaves with the release). */
  public static boolean cause(String how, Object entity) {
    Cur c = current.get();
    if (c.cause != null) return false;
    c.cause = how;
    c.causeEntity = entity;
    return true;
  }

  public static void causeDone(boolean set) {
    if (!set) return;
    Cur c = current.get();
    c.cause = null;
    c.causeEntity = null;
  }

  /**
   * ConnectionHolder.releaseConnection(reusable), not yet released: back to the pool, or (not reusable)
   * closed. Before doExecute returned this is an intermediate hop's (a redirect's consumed body) or
   * a response without a body; after, the body's end.
   */
  public static void released(Object holder, boolean reusable) {
    try {
      Cur c = current.get();
      Xch x = Apache4State.byHolder(c, holder);
      if (x == null) return;
      Conn k = x.conn;
      long cid = k == null ? 0 : k.id;
      String cause = c.cause;
      boolean early = "close".equals(cause);
      String result = reusable ? "ok" : early ? "undrained" : "connectionClose";
      if (!reusable) c.closeReason = result;
      if (x.returned) Events.bodyEnd(x.id, cid, x.bytes, -1, !early, cause == null ? "release" : cause);
      Events.putIdleConn(x.id, cid, result);
      if (x.returned) forget(c, holder);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** ConnectionHolder.abortConnection, not yet released: the connection is shut down. */
  public static void aborted(Object holder) {
    try {
      Cur c = current.get();
      Xch x = Apache4State.byHolder(c, holder);
      if (x == null) return;
      Conn k = x.conn;
      long cid = k == null ? 0 : k.id;
      c.closeReason = "error";
      if (x.returned) Events.bodyEnd(x.id, cid, x.bytes, -1, false, "abort");
      Events.putIdleConn(x.id, cid, "error");
      if (x.returned) forget(c, holder);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /**
   * The body's end released its connection: the holder (released once) and, when the entity's own
   * end hook runs, the entity leave the table now rather than at their collection, so that a busy
   * client keeps it small (an entity released by the response's close stays until collected).
   */
  private static void forget(Cur c, Object holder) {
    table.remove(holder);
    if (c.causeEntity != null) table.remove(c.causeEntity);
  }

  /** The release or abort is over: its connection close (if any) has been reported. */
  public static void releaseDone() {
    current.get().closeReason = null;
  }

  /** The request's URI (absolute, or a path on {@code target}, "http://host:port"). */
  static String url(String target, String uri) {
    return target != null && !uri.contains("://") ? target + uri : uri;
  }

  /** Which HC4 timeout {@code error} (or its cause) is, in RequestConfig's words; null for none. */
  static String timeoutKind(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      String n = t.getClass().getName();
      if (n.equals("org.apache.http.conn.ConnectionPoolTimeoutException")) return "connectionRequest";
      if (n.equals("org.apache.http.conn.ConnectTimeoutException")) return "connect";
      if (t instanceof java.net.SocketTimeoutException) return "socket";
      if (t.getCause() == t) break;
    }
    return null;
  }
}
