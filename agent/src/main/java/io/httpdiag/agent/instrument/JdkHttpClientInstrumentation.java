package io.httpdiag.agent.instrument;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.httpdiag.agent.runtime.JdkClient;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * The JDK HttpClient ({@code java.net.http}, internals in {@code jdk.internal.net.http}): the hook
 * table (class, method, argument count; matched by name and count because signatures differ between
 * JDKs) and one tiny advice per hook. Advice is inlined into platform-loader classes, so it only
 * calls {@link JdkClient} (bootstrap, java.base types) and unpacks {@code java.net.http} values itself.
 * No advice touches the {@code CompletableFuture} that {@code sendAsync} returns.
 *
 * <p>{@link #present(List, List)} checks every hook against the running JDK's class files first; missing
 * hooks are skipped and named in one warning line.
 */
public final class JdkHttpClientInstrumentation {
  private static final String P = "jdk.internal.net.http.";
  private static final String INIT = "<init>";

  /** One hook: a method (or constructor, {@code <init>}) with {@code args} arguments, -1 for any. */
  static final class Hook {
    final String type;
    final String method;
    final int args;
    /** The advice class, by name: loading it in the boot loader would need java.net.http types. */
    final String advice;
    /** Hooks of one group are alternatives (one per JDK line): missing only when all of them are. */
    final String group;
    /** The first JDK feature release that has the method: on older ones the hook is left out silently. */
    final int since;

    Hook(String type, String method, int args, String advice) {
      this(type, method, args, advice, null);
    }

    Hook(String type, String method, int args, String advice, String group) {
      this(type, method, args, advice, group, 0);
    }

    Hook(String type, String method, int args, String advice, String group, int since) {
      this.type = P + type;
      this.method = method;
      this.args = args;
      this.advice = JdkHttpClientInstrumentation.class.getName() + "$" + advice;
      this.group = group;
      this.since = since;
    }

    @Override
    public String toString() {
      return type.substring(P.length()) + "." + method + "/" + (args < 0 ? "*" : Integer.toString(args));
    }
  }

  /** Every hook, as applied on JDK 17 and 25 (see agent/README.md). */
  static final List<Hook> HOOKS = List.of(
      new Hook("HttpClientImpl", INIT, 2, "ClientCreated"),
      new Hook("HttpClientImpl", "stop", 0, "ClientStopped"),
      // JDK 21+: HttpClient.close() and shutdownNow() go through shutdown().
      new Hook("HttpClientImpl", "shutdown", 0, "ClientShutdown", null, 21),
      new Hook("MultiExchange", INIT, -1, "ExchangeStart"),
      new Hook("MultiExchange", "responseAsyncImpl", 0, "Attempt"),
      new Hook("MultiExchange", "cancel", 1, "Cancel"),
      new Hook("MultiExchange", "getExceptionalCF", -1, "Failed"), // (Throwable) on 17.0.15, (Throwable, ExchangeImpl) later
      new Hook("Exchange", INIT, -1, "ExchangeLink"),
      new Hook("ExchangeImpl", INIT, 1, "ExchangeLink"),
      new Hook("HttpRequestImpl", "getAddress", 0, "Dns"),
      new Hook("HttpConnection", "getConnection", 4, "GetConnection"),
      new Hook("ConnectionPool", "getConnection", 3, "PoolGet"),
      new Hook("ConnectionPool", "returnToPool", 3, "ReturnToPool"),
      new Hook("ConnectionPool", "purgeExpiredConnectionsAndReturnNextDeadline", 1, "Purge"),
      new Hook("PlainHttpConnection", "connectAsync", 1, "ConnectAsync"),
      new Hook("PlainHttpConnection$ConnectEvent", "handle", 0, "ConnectEventHandled"),
      new Hook("PlainHttpConnection", "finishConnect", 0, "FinishConnect"),
      new Hook("PlainHttpConnection", "close", -1, "Close"),
      new Hook("common.SSLTube", INIT, 4, "TlsStart"),
      new Hook("common.SSLFlowDelegate", "setALPN", 0, "TlsDone"),
      new Hook("Http1Exchange", "getOutgoing", 0, "Outgoing"),
      new Hook("Http1AsyncReceiver", "asyncReceive", 1, "Received"),
      new Hook("Response", INIT, 7, "ResponseHeaders"),
      new Hook("Http1Exchange", "readBodyAsync", 3, "ReadBody"),
      new Hook("Stream", "readBodyAsync", 3, "ReadBody"),
      // The JDK's wrapper around the user's BodySubscriber: HttpBodySubscriberWrapper (HTTP/1.1 and
      // HTTP/2) in later updates, Http1Response$Http1BodySubscriber (HTTP/1.1 only) in 17.0.15.
      new Hook("common.HttpBodySubscriberWrapper", INIT, 1, "BodySubscriberCreated", "wrapper"),
      new Hook("common.HttpBodySubscriberWrapper", "onNext", 1, "BodyNext", "onNext"),
      new Hook("common.HttpBodySubscriberWrapper", "onComplete", 0, "BodyComplete", "onComplete"),
      new Hook("common.HttpBodySubscriberWrapper", "onError", 1, "BodyError", "onError"),
      new Hook("common.HttpBodySubscriberWrapper", "onCancel", 0, "BodyCancel", "wrapper"),
      new Hook("Http1Response$Http1BodySubscriber", INIT, 1, "BodySubscriberCreated", "wrapper"),
      new Hook("Http1Response$Http1BodySubscriber", "onNext", 1, "BodyNext", "onNext"),
      new Hook("Http1Response$Http1BodySubscriber", "onComplete", 0, "BodyComplete", "onComplete"),
      new Hook("Http1Response$Http1BodySubscriber", "onError", 1, "BodyError", "onError"),
      new Hook("ResponseSubscribers$HttpResponseInputStream", INIT, -1, "StreamCreated"),
      new Hook("ResponseSubscribers$HttpResponseInputStream", "read", -1, "StreamRead"),
      new Hook("ResponseSubscribers$HttpResponseInputStream", "close", 0, "StreamClose"),
      new Hook("Http2Connection", INIT, -1, "H2Connection"),
      new Hook("Stream", INIT, 3, "H2Stream"),
      new Hook("Stream", "close", 0, "H2StreamClosed"),
      new Hook("ResponseTimerEvent", "handle", 0, "RequestTimeout"),
      new Hook("PlainHttpConnection$ConnectTimerEvent", "handle", 0, "ConnectTimeout"));

  private JdkHttpClientInstrumentation() {}

  /**
   * The hooks whose class and method exist on this JDK, by class name; {@code missing} receives the
   * others. Reads class files through the platform loader (class files are not encapsulated).
   */
  static Map<String, List<Hook>> present(List<Hook> hooks, List<String> missing) {
    // Test only: -Dhttpdiag.test.jdk.missing=AdviceName,... stands for a JDK whose layout lacks those hooks.
    List<String> simulatedMissing = List.of(System.getProperty("httpdiag.test.jdk.missing", "").split(","));
    TypePool pool = TypePool.Default.of(ClassFileLocator.ForClassLoader.of(ClassLoader.getPlatformClassLoader()));
    Map<String, List<Hook>> byType = new LinkedHashMap<>();
    Map<String, List<String>> groupsMissing = new LinkedHashMap<>();
    java.util.Set<String> groupsPresent = new java.util.HashSet<>();
    int feature = Runtime.version().feature();
    for (Hook h : hooks) {
      if (feature < h.since) continue; // not expected on this JDK: not missing either
      TypePool.Resolution r = pool.describe(h.type);
      if (simulatedMissing.contains(h.advice.substring(h.advice.indexOf('$') + 1)) || !r.isResolved()
          || r.resolve().getDeclaredMethods().filter(method(h)).isEmpty()) {
        if (h.group == null) missing.add(h.toString());
        else groupsMissing.computeIfAbsent(h.group, k -> new ArrayList<>()).add(h.toString());
        continue;
      }
      if (h.group != null) groupsPresent.add(h.group);
      byType.computeIfAbsent(h.type, k -> new ArrayList<>()).add(h);
    }
    groupsMissing.forEach((group, names) -> {
      if (!groupsPresent.contains(group)) missing.add(String.join(" or ", names));
    });
    return byType;
  }

  static ElementMatcher.Junction<MethodDescription> method(Hook h) {
    ElementMatcher.Junction<MethodDescription> m = INIT.equals(h.method) ? isConstructor() : named(h.method);
    m = m.and(not(isBridge()));
    return h.args < 0 ? m : m.and(takesArguments(h.args));
  }

  /**
   * Adds the advice of {@code hooks} (all on one class) to {@code builder}. {@code advicePool} reads
   * the advice classes from the agent jar and the java.net.http types they name from the platform loader.
   */
  static DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, List<Hook> hooks, TypePool advicePool,
      ClassFileLocator locator) {
    for (Hook h : hooks) {
      AsmVisitorWrapper w = Advice.to(advicePool.describe(h.advice).resolve(), locator)
          .withExceptionHandler(Installer.countFailures()).on(method(h));
      builder = builder.visit(w);
    }
    return builder;
  }

  static ElementMatcher<TypeDescription> type(Map<String, List<Hook>> hooks) {
    return t -> hooks.containsKey(t.getName());
  }

  // ------------------------------------------------------------------ advice

  /** The facade (what the user holds; the impl only refers to it weakly) comes from {@code facadeRef}. */
  public static final class ClientCreated {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This HttpClient client,
        @Advice.FieldValue("facadeRef") java.lang.ref.Reference<?> facadeRef) {
      Optional<Duration> ct = client.connectTimeout();
      JdkClient.clientCreated(client, facadeRef == null ? null : facadeRef.get(),
          ct.isPresent() ? ct.get().toMillis() : -1, String.valueOf(client.version()),
          String.valueOf(client.followRedirects()));
    }
  }

  public static final class ClientShutdown {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object client) {
      JdkClient.clientShutdown(client);
    }
  }

  public static final class ClientStopped {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object client) {
      JdkClient.clientStopped(client);
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
      JdkClient.exchangeStart(multi, requestImpl, request.method(), String.valueOf(request.uri()),
          rt.isPresent() ? rt.get().toMillis() : -1, ct.isPresent() ? ct.get().toMillis() : -1,
          body.isPresent() ? body.get().contentLength() : 0);
      JdkClient.link(firstExchange, multi); // made inside the constructor, before this advice ran
    }
  }

  public static final class Attempt {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object multi, @Advice.FieldValue("attempts") AtomicInteger attempts,
        @Advice.FieldValue("currentreq") HttpRequest current, @Advice.FieldValue("previousreq") Object previous) {
      JdkClient.attempt(multi, attempts.get(), current, previous, String.valueOf(current.uri()));
    }
  }

  public static final class Cancel {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object multi,
        @Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object arg,
        @Advice.FieldValue("cancelled") boolean cancelled) {
      if (arg instanceof Boolean) JdkClient.canceled(multi, (Boolean) arg, cancelled);
    }
  }

  public static final class Failed {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object multi, @Advice.Argument(0) Throwable error,
        @Advice.Return CompletableFuture<?> result) {
      if (result != null) JdkClient.failed(multi, error, result);
    }
  }

  /** Exchange(request, multi[, acc]) and ExchangeImpl(exchange): the second or only link to the parent. */
  public static final class ExchangeLink {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object self, @Advice.AllArguments Object[] args) {
      JdkClient.link(self, args.length == 1 ? args[0] : args[1]);
    }
  }

  public static final class Dns {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This HttpRequest request) {
      java.net.URI u = request.uri();
      JdkClient.dnsStart(request, u.getHost(), u.getPort(), u.getScheme());
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.This Object request, @Advice.Return Object address, @Advice.Thrown Throwable error) {
      JdkClient.dnsDone(request, address, error);
    }
  }

  public static final class GetConnection {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) InetSocketAddress address, @Advice.Argument(2) Object request) {
      JdkClient.getConn(request, address);
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) InetSocketAddress address, @Advice.Argument(2) Object request,
        @Advice.Return Object conn) {
      JdkClient.gotConnection(request, conn, address, conn == null ? null : conn.getClass().getName());
    }
  }

  public static final class PoolGet {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Return Object conn) {
      JdkClient.poolHit(conn);
    }
  }

  public static final class ReturnToPool {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object conn) {
      JdkClient.returnToPool(conn);
    }
  }

  public static final class Purge {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter() {
      JdkClient.purging(true);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit() {
      JdkClient.purging(false);
    }
  }

  public static final class ConnectAsync {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object plain, @Advice.Argument(0) Object exchange,
        @Advice.FieldValue("address") InetSocketAddress address, @Advice.FieldValue("tube") Object tube) {
      JdkClient.connectStart(plain, exchange, address, tube);
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) Object exchange, @Advice.FieldValue("chan") SocketChannel chan) {
      JdkClient.connectReturned(exchange, chan);
    }
  }

  public static final class ConnectEventHandled {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.FieldValue("exchange") Object exchange,
        @Advice.FieldValue("cf") CompletableFuture<?> cf) {
      JdkClient.connected(exchange, null, cf.isCompletedExceptionally());
    }
  }

  public static final class FinishConnect {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object plain) {
      JdkClient.finishConnect(plain);
    }
  }

  public static final class Close {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object plain) {
      JdkClient.closed(plain);
    }
  }

  public static final class TlsStart {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) SSLEngine engine, @Advice.Argument(3) Object plainTube) {
      JdkClient.tlsStart(engine, plainTube);
    }
  }

  public static final class TlsDone {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("engine") SSLEngine engine) {
      JdkClient.tlsDone(engine);
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
      if (before != after) JdkClient.outgoing(http1Exchange, before, after);
    }
  }

  public static final class Received {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("owner") Object owner, @Advice.FieldValue("received") AtomicLong received) {
      if (received.get() == 0) JdkClient.received(owner, 0);
    }
  }

  public static final class ResponseHeaders {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(1) Object exchange, @Advice.Argument(2) HttpHeaders headers,
        @Advice.Argument(4) int status, @Advice.Argument(5) Object version) {
      JdkClient.responseHeaders(exchange, status, headers.firstValueAsLong("content-length").orElse(-1L),
          String.valueOf(version));
    }
  }

  /** readBodyAsync(handler, ..): the user's body handler runs inside, on this thread. */
  public static final class ReadBody {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object impl) {
      JdkClient.handlerEnter(impl);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Thrown Throwable error) {
      JdkClient.handlerExit(error);
    }
  }

  public static final class BodySubscriberCreated {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object wrapper) {
      JdkClient.bodySubscriberCreated(wrapper);
    }
  }

  public static final class BodyNext {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object wrapper, @Advice.Argument(0) List<?> buffers) {
      JdkClient.bodyBytes(wrapper, buffers);
    }
  }

  public static final class BodyComplete {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object wrapper) {
      JdkClient.bodyDone(wrapper, null, false);
    }
  }

  public static final class BodyError {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object wrapper, @Advice.Argument(0) Throwable error) {
      JdkClient.bodyDone(wrapper, error, false);
    }
  }

  public static final class BodyCancel {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object wrapper) {
      JdkClient.bodyDone(wrapper, null, true);
    }
  }

  public static final class StreamCreated {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object stream) {
      JdkClient.streamCreated(stream);
    }
  }

  public static final class StreamRead {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object stream, @Advice.Return int n) {
      if (n < 0) JdkClient.streamEof(stream);
    }
  }

  public static final class StreamClose {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object stream) {
      JdkClient.streamClosed(stream);
    }
  }

  public static final class H2Connection {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object h2, @Advice.FieldValue("connection") Object connection) {
      JdkClient.h2Connection(h2, connection);
    }
  }

  public static final class H2Stream {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object stream, @Advice.Argument(0) Object h2) {
      JdkClient.h2Stream(stream, h2);
    }
  }

  public static final class H2StreamClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object stream) {
      JdkClient.h2StreamClosed(stream);
    }
  }

  public static final class RequestTimeout {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("multiExchange") Object multi) {
      JdkClient.timeout(multi, "request");
    }
  }

  public static final class ConnectTimeout {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("exchange") Object exchange) {
      JdkClient.timeout(exchange, "connect");
    }
  }
}
