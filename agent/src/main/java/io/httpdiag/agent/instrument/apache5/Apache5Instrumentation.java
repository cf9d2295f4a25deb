package io.httpdiag.agent.instrument.apache5;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import net.bytebuddy.asm.Advice;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.pool.ConnPoolControl;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.PoolStats;

/**
 * Apache HttpClient 5 classic: one small advice per hook of {@link Apache5Hooks}. Advice is inlined
 * into the library's classes (whatever loader defines them), unpacks HttpClient values itself and
 * calls only this package's adapter ({@link Apache5Exchanges}, {@link Apache5Connections},
 * {@link Apache5Clients}: boot class path, java.base types; this outer class names no HttpClient type,
 * as it is loaded by the boot loader). Compiled against 5.6 but calls only
 * methods 5.1 has, except in {@link ConnectionConfigSet}, whose hook exists from 5.2.
 */
public final class Apache5Instrumentation {
  private Apache5Instrumentation() {}

  // ------------------------------------------------------------------ clients

  public static final class ClientCreated {
    @Advice.OnMethodExit(suppress = Throwable.class)
    @SuppressWarnings("deprecation") // RequestConfig.getConnectTimeout: 5.1's connect timeout, still honoured in 5.6
    public static void exit(@Advice.This Object client, @Advice.FieldValue("connManager") Object manager,
        @Advice.FieldValue("defaultConfig") RequestConfig config) {
      Apache5Clients.created(client, manager, config == null ? -1 : (config.getConnectTimeout() == null ? -1 : config.getConnectTimeout().toMilliseconds()),
          config == null ? -1 : (config.getResponseTimeout() == null ? -1 : config.getResponseTimeout().toMilliseconds()));
    }
  }

