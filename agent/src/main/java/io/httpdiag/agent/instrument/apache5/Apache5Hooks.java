package io.httpdiag.agent.instrument.apache5;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Apache HttpClient 5 classic's hook table: class, method, argument count (matched by name and count:
 * every hook exists in 5.1 and 5.6 alike, some with more overloads in 5.6) and the advice of
 * {@link Apache5Instrumentation} each gets. The library may be loaded by any class loader (an
 * application's, Spring Boot's), so presence is checked when each class is transformed: a hook whose
 * method that class lacks is named once in a warning line and skipped.
 */
final class Apache5Hooks {
  private Apache5Hooks() {}

  static final String CLASSIC = "org.apache.hc.client5.http.impl.classic.";
  static final String IO = "org.apache.hc.client5.http.impl.io.";
  private static final String INIT = "<init>";

  /** One hook: a method (or constructor, {@code <init>}) with {@code args} arguments, -1 for any. */
  static final class Hook {
    final String type;
    final String method;
    final int args;
    /** The advice class, by name: loading it in the boot loader would need HttpClient 5 types. */
    final String advice;
    /** Only in later versions (e.g. since 5.2): missing on older ones is expected, not warned about. */
    final boolean optional;

    Hook(String type, String method, int args, String advice, boolean optional) {
      this.type = type;
      this.method = method;
      this.args = args;
      this.advice = Apache5Instrumentation.class.getName() + "$" + advice;
      this.optional = optional;
    }

    @Override
    public String toString() {
      return type.substring(type.lastIndexOf('.') + 1) + "." + method + "/" + (args < 0 ? "*" : Integer.toString(args));
    }
  }

  private static Hook hook(String type, String method, int args, String advice) {
    return new Hook(type, method, args, advice, false);
  }

  /** Every hook (see agent/README.md, "Apache HttpClient 5"). */
  static final List<Hook> HOOKS = List.of(
      hook(CLASSIC + "InternalHttpClient", INIT, -1, "ClientCreated"),
      hook(CLASSIC + "InternalHttpClient", "close", -1, "ClientClosed"),
      hook(CLASSIC + "InternalHttpClient", "doExecute", 3, "Execute"),
      hook(CLASSIC + "InternalExecRuntime", INIT, -1, "RuntimeCreated"),
      hook(CLASSIC + "InternalExecRuntime", "acquireEndpoint", 4, "AcquireEndpoint"),
      hook(CLASSIC + "InternalExecRuntime", "releaseEndpoint", 0, "ReleaseEndpoint"),
      hook(CLASSIC + "InternalExecRuntime", "discardEndpoint", 1, "DiscardEndpoint"),
      hook(CLASSIC + "ResponseEntityProxy", "eofDetected", 1, "BodyEof"),
      hook(CLASSIC + "ResponseEntityProxy", "streamClosed", 1, "BodyStreamClosed"),
      hook(CLASSIC + "ResponseEntityProxy", "streamAbort", 1, "BodyAbort"),
      hook(CLASSIC + "ResponseEntityProxy", "writeTo", 1, "BodyWritten"),
      // 5.5+: closing the response drains the entity and keeps the connection (5.1 closes it instead).
      new Hook(CLASSIC + "ResponseEntityProxy", "close", 0, "EntityClosed", true),
      hook(CLASSIC + "CloseableHttpResponse", "close", -1, "ResponseClosed"),
      // (PoolEntry) since 5.5; an inner class in 5.1-5.4, so (PoolingHttpClientConnectionManager, PoolEntry)
      // there: one of the two is present (ITs cover 5.1 and 5.6).
      new Hook(IO + "PoolingHttpClientConnectionManager$InternalConnectionEndpoint", INIT, 1, "Leased", true),
      new Hook(IO + "PoolingHttpClientConnectionManager$InternalConnectionEndpoint", INIT, 2, "LeasedInner", true),
      hook(IO + "PoolingHttpClientConnectionManager", "setDefaultSocketConfig", 1, "SocketConfigSet"),
      new Hook(IO + "PoolingHttpClientConnectionManager", "setDefaultConnectionConfig", 1, "ConnectionConfigSet", true),
      // 5.6's builder keeps its configs as resolvers the manager does not expose: record them on the builder.
      hook(IO + "PoolingHttpClientConnectionManagerBuilder", "setDefaultSocketConfig", 1, "SocketConfigSet"),
      new Hook(IO + "PoolingHttpClientConnectionManagerBuilder", "setDefaultConnectionConfig", 1, "ConnectionConfigSet", true),
      hook(IO + "PoolingHttpClientConnectionManagerBuilder", "build", 0, "ManagerBuilt"),
      hook(IO + "DefaultHttpClientConnectionOperator", "connect", -1, "Connect"),
      hook(IO + "DefaultManagedHttpClientConnection", "close", -1, "ConnectionClosed"),
      hook("org.apache.hc.core5.http.impl.io.DefaultBHttpClientConnection", "sendRequestHeader", 1, "RequestHeaderSent"),
      hook("org.apache.hc.core5.http.impl.io.DefaultBHttpClientConnection", "receiveResponseHeader", 0, "ResponseHeader"));

  /** The hooks by class name. */
  static final Map<String, List<Hook>> BY_TYPE = byType();

  private static final Set<String> warned = ConcurrentHashMap.newKeySet();

  private static Map<String, List<Hook>> byType() {
    Map<String, List<Hook>> m = new LinkedHashMap<>();
    for (Hook h : HOOKS) m.computeIfAbsent(h.type, k -> new ArrayList<>()).add(h);
    return m;
  }

  /**
   * The hooks of {@code type} whose method it declares; a missing, non-optional one is named once
   * (per hook, whichever class loader) in a warning line on stderr.
   */
  static List<Hook> present(TypeDescription type) {
    List<Hook> hooks = BY_TYPE.get(type.getName());
    List<Hook> present = new ArrayList<>();
    if (hooks == null) return present;
    List<String> missing = new ArrayList<>();
    for (Hook h : hooks) {
      if (type.getDeclaredMethods().filter(method(h)).isEmpty()) {
        if (!h.optional && warned.add(h.toString())) missing.add(h.toString());
      } else {
        present.add(h);
      }
    }
    if (!missing.isEmpty()) {
      System.err.println("httpdiag: warning: Apache HttpClient 5 hooks not found, their events are not reported: "
          + String.join(", ", missing));
    }
    return present;
  }

  static ElementMatcher.Junction<MethodDescription> method(Hook h) {
    ElementMatcher.Junction<MethodDescription> m = INIT.equals(h.method) ? isConstructor() : named(h.method);
    m = m.and(not(isBridge()));
    return h.args < 0 ? m : m.and(takesArguments(h.args));
  }
}
