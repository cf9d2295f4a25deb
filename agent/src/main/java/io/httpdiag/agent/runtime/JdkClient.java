package io.httpdiag.agent.runtime;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * What the advice on {@code java.net.http} internals calls: java.base types only (the JDK HttpClient
 * is defined by the platform loader; a boot class cannot name its types, so the advice unpacks
 * values). Turns the hook calls into the {@link Events} vocabulary.
 *
 * <p>State lives in one {@link WeakIdentityTable} keyed by the JDK's own objects: the
 * {@code MultiExchange} (one logical exchange, the owner), each attempt's {@code Exchange},
 * {@code ExchangeImpl} and {@code HttpRequestImpl}, the body subscriber, connections and their
 * tubes and SSL engines. Objects the table never saw (created before an attach) are ignored, and
 * connections of unknown history are reported as such. Every method never throws.
 */
public final class JdkClient {
  /** Table capacity: about ten entries per exchange in flight. */
  public static final int MAX_ENTRIES = 65_536;

  private static final AtomicLong exchangeIds = new AtomicLong();
  private static final AtomicLong connectionIds = new AtomicLong();
  private static final AtomicLong clientIds = new AtomicLong();
  private static final WeakIdentityTable table = new WeakIdentityTable(MAX_ENTRIES, JdkClient::expunged);
  /** Set between ConnectionPool.getConnection's exit and HttpConnection.getConnection's exit (same thread). */
  private static final ThreadLocal<Object> poolHit = new ThreadLocal<>();
  /** The exchange whose body handler runs on this thread (to adopt the HttpResponseInputStream it makes). */
  private static final ThreadLocal<Xch> handlerOf = new ThreadLocal<>();
  /** Set while the pool purges expired connections on this thread. */
  private static final ThreadLocal<Boolean> purging = new ThreadLocal<>();

  /** False where the JDK has no body wrapper for HTTP/2 streams (17.0.15): their bodies end at stream close. */
  public static volatile boolean h2BodyObserved = true;

  private JdkClient() {}

  /** One logical exchange (a MultiExchange) and its current attempt. */
  static final class Xch {
    final long id;
    volatile Conn conn;
    volatile int attempt = 1;
    volatile boolean getConn, dns, gotConn;
    /** 0 or 1, set once per attempt by whichever thread reports it first (CAS). */
    volatile int connectDone, gotConnOnce, firstByte;
    volatile long requestBytes = -1;
    volatile int status;
    volatile boolean undrained, streamClosed;
    /** The HttpResponseInputStream's body (ofInputStream, ofLines): its collection decides, not ours. */
    volatile Body stream;

    Xch(long id) {
      this.id = id;
    }
  }

  /** One connection (the one the exchange uses: plain, or the SSL one wrapping a plain one). */
  static final class Conn {
    final long id;
    final long createdAt;
    final boolean unknownHistory;
    volatile boolean tls, tlsDone, closed, idle, h2;
    volatile long idleSince;
    volatile int requests;
    volatile Xch current;
    volatile String hostPort;

    Conn(long id, long createdAt, boolean unknownHistory) {
      this.id = id;
      this.createdAt = createdAt;
      this.unknownHistory = unknownHistory;
    }
  }

  /** A response body: the JDK's subscriber wrapper, or the HttpResponseInputStream behind it. */
  static final class Body {
    final Xch x;
    /** True for an HttpResponseInputStream (the caller must read or close it), false for a wrapper. */
    final boolean isStream;
    final AtomicLong bytes = new AtomicLong();
    volatile Body stream; // the wrapper's HttpResponseInputStream, if the handler made one
    volatile boolean received, ended;

    Body(Xch x, boolean isStream) {
      this.x = x;
      this.isStream = isStream;
    }
  }

  private static final AtomicIntegerFieldUpdater<Xch> CONNECT_DONE =
      AtomicIntegerFieldUpdater.newUpdater(Xch.class, "connectDone");
  private static final AtomicIntegerFieldUpdater<Xch> GOT_CONN =
      AtomicIntegerFieldUpdater.newUpdater(Xch.class, "gotConnOnce");
  private static final AtomicIntegerFieldUpdater<Xch> FIRST_BYTE =
      AtomicIntegerFieldUpdater.newUpdater(Xch.class, "firstByte");

  public static int tableSize() {
    return table.size();
  }

  public static long tableDropped() {
    return table.dropped.get();
  }

  // ------------------------------------------------------------------ client

