package io.httpdiag.agent.instrument.jdk;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * The JDK HttpClient's hook table: class, method, argument count, matched by name and count because
 * signatures differ between JDKs, and the advice (in {@link JdkHttpClientInstrumentation}) each gets.
 * {@link #present(List, List)} checks every hook against the running JDK's class files first; missing
 * hooks are skipped and named in one warning line.
 */
final class JdkHooks {
  private JdkHooks() {}

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



  /**
   * The hooks whose class and method exist on this JDK, by class name; {@code missing} receives the
   * others. Reads class files through the platform loader (class files are not encapsulated).
   */
  static Map<String, List<Hook>> present(List<Hook> hooks, List<String> missing) {
    return present(hooks, missing, name -> true);
  }

  /** As {@link #present(List, List)}, on a JDK whose class {@code name} exists only if {@code jdkHas} says so too. */
  static Map<String, List<Hook>> present(List<Hook> hooks, List<String> missing,
      java.util.function.Predicate<String> jdkHas) {
    TypePool pool = TypePool.Default.of(ClassFileLocator.ForClassLoader.of(ClassLoader.getPlatformClassLoader()));
    Map<String, List<Hook>> byType = new LinkedHashMap<>();
    Map<String, List<String>> groupsMissing = new LinkedHashMap<>();
    java.util.Set<String> groupsPresent = new java.util.HashSet<>();
    int feature = Runtime.version().feature();
    for (Hook h : hooks) {
      if (feature < h.since) continue; // not expected on this JDK: not missing either
      TypePool.Resolution r = pool.describe(h.type);
      if (!jdkHas.test(h.type) || !r.isResolved()
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
}