  public static final class ClientClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object client) {
      Apache5Clients.closed(client);
    }
  }

  public static final class SocketConfigSet {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object manager, @Advice.Argument(0) SocketConfig config) {
      Apache5Clients.socketConfig(manager, config == null ? -1 : (config.getSoTimeout() == null ? -1 : config.getSoTimeout().toMilliseconds()));
    }
  }

  /** 5.2+ only: the advice is applied only where the method exists, so ConnectionConfig is there too. */
  public static final class ConnectionConfigSet {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object manager, @Advice.Argument(0) ConnectionConfig config) {
      if (config != null) {
        Apache5Clients.connectionConfig(manager, (config.getConnectTimeout() == null ? -1 : config.getConnectTimeout().toMilliseconds()), (config.getSocketTimeout() == null ? -1 : config.getSocketTimeout().toMilliseconds()));
      }
    }
  }

  public static final class ManagerBuilt {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object builder, @Advice.Return Object manager) {
      Apache5Clients.managerBuilt(builder, manager);
    }
  }

  // ------------------------------------------------------------------ exchanges

  public static final class Execute {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    @SuppressWarnings("deprecation") // RequestConfig.getConnectTimeout: see ClientCreated
    public static Object enter(@Advice.This Object client, @Advice.Argument(0) HttpHost target,
        @Advice.Argument(1) ClassicHttpRequest request, @Advice.Argument(2) HttpContext context,
        @Advice.FieldValue("defaultConfig") RequestConfig defaultConfig) {
      RequestConfig config = request instanceof org.apache.hc.client5.http.config.Configurable
          ? ((org.apache.hc.client5.http.config.Configurable) request).getConfig() : null;
      if (config == null && context != null) {
        Object c = context.getAttribute("http.request-config");
        if (c instanceof RequestConfig) config = (RequestConfig) c;
      }
      if (config == null) config = defaultConfig;
      String url;
      try {
        url = target != null ? target.toURI() + request.getRequestUri() : String.valueOf(request.getUri());
      } catch (Exception e) {
        url = request.getRequestUri();
      }
      return Apache5Exchanges.execute(client, request.getMethod(), url,
          config == null ? -1 : (config.getResponseTimeout() == null ? -1 : config.getResponseTimeout().toMilliseconds()),
          config == null ? -1 : (config.getConnectTimeout() == null ? -1 : config.getConnectTimeout().toMilliseconds()));
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Object exchange, @Advice.Return CloseableHttpResponse response,
        @Advice.Thrown Throwable error) {
      HttpEntity entity = response == null ? null : response.getEntity();
      Apache5Exchanges.executed(exchange, response, entity != null && entity.isStreaming(), error);
    }
  }

  public static final class RuntimeCreated {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object runtime) {
      Apache5Exchanges.runtimeCreated(runtime);
    }
  }

  /**
   * The lease: the pool's statistics are read only when it took over a millisecond (at the limit, a
   * request waits in the pool), so the common path costs two clock reads.
   */
  public static final class AcquireEndpoint {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static long enter(@Advice.This Object runtime, @Advice.Argument(1) HttpRoute route) {
      Apache5Exchanges.leaseRequested(runtime, route.getTargetHost().toHostString());
      return System.nanoTime();
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    @SuppressWarnings("unchecked")
    public static void exit(@Advice.This Object runtime, @Advice.Enter long start, @Advice.Argument(1) HttpRoute route,
        @Advice.FieldValue("manager") Object manager, @Advice.Thrown Throwable error) {
      long waited = System.nanoTime() - start;
      PoolStats r = null;
      PoolStats t = null;
      if (waited > 1_000_000L && start != 0 && manager instanceof ConnPoolControl) {
        r = ((ConnPoolControl<HttpRoute>) manager).getStats(route);
        t = ((ConnPoolControl<HttpRoute>) manager).getTotalStats();
      }
      Apache5Exchanges.leaseDone(runtime, waited, error,
          r == null ? -1 : r.getLeased(), r == null ? -1 : r.getPending(), r == null ? -1 : r.getMax(),
          t == null ? -1 : t.getLeased(), t == null ? -1 : t.getPending(), t == null ? -1 : t.getMax());
    }
  }

  /**
   * The pool hands an entry over: {@code PoolingHttpClientConnectionManager$InternalConnectionEndpoint}
   * made with it (its only constructor: static nested since 5.5, {@code (PoolEntry)}; an inner class
   * in 5.1-5.4, {@code (PoolingHttpClientConnectionManager, PoolEntry)}: {@link LeasedInner}).
   */
  public static final class Leased {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) PoolEntry<?, ?> entry) {
      Object connection = entry.getConnection();
      // 5.6 assigns a new, unconnected connection to a new entry before this: only an open one is reused.
      boolean open = connection instanceof org.apache.hc.core5.http.HttpConnection
          && ((org.apache.hc.core5.http.HttpConnection) connection).isOpen();
      Apache5Connections.leased(connection, open, entry.getUpdated());
    }
  }

  /** {@link Leased} for 5.1-5.4, where the entry is the second argument (after the outer manager). */
  public static final class LeasedInner {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) PoolEntry<?, ?> entry) {
      Object connection = entry.getConnection();
      boolean open = connection instanceof org.apache.hc.core5.http.HttpConnection
          && ((org.apache.hc.core5.http.HttpConnection) connection).isOpen();
      Apache5Connections.leased(connection, open, entry.getUpdated());
    }
  }

  public static final class ReleaseEndpoint {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.FieldValue("endpointRef") AtomicReference<?> endpoint,
        @Advice.FieldValue("reusable") boolean reusable) {
      boolean pooled = reusable && endpoint.get() != null; // else discardEndpoint(endpoint) reports it
      if (pooled) Apache5Exchanges.releasing();
      return pooled;
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object runtime, @Advice.Enter boolean pooled) {
      if (pooled) Apache5Exchanges.released(runtime);
    }
  }

  /** The private {@code discardEndpoint(ConnectionEndpoint)}: not reusable, failed, cancelled or closed early. */
  public static final class DiscardEndpoint {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object runtime) {
      Apache5Exchanges.discarded(runtime);
    }
  }

  // ------------------------------------------------------------------ response entity

  public static final class BodyEof {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("execRuntime") Object runtime, @Advice.Argument(0) InputStream in) {
      Apache5Exchanges.bodyEnded(runtime, "eof", true);
    }
  }

  /** Closing the entity's stream before its end: HttpClient reads the rest (ContentLength/ChunkedInputStream.close). */
  public static final class BodyStreamClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("execRuntime") Object runtime) {
      Apache5Exchanges.bodyEnded(runtime, "close", true);
    }
  }

  public static final class BodyAbort {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("execRuntime") Object runtime) {
      Apache5Exchanges.bodyEnded(runtime, "abort", false);
    }
  }

  public static final class BodyWritten {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.FieldValue("execRuntime") Object runtime, @Advice.Argument(0) OutputStream out) {
      Apache5Exchanges.bodyEnded(runtime, "eof", true);
    }
  }

  /** 5.5+: the entity closed (by CloseableHttpResponse.close()): the rest is read and the connection kept. */
  public static final class EntityClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("execRuntime") Object runtime) {
      Apache5Exchanges.bodyEnded(runtime, "close", true);
    }
  }

  public static final class ResponseClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter() {
      Apache5Exchanges.responseClose(false);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit() {
      Apache5Exchanges.responseClose(true);
    }
  }

  // ------------------------------------------------------------------ connections

  public static final class Connect {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.Argument(1) HttpHost host) {
      return Apache5Connections.connectStart(host.toHostString());
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter boolean outermost, @Advice.Argument(0) ManagedHttpClientConnection connection,
        @Advice.Thrown Throwable error) {
      SSLSession tls = error == null ? connection.getSSLSession() : null;
      Apache5Connections.connectDone(outermost, connection,
          error == null ? String.valueOf(connection.getRemoteAddress()) : null,
          tls == null ? null : tls.getProtocol(), tls == null ? null : tls.getCipherSuite(), error);
    }
  }

  public static final class ConnectionClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object connection) {
      Apache5Connections.closed(connection);
    }
  }

  public static final class RequestHeaderSent {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) ClassicHttpRequest request) {
      HttpEntity entity = request.getEntity();
      Apache5Connections.requestHeaderSent(entity == null ? 0 : entity.getContentLength());
    }
  }

  public static final class ResponseHeader {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter() {
      Apache5Connections.awaitingResponse();
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Return ClassicHttpResponse response) {
      Header length = response.getFirstHeader("Content-Length");
      long contentLength = -1;
      if (length != null) {
        try {
          contentLength = Long.parseLong(length.getValue().trim());
        } catch (NumberFormatException e) {
          contentLength = -1;
        }
      }
      Apache5Connections.responseHeader(response.getCode(), contentLength);
    }
  }
}
