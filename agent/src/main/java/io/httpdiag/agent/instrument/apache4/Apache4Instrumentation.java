package io.httpdiag.agent.instrument.apache4;

import io.httpdiag.agent.instrument.AgentBuilders;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.pool.TypePool;
import org.apache.http.HttpEntity;
import org.apache.http.HttpEntityEnclosingRequest;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;
import org.apache.http.HttpResponse;
import org.apache.http.RequestLine;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.Configurable;
import org.apache.http.client.protocol.HttpClientContext;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.HttpClientConnectionManager;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.impl.BHttpConnectionBase;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.pool.AbstractConnPool;
import org.apache.http.pool.PoolEntry;
import org.apache.http.pool.PoolStats;
import org.apache.http.protocol.HttpContext;

/**
 * Apache HttpClient 4.5 ({@code org.apache.http}): one tiny advice per hook of {@link Apache4Hooks}. The
 * advice is compiled against HC4 but never loaded by us: it is read from the agent jar and inlined into
 * HC4's classes in the application's class loader, where HC4's types resolve; it unpacks HC4's values and
 * calls the adapter ({@link Apache4Exchanges}, {@link Apache4Connections}, {@link Apache4Clients}) with
 * java.base types. Package-private HC4 types (ConnectionHolder, ResponseEntityProxy) are named as Object.
 *
 * <p>HC4's classes are Java 6 class files: advice code must not compile to invokedynamic (no string
 * concatenation, no lambdas): the adapter builds strings.
 */
public final class Apache4Instrumentation {
  private Apache4Instrumentation() {}

