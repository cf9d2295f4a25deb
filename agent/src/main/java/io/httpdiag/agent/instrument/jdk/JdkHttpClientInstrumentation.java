package io.httpdiag.agent.instrument.jdk;

import io.httpdiag.agent.instrument.AgentBuilders;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * The JDK HttpClient ({@code java.net.http}, internals in {@code jdk.internal.net.http}): one tiny
 * advice per hook of {@link JdkHooks}. Advice is inlined into platform-loader classes, so it only
 * calls this package's adapter ({@link JdkExchanges}, {@link JdkConnections}, {@link JdkBodies},
 * {@link JdkHttp2}, {@link JdkClients}: bootstrap, java.base types) and unpacks {@code java.net.http}
 * values itself.
 * No advice touches the {@code CompletableFuture} that {@code sendAsync} returns.
 *
 * <p>{@link JdkHooks} lists the hooks; {@link JdkHttpClientLibrary} checks them against this JDK.
 */
public final class JdkHttpClientInstrumentation {
  private JdkHttpClientInstrumentation() {}

  /**
   * Adds the advice of {@code hooks} (all on one class) to {@code builder}. {@code advicePool} reads
   * the advice classes from the agent jar and the java.net.http types they name from the platform loader.
   */
  static DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, List<JdkHooks.Hook> hooks, TypePool advicePool,
      ClassFileLocator locator) {
    for (JdkHooks.Hook h : hooks) {
      AsmVisitorWrapper w = Advice.to(advicePool.describe(h.advice).resolve(), locator)
          .withExceptionHandler(AgentBuilders.countFailures()).on(JdkHooks.method(h));
      builder = builder.visit(w);
    }
    return builder;
  }

  static ElementMatcher<TypeDescription> type(Map<String, List<JdkHooks.Hook>> hooks) {
    return t -> hooks.containsKey(t.getName());
  }

  // ------------------------------------------------------------------ advice

  /** The facade (what the user holds; the impl only refers to it weakly) comes from {@code facadeRef}. */
  public static final class ClientCreated {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This HttpClient client,
        @Advice.FieldValue("facadeRef") java.lang.ref.Reference<?> facadeRef) {
      Optional<Duration> ct = client.connectTimeout();
      JdkClients.clientCreated(client, facadeRef == null ? null : facadeRef.get(),
          ct.isPresent() ? ct.get().toMillis() : -1, String.valueOf(client.version()),
          String.valueOf(client.followRedirects()));
    }
  }

  public static final class ClientShutdown {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object client) {
      JdkClients.clientShutdown(client);
    }
  }

  public static final class ClientStopped {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object client) {
      JdkClients.clientStopped(client);
    }
  }

  public static final class ExchangeStart {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object multi, @Advice.Argument(0) HttpRequest request,
        @Advice.Argument(1) Object requestImpl, @Advice.Argument(2) HttpClient client,
        @Advice.FieldValue("exchange") Object firstExchange) {
      Optional<Duration> rt = request.timeout();
      Optional<Duration> ct = client.connectTimeout();
      Optional<HttpRequest.BodyPublisher> body = request.bodyPublisher();
      JdkExchanges.exchangeStart(multi, requestImpl, request.method(), String.valueOf(request.uri()),
          rt.isPresent() ? rt.get().toMillis() : -1, ct.isPresent() ? ct.get().toMillis() : -1,
          body.isPresent() ? body.get().contentLength() : 0);
      JdkExchanges.link(firstExchange, multi); // made inside the constructor, before this advice ran
    }
  }

  public static final class Attempt {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object multi, @Advice.FieldValue("attempts") AtomicInteger attempts,
        @Advice.FieldValue("currentreq") HttpRequest current, @Advice.FieldValue("previousreq") Object previous) {
      JdkExchanges.attempt(multi, attempts.get(), current, previous, String.valueOf(current.uri()));
    }
  }

  public static final class Cancel {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object multi,
        @Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object arg,
        @Advice.FieldValue("cancelled") boolean cancelled) {
      if (arg instanceof Boolean) JdkExchanges.canceled(multi, (Boolean) arg, cancelled);
    }
  }

  public static final class Failed {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object multi, @Advice.Argument(0) Throwable error,
        @Advice.Return CompletableFuture<?> result) {
      if (result != null) JdkExchanges.failed(multi, error, result);
    }
  }

  /** Exchange(request, multi[, acc]) and ExchangeImpl(exchange): the second or only link to the parent. */
  public static final class ExchangeLink {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object self, @Advice.AllArguments Object[] args) {
      JdkExchanges.link(self, args.length == 1 ? args[0] : args[1]);
    }
  }

  public static final class Dns {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This HttpRequest request) {
      java.net.URI u = request.uri();
      JdkExchanges.dnsStart(request, u.getHost(), u.getPort(), u.getScheme());
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.This Object request, @Advice.Return Object address, @Advice.Thrown Throwable error) {
      JdkExchanges.dnsDone(request, address, error);
    }
  }

  public static final class GetConnection {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) InetSocketAddress address, @Advice.Argument(2) Object request) {
      JdkConnections.getConn(request, address);
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) InetSocketAddress address, @Advice.Argument(2) Object request,
        @Advice.Return Object conn) {
      JdkConnections.gotConnection(request, conn, address, conn == null ? null : conn.getClass().getName());
    }
  }

  public static final class PoolGet {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Return Object conn) {
      JdkConnections.poolHit(conn);
    }
  }

  public static final class ReturnToPool {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object conn) {
      JdkConnections.returnToPool(conn);
    }
  }

  public static final class Purge {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter() {
      JdkConnections.purging(true);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit() {
      JdkConnections.purging(false);
    }
  }

  public static final class ConnectAsync {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object plain, @Advice.Argument(0) Object exchange,
        @Advice.FieldValue("address") InetSocketAddress address, @Advice.FieldValue("tube") Object tube) {
      JdkConnections.connectStart(plain, exchange, address, tube);
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) Object exchange, @Advice.FieldValue("chan") SocketChannel chan) {
      JdkConnections.connectReturned(exchange, chan);
    }
  }

  public static final class ConnectEventHandled {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.FieldValue("exchange") Object exchange,
        @Advice.FieldValue("cf") CompletableFuture<?> cf) {
      JdkConnections.connected(exchange, null, cf.isCompletedExceptionally());
    }
  }

  public static final class FinishConnect {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object plain) {
      JdkConnections.finishConnect(plain);
    }
  }

  public static final class Close {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object plain) {
      JdkConnections.closed(plain);
    }
  }

  public static final class TlsStart {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) SSLEngine engine, @Advice.Argument(3) Object plainTube) {
      JdkConnections.tlsStart(engine, plainTube);
    }
  }

  public static final class TlsDone {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("engine") SSLEngine engine) {
      JdkConnections.tlsDone(engine);
    }
  }

  public static final class Outgoing {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.FieldValue("state") Object state) {
      return state;
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object http1Exchange, @Advice.Enter Object before,
        @Advice.FieldValue("state") Object after) {
      if (before != after) JdkExchanges.outgoing(http1Exchange, before, after);
    }
  }

  public static final class Received {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("owner") Object owner, @Advice.FieldValue("received") AtomicLong received) {
      if (received.get() == 0) JdkExchanges.received(owner, 0);
    }
  }

  public static final class ResponseHeaders {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(1) Object exchange, @Advice.Argument(2) HttpHeaders headers,
        @Advice.Argument(4) int status, @Advice.Argument(5) Object version) {
      JdkExchanges.responseHeaders(exchange, status, headers.firstValueAsLong("content-length").orElse(-1L),
          String.valueOf(version));
    }
  }

  /** readBodyAsync(handler, ..): the user's body handler runs inside, on this thread. */
  public static final class ReadBody {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object impl) {
      JdkBodies.handlerEnter(impl);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Thrown Throwable error) {
      JdkBodies.handlerExit(error);
    }
  }

  public static final class BodySubscriberCreated {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object wrapper) {
      JdkBodies.bodySubscriberCreated(wrapper);
    }
  }

  public static final class BodyNext {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object wrapper, @Advice.Argument(0) List<?> buffers) {
      JdkBodies.bodyBytes(wrapper, buffers);
    }
  }

  public static final class BodyComplete {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object wrapper) {
      JdkBodies.bodyDone(wrapper, null, false);
    }
  }

  public static final class BodyError {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object wrapper, @Advice.Argument(0) Throwable error) {
      JdkBodies.bodyDone(wrapper, error, false);
    }
  }

  public static final class BodyCancel {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object wrapper) {
      JdkBodies.bodyDone(wrapper, null, true);
    }
  }

  public static final class StreamCreated {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object stream) {
      JdkBodies.streamCreated(stream);
    }
  }

  public static final class StreamRead {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object stream, @Advice.Return int n) {
      if (n < 0) JdkBodies.streamEof(stream);
    }
  }

  public static final class StreamClose {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object stream) {
      JdkBodies.streamClosed(stream);
    }
  }

  public static final class H2Connection {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object h2, @Advice.FieldValue("connection") Object connection) {
      JdkHttp2.h2Connection(h2, connection);
    }
  }

  public static final class H2Stream {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object stream, @Advice.Argument(0) Object h2) {
      JdkHttp2.h2Stream(stream, h2);
    }
  }

  public static final class H2StreamClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object stream) {
      JdkHttp2.h2StreamClosed(stream);
    }
  }

  public static final class RequestTimeout {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("multiExchange") Object multi) {
      JdkExchanges.timeout(multi, "request");
    }
  }

  public static final class ConnectTimeout {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("exchange") Object exchange) {
      JdkExchanges.timeout(exchange, "connect");
    }
  }
}