  /**
   * HttpClientImpl constructed; {@code facade} is the HttpClientFacade the user holds (the impl refers
   * to it weakly), watched on JDK 21+ for a client dropped without close().
   */
  public static void clientCreated(Object client, Object facade, long connectTimeoutMillis, String version,
      String redirect) {
    try {
      ClientHold.built(facade);
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

  /** One HttpClientImpl. */
  static final class JClient {
    final String name;
    volatile ClientWatch watch;
    volatile boolean shutdown;

    JClient(String name) {
      this.name = name;
    }
  }

  // ------------------------------------------------------------------ exchange

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

  // ------------------------------------------------------------------ connections

  public static void getConn(Object request, InetSocketAddress address) {
    try {
      Xch x = xch(request);
      if (x == null) return;
      poolHit.remove();
      if (x.getConn) return;
      x.getConn = true;
      Events.getConn(x.id, hostPort(address));
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** ConnectionPool.getConnection returned {@code conn} (non-null: a pool hit). */
  public static void poolHit(Object conn) {
    if (conn != null) poolHit.set(conn);
  }

  /** HttpConnection.getConnection returned {@code conn} for the exchange's request. */
  public static void gotConnection(Object request, Object conn, InetSocketAddress address, String connClass) {
    try {
      Object hit = poolHit.get();
      poolHit.remove();
      Xch x = xch(request);
      if (x == null || conn == null) return;
      long now = System.nanoTime();
      Object known = table.get(conn);
      Conn c = known instanceof Conn ? (Conn) known : null;
      if (hit == conn) {
        if (c == null) { // pooled before the agent was attached: history unknown
          c = new Conn(Ids.JDK_BASE + connectionIds.incrementAndGet(), 0, true);
          c.hostPort = hostPort(address);
          table.put(conn, c, false);
        }
        c.requests++;
        c.current = x;
        x.conn = c;
        x.gotConn = true;
        x.gotConnOnce = 1;
        c.idle = false;
        long idle = c.idleSince == 0 ? -1 : now - c.idleSince; // known once it went idle after the attach
        Events.gotConn(x.id, c.id, true, true, idle, c.unknownHistory ? -1 : now - c.createdAt,
            c.unknownHistory ? -1 : c.requests);
        return;
      }
      if (c == null) {
        c = new Conn(Ids.JDK_BASE + connectionIds.incrementAndGet(), now, false);
        c.hostPort = hostPort(address);
        c.tls = connClass != null && connClass.contains("SSL");
        table.put(conn, c, false);
      }
      c.current = x;
      x.conn = c;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** PlainHttpConnection.connectAsync(exchange) entered: links the plain connection and its tube. */
  public static void connectStart(Object plain, Object exchange, InetSocketAddress address, Object tube) {
    try {
      Xch x = xch(exchange);
      if (x == null) return;
      Conn c = x.conn;
      if (c == null) return;
      if (table.get(plain) == null) table.put(plain, c, false);
      if (tube != null && table.get(tube) == null) table.put(tube, c, false);
      Events.connectStart(x.id, hostPort(address));
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** connectAsync returned: the connect may have finished without blocking. */
  public static void connectReturned(Object exchange, SocketChannel channel) {
    try {
      if (channel != null && channel.isConnected()) connected(exchange, channel, false);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The TCP connect finished (ConnectEvent handled, or without blocking). */
  public static void connected(Object exchange, SocketChannel channel, boolean failed) {
    try {
      Xch x = xch(exchange);
      if (x == null || x.gotConn) return;
      Conn c = x.conn;
      if (c == null) return;
      if (channel != null && !channel.isConnected() && !failed) return;
      if (!CONNECT_DONE.compareAndSet(x, 0, 1)) return;
      Throwable error = failed ? new java.net.ConnectException("connect failed") : null;
      String addr = c.hostPort;
      if (channel != null && channel.isConnected() && channel.getRemoteAddress() instanceof InetSocketAddress) {
        addr = hostPort((InetSocketAddress) channel.getRemoteAddress());
      }
      Events.connectDone(x.id, c.id, addr, error);
      if (!c.tls && !failed) gotNewConn(x, c);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** PlainHttpConnection.finishConnect: connected for sure (for TLS, after the handshake). */
  public static void finishConnect(Object plain) {
    try {
      Object o = table.get(plain);
      if (!(o instanceof Conn)) return;
      Conn c = (Conn) o;
      Xch x = c.current;
      if (x == null) return;
      // Normally reported already (connect event, or TLS handshake): this is the fallback.
      if (CONNECT_DONE.compareAndSet(x, 0, 1)) {
        Events.connectDone(x.id, c.id, c.hostPort, null);
        gotNewConn(x, c);
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** SSLTube constructed over the plain connection's tube: the handshake starts. */
  public static void tlsStart(SSLEngine engine, Object plainTube) {
    try {
      Object o = table.get(plainTube);
      if (!(o instanceof Conn)) return;
      Conn c = (Conn) o;
      c.tls = true;
      table.put(engine, c, false);
      Xch x = c.current;
      if (x == null) return;
      if (CONNECT_DONE.compareAndSet(x, 0, 1)) { // connected without a ConnectEvent on this path
        Events.connectDone(x.id, c.id, c.hostPort, null);
      }
      Events.tlsHandshakeStart(x.id, c.id);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** SSLFlowDelegate.setALPN: the handshake finished. */
  public static void tlsDone(SSLEngine engine) {
    try {
      Object o = table.get(engine);
      if (!(o instanceof Conn)) return;
      Conn c = (Conn) o;
      if (c.tlsDone) return;
      c.tlsDone = true;
      Xch x = c.current;
      if (x == null) return;
      SSLSession s = engine.getSession();
      String alpn = engine.getApplicationProtocol();
      Events.tlsHandshakeDone(x.id, c.id, s == null ? null : s.getProtocol(), s == null ? null : s.getCipherSuite(),
          alpn == null || alpn.isEmpty() ? "none" : alpn, null);
      gotNewConn(x, c);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static void gotNewConn(Xch x, Conn c) {
    if (!GOT_CONN.compareAndSet(x, 0, 1)) return;
    x.gotConn = true;
    c.requests = 1;
    Events.gotConn(x.id, c.id, false, false, 0, 0, 1);
  }

  /** ConnectionPool.returnToPool(conn, ...): the exchange's connection goes idle. */
  public static void returnToPool(Object conn) {
    try {
      Object o = table.get(conn);
      if (!(o instanceof Conn)) return;
      Conn c = (Conn) o;
      c.idle = true;
      c.idleSince = System.nanoTime();
      Xch x = c.current;
      c.current = null;
      Events.putIdleConn(x == null ? 0 : x.id, c.id, "ok");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  public static void purging(boolean on) {
    if (on) purging.set(Boolean.TRUE); else purging.remove();
  }

  /** PlainHttpConnection.close(..): reports once per connection. */
  public static void closed(Object plain) {
    try {
      Object o = table.get(plain);
      if (!(o instanceof Conn)) return;
      Conn c = (Conn) o;
      if (c.closed) return;
      c.closed = true;
      Xch x = c.h2 ? null : c.current; // HTTP/2: streams end on their own
      String reason;
      if (purging.get() != null) {
        reason = "idleTimeout";
      } else if (c.idle || x == null) {
        reason = "peerClosed";
      } else {
        reason = x.undrained ? "undrained" : x.status != 0 ? "connectionClose" : "error";
      }
      if (x != null) {
        c.current = null;
        Events.putIdleConn(x.id, c.id, reason);
      }
      Events.clientConnClosed(c.id, reason);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  // ------------------------------------------------------------------ request and response

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

  /** Entering ExchangeImpl.createResponseSubscriber: the user's body handler runs next, on this thread. */
  public static void handlerEnter(Object exchangeImpl) {
    try {
      Object o = table.get(exchangeImpl);
      if (o instanceof Xch) handlerOf.set((Xch) o);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** readBodyAsync returned, or threw {@code error} (from the user's body handler). */
  public static void handlerExit(Throwable error) {
    try {
      Xch x = handlerOf.get();
      handlerOf.remove();
      streamMade.remove();
      if (x != null && error != null) Events.exchangeFailed(x.id, error);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The JDK wrapped the user's BodySubscriber (inside readBodyAsync, on this thread). */
  public static void bodySubscriberCreated(Object wrapper) {
    try {
      Xch x = handlerOf.get();
      if (x == null) return;
      Body b = new Body(x, false);
      Object stream = streamMade.get();
      streamMade.remove();
      if (stream instanceof Body) b.stream = (Body) stream;
      table.put(wrapper, b, false);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static final ThreadLocal<Object> streamMade = new ThreadLocal<>();

  /** A HttpResponseInputStream was made (BodyHandlers.ofInputStream or ofLines). */
  public static void streamCreated(Object stream) {
    try {
      Xch x = handlerOf.get();
      if (x == null) return;
      Body s = new Body(x, true);
      // An owner key: collected before EOF or close is the GC backstop's "collected unclosed".
      if (table.put(stream, s, true)) {
        streamMade.set(s);
        x.stream = s;
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** HttpBodySubscriberWrapper.onNext: bytes delivered to the user's subscriber. */
  public static void bodyBytes(Object wrapper, List<?> buffers) {
    try {
      Object o = table.get(wrapper);
      if (!(o instanceof Body) || buffers == null) return;
      long n = 0;
      for (int i = 0, size = buffers.size(); i < size; i++) {
        Object b = buffers.get(i);
        if (b instanceof ByteBuffer) n += ((ByteBuffer) b).remaining();
      }
      Body b = (Body) o;
      b.bytes.addAndGet(n);
      Body s = b.stream;
      if (s != null) s.bytes.addAndGet(n);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** HttpBodySubscriberWrapper.onComplete / onError / cancel. */
  public static void bodyDone(Object wrapper, Throwable error, boolean canceled) {
    try {
      Object o = table.get(wrapper);
      if (!(o instanceof Body)) return;
      Body b = (Body) o;
      Body s = b.stream;
      if (s != null) {
        s.received = error == null && !canceled;
        if (error == null && !canceled) return; // the stream's reader decides when the body ends
        endBody(s, false, canceled ? "canceled" : "error");
        return;
      }
      endBody(b, error == null && !canceled, error == null ? (canceled ? "canceled" : "complete") : "error");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** HttpResponseInputStream.read returned -1. */
  public static void streamEof(Object stream) {
    try {
      Object o = table.get(stream);
      if (o instanceof Body) endBody((Body) o, true, "eof");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** HttpResponseInputStream.close: before EOF unless already ended. */
  public static void streamClosed(Object stream) {
    try {
      Object o = table.get(stream);
      if (o instanceof Body) endBody((Body) o, false, "closeBeforeEof");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static void endBody(Body b, boolean drained, String closedBy) {
    if (b.ended) return;
    b.ended = true;
    Xch x = b.x;
    Conn c = x.conn;
    if (!drained) x.undrained = true;
    if (c != null && c.h2 && !x.streamClosed) { // the stream ends with its body; the connection stays shared
      x.streamClosed = true;
      Events.exchangeDone(x.id, "streamClosed");
    }
    Events.bodyEnd(x.id, c == null ? 0 : c.id, b.bytes.get(), -1, drained, closedBy);
  }

  // ------------------------------------------------------------------ timeouts, cancellation, failure

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

  // ------------------------------------------------------------------ HTTP/2

  /** Http2Connection made over {@code conn} (the TLS connection): the new connection is multiplexed. */
  public static void h2Connection(Object h2conn, Object conn) {
    try {
      Object o = table.get(conn);
      if (!(o instanceof Conn) || table.get(h2conn) != null) return;
      ((Conn) o).h2 = true;
      ((Conn) o).current = null;
      table.put(h2conn, o, false);
      Events.clientConnection(((Conn) o).id, "h2Connection");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** A Stream of {@code h2conn} was made for the exchange: a reused HTTP/2 connection unless it is new. */
  public static void h2Stream(Object stream, Object h2conn) {
    try {
      Xch x = xch(stream);
      Object o = table.get(h2conn);
      if (x == null) return;
      Conn c;
      if (o instanceof Conn) {
        c = (Conn) o;
      } else { // an HTTP/2 connection made before the attach
        c = new Conn(Ids.JDK_BASE + connectionIds.incrementAndGet(), 0, true);
        c.h2 = true;
        table.put(h2conn, c, false);
      }
      x.conn = c;
      if (!GOT_CONN.compareAndSet(x, 0, 1)) return;
      x.gotConn = true;
      c.requests++;
      Events.gotConn(x.id, c.id, true, false, 0, c.unknownHistory ? -1 : System.nanoTime() - c.createdAt,
          c.unknownHistory ? -1 : c.requests);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The exchange's HTTP/2 stream is done: no connection goes back to a pool. */
  public static void h2StreamClosed(Object stream) {
    try {
      Xch x = xch(stream);
      if (x == null || x.streamClosed) return;
      x.streamClosed = true;
      Conn c = x.conn;
      if (!h2BodyObserved) Events.bodyEnd(x.id, c == null ? 0 : c.id, -1, -1, true, "streamClosed");
      Events.exchangeDone(x.id, "streamClosed");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static Xch xch(Object key) {
    Object o = table.get(key);
    return o instanceof Xch ? (Xch) o : null;
  }

  /**
   * Polls the table for collected keys (the detectors' sweeper calls it, so collections are seen
   * without waiting for the next put).
   */
  public static void expungeCollected() {
    try {
      table.expunge();
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static void expunged(Object value) {
    if (value instanceof Xch) {
      Xch x = (Xch) value;
      Body s = x.stream;
      // The caller may still hold the stream (it does not keep the MultiExchange alive): its own
      // collection, or its EOF or close, ends the exchange.
      if (s != null && !s.ended) return;
      Events.exchangeAbandoned(x.id);
    } else if (value instanceof Body) {
      Body b = (Body) value;
      if (!b.isStream || b.ended) return;
      b.ended = true;
      Events.bodyCollected(b.x.id); // an HttpResponseInputStream collected before EOF or close
    }
  }

  private static long millisToNanos(long millis) {
    return millis < 0 ? -1 : millis * 1_000_000L;
  }

  static String hostPort(InetSocketAddress a) {
    return a == null ? null : a.getHostString() + ":" + a.getPort();
  }
}