  /** Adds the advice of {@code hooks} (all on one class) to {@code builder}. */
  static DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, List<Apache4Hooks.Hook> hooks,
      TypePool advicePool, ClassFileLocator locator) {
    for (Apache4Hooks.Hook h : hooks) {
      builder = builder.visit(Advice.to(advicePool.describe(h.advice).resolve(), locator)
          .withExceptionHandler(AgentBuilders.countFailures()).on(Apache4Hooks.method(h)));
    }
    return builder;
  }

  // ------------------------------------------------------------------ client

  /** InternalHttpClient(execChain, connManager, ..., defaultConfig, closeables). */
  public static final class ClientCreated {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object client, @Advice.Argument(1) HttpClientConnectionManager cm,
        @Advice.Argument(7) RequestConfig rc) {
      int socket = rc == null ? -1 : rc.getSocketTimeout();
      if (socket < 0 && cm instanceof PoolingHttpClientConnectionManager) {
        SocketConfig sc = ((PoolingHttpClientConnectionManager) cm).getDefaultSocketConfig(); // null: SocketConfig.DEFAULT
        socket = sc == null ? 0 : sc.getSoTimeout();
      }
      Apache4Clients.created(client, rc == null ? -1 : rc.getConnectTimeout(), socket,
          rc == null ? -1 : rc.getConnectionRequestTimeout());
    }
  }

  public static final class ClientClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object client) {
      Apache4Clients.closed(client);
    }
  }

  // ------------------------------------------------------------------ exchange

  /**
   * InternalHttpClient.doExecute(target, request, context): the exchange, with the RequestConfig that
   * will apply (the request's, else the context's, else the client's) and, for a socket timeout left
   * unset, the pool's SocketConfig.
   */
  public static final class Execute {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.Argument(0) HttpHost target, @Advice.Argument(1) HttpRequest request,
        @Advice.Argument(2) HttpContext context, @Advice.FieldValue("defaultConfig") RequestConfig defaults,
        @Advice.FieldValue("connManager") HttpClientConnectionManager cm) {
      RequestConfig rc = request instanceof Configurable ? ((Configurable) request).getConfig() : null;
      if (rc == null && context != null) {
        Object a = context.getAttribute(HttpClientContext.REQUEST_CONFIG);
        if (a instanceof RequestConfig) rc = (RequestConfig) a;
      }
      if (rc == null) rc = defaults;
      int socket = rc == null ? -1 : rc.getSocketTimeout();
      if (socket < 0 && cm instanceof PoolingHttpClientConnectionManager) {
        SocketConfig sc = ((PoolingHttpClientConnectionManager) cm).getDefaultSocketConfig(); // null: SocketConfig.DEFAULT
        socket = sc == null ? 0 : sc.getSoTimeout();
      }
      RequestLine line = request.getRequestLine(); // HttpRequestBase makes a new one per call
      return Apache4Exchanges.start(line.getMethod(), target == null ? null : target.toURI(), line.getUri(),
          rc == null ? -1 : rc.getConnectTimeout(), socket);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Object token, @Advice.Return CloseableHttpResponse response,
        @Advice.Thrown Throwable error) {
      HttpEntity entity = response == null ? null : response.getEntity();
      Apache4Exchanges.end(token, entity, entity != null && entity.isStreaming(), error);
    }
  }

  /** MainClientExec.execute(route, request, context, execAware): one attempt (redirects and retries call it again). */
  public static final class Attempt {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) HttpRoute route, @Advice.Argument(1) HttpRequest request) {
      // The URL is built only for a second attempt (a redirect or a retry): the first is the exchange's own.
      if (Apache4Exchanges.nextAttempt()) {
        Apache4Exchanges.attempt(route.getTargetHost().toURI(), request.getRequestLine().getUri());
      }
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Thrown Throwable error) {
      Apache4Exchanges.attemptEnd(error);
    }
  }

  /** HttpRequestExecutor.doSendRequest: request line, headers and body written. */
  public static final class WroteRequest {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) HttpRequest request) {
      HttpEntity e = request instanceof HttpEntityEnclosingRequest ? ((HttpEntityEnclosingRequest) request).getEntity()
          : null;
      Apache4Exchanges.wroteRequest(e == null ? 0 : e.getContentLength());
    }
  }

  /** HttpRequestExecutor.doReceiveResponse: the final response's status line and headers. */
  public static final class ResponseHeaders {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Return HttpResponse response) {
      if (response == null) return;
      HttpEntity e = response.getEntity();
      Apache4Exchanges.responseHeaders(response.getStatusLine().getStatusCode(), e == null ? 0 : e.getContentLength());
    }
  }

  // ------------------------------------------------------------------ pool and connections

  /** PoolingHttpClientConnectionManager.requestConnection(route, state). */
  public static final class RequestConnection {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) HttpRoute route) {
      Apache4Connections.getConn(route.getTargetHost().toHostString());
    }
  }

  /**
   * AbstractConnPool.getPoolEntryBlocking(route, state, timeout, unit, future): the lease, waiting while the
   * route or the pool is at its limit. Stats are asked only after a wait (they take the pool's lock).
   */
  public static final class Lease {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static long enter() {
      return Apache4Connections.leaseStart();
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.This AbstractConnPool pool, @Advice.Argument(0) Object route, @Advice.Enter long start,
        @Advice.Return PoolEntry entry) {
      if (start == 0) return;
      long wait = System.nanoTime() - start;
      int limit = -1, leased = -1, pending = -1;
      String setting = null;
      if (wait >= Apache4Connections.WAIT_NANOS) {
        PoolStats r = pool.getStats(route);
        if (r.getLeased() >= r.getMax()) {
          limit = r.getMax();
          leased = r.getLeased();
          pending = r.getPending();
          setting = Apache4Connections.PER_ROUTE;
        } else {
          PoolStats all = pool.getTotalStats();
          if (all.getLeased() >= all.getMax()) {
            limit = all.getMax();
            leased = all.getLeased();
            pending = all.getPending();
            setting = Apache4Connections.TOTAL;
          }
        }
      }
      Object conn = entry == null ? null : entry.getConnection();
      boolean open = conn instanceof org.apache.http.HttpConnection && ((org.apache.http.HttpConnection) conn).isOpen();
      Apache4Connections.leased(conn, open, entry == null ? 0 : entry.getUpdated(), wait, limit, leased, pending, setting);
    }
  }

  /** DefaultHttpClientConnectionOperator.connect(conn, host, local, connectTimeout, socketConfig, context). */
  public static final class Connect {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object conn) {
      Apache4Connections.connectEnter(conn);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Thrown Throwable error) {
      Apache4Connections.connectExit(error);
    }
  }

  /** SystemDefaultDnsResolver.resolve(host). */
  public static final class Dns {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.Argument(0) String host) {
      return Apache4Connections.dnsStart(host);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter boolean started, @Advice.Return InetAddress[] addresses,
        @Advice.Thrown Throwable error) {
      if (!started) return;
      StringBuilder b = new StringBuilder();
      if (addresses != null) {
        for (InetAddress a : addresses) b.append(b.length() == 0 ? "" : ",").append(a.getHostAddress());
      }
      Apache4Connections.dnsDone(b.toString(), error);
    }
  }

  /** Plain and SSL ConnectionSocketFactory.connectSocket(timeout, socket, host, remote, local, context). */
  public static final class SocketConnect {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(3) InetSocketAddress remote) {
      Apache4Connections.socketConnectStart(remote.getAddress().getHostAddress(), remote.getPort());
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Thrown Throwable error) {
      Apache4Connections.socketConnected(error);
    }
  }

  /** SSLConnectionSocketFactory.createLayeredSocket(socket, target, port, context): the TLS handshake. */
  public static final class TlsHandshake {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter() {
      Apache4Connections.tlsStart();
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Return Socket socket, @Advice.Thrown Throwable error) {
      SSLSession s = socket instanceof SSLSocket ? ((SSLSocket) socket).getSession() : null;
      Apache4Connections.tlsDone(s == null ? null : s.getProtocol(), s == null ? null : s.getCipherSuite(), error);
    }
  }

  /** BHttpConnectionBase.close() and shutdown(): an open connection closes. */
  public static final class ConnClose {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This BHttpConnectionBase conn) {
      if (conn.isOpen()) Apache4Connections.closed(conn);
    }
  }

  /** PoolingHttpClientConnectionManager.closeExpiredConnections / closeIdleConnections: the evictor's closes. */
  public static final class ClosingIdle {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static String enter() {
      return Apache4Connections.closing("idleTimeout");
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter String previous) {
      Apache4Connections.closingDone(previous);
    }
  }

  /** PoolingHttpClientConnectionManager.shutdown (and so close): the client closed its pool. */
  public static final class ClosingPool {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static String enter() {
      return Apache4Connections.closing("transportClosed");
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter String previous) {
      Apache4Connections.closingDone(previous);
    }
  }

  // ------------------------------------------------------------------ body

  /** ConnectionHolder(log, manager, managedConn): made by MainClientExec for this exchange's connection. */
  public static final class HolderCreated {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object holder) {
      Apache4Exchanges.holderCreated(holder);
    }
  }

  /** ConnectionHolder.releaseConnection(reusable) (private): every release goes through it. */
  public static final class Release {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object holder, @Advice.Argument(0) boolean reusable,
        @Advice.FieldValue("released") java.util.concurrent.atomic.AtomicBoolean released) {
      if (!released.get()) Apache4Exchanges.released(holder, reusable);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit() {
      Apache4Exchanges.releaseDone();
    }
  }

  /** ConnectionHolder.abortConnection(): the connection is shut down (a failure, or abort()/cancel()). */
  public static final class Abort {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object holder,
        @Advice.FieldValue("released") java.util.concurrent.atomic.AtomicBoolean released) {
      if (!released.get()) Apache4Exchanges.aborted(holder);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit() {
      Apache4Exchanges.releaseDone();
    }
  }

  /** ConnectionHolder.close() (CloseableHttpResponse.close()): releases without reuse. */
  public static final class HolderClose {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter() {
      return Apache4Exchanges.cause("close");
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter boolean set) {
      Apache4Exchanges.causeDone(set);
    }
  }

  /** ResponseEntityProxy(entity, connHolder). */
  public static final class EntityCreated {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object entity, @Advice.Argument(1) Object holder) {
      Apache4Exchanges.entityCreated(entity, holder);
    }
  }

  /** ResponseEntityProxy.eofDetected: read to the end. */
  public static final class EofDetected {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.This Object entity) {
      return Apache4Exchanges.cause("eof", entity);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter boolean set) {
      Apache4Exchanges.causeDone(set);
    }
  }

  /** ResponseEntityProxy.streamClosed: the entity's stream closed (HC4 reads the rest first). */
  public static final class StreamClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.This Object entity) {
      return Apache4Exchanges.cause("streamClosed", entity);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter boolean set) {
      Apache4Exchanges.causeDone(set);
    }
  }

  /** ResponseEntityProxy.streamAbort: EofSensorInputStream.abortConnection(). */
  public static final class StreamAbort {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.This Object entity) {
      return Apache4Exchanges.cause("abort", entity);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter boolean set) {
      Apache4Exchanges.causeDone(set);
    }
  }

  /** ResponseEntityProxy.writeTo: the whole entity written out. */
  public static final class WriteTo {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.This Object entity) {
      return Apache4Exchanges.cause("writeTo", entity);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter boolean set) {
      Apache4Exchanges.causeDone(set);
    }
  }

  /** EofSensorInputStream.read(b, off, len). */
  public static final class Read {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.FieldValue("eofWatcher") Object watcher, @Advice.Return int n) {
      Apache4Exchanges.read(watcher, n);
    }
  }

  /** EofSensorInputStream.read(): one byte, or -1. */
  public static final class ReadByte {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.FieldValue("eofWatcher") Object watcher, @Advice.Return int b) {
      Apache4Exchanges.read(watcher, b < 0 ? -1 : 1);
    }
  }
}
