package io.httpdiag.agent.instrument.okhttp;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * OkHttp's hook table: class, method, argument count (matched by name and count: OkHttp 4 and 5
 * differ in generics and in where a connection is dialled), and the advice of
 * {@link OkHttpInstrumentation} each gets. Kotlin {@code internal} functions carry the module's
 * suffix ({@code initExchange$okhttp}), the same in 4.12 and 5.x. Hooks of one group are alternatives
 * (one per major version): missing only when all of them are.
 */
final class OkHttpHooks {
  private OkHttpHooks() {}

  private static final String P = "okhttp3.";
  private static final String INIT = "<init>";

  static final class Hook {
    final String type;
    final String method;
    final int args;
    final String advice;
    final String group;

    Hook(String type, String method, int args, String advice, String group) {
      this.type = P + type;
      this.method = method;
      this.args = args;
      this.advice = OkHttpInstrumentation.class.getName() + "$" + advice;
      this.group = group;
    }

    Hook(String type, String method, int args, String advice) {
      this(type, method, args, advice, null);
    }

    @Override
    public String toString() {
      return type.substring(P.length()) + "." + method + "/" + args;
    }
  }

  private static final String CONN = "internal.connection.";

  /** Every hook; see agent/README.md (OkHttp) for what each yields. */
  static final List<Hook> HOOKS = List.of(
      new Hook("OkHttpClient", INIT, 1, "ClientBuilt"),
      new Hook(CONN + "RealCall", "callStart", 0, "CallStart"),
      new Hook(CONN + "RealCall", "initExchange$okhttp", 1, "InitExchange"),
      new Hook(CONN + "RealCall", "acquireConnectionNoEvents", 1, "Acquire"),
      new Hook(CONN + "RealCall", "releaseConnectionNoEvents$okhttp", 0, "Release"),
      new Hook(CONN + "RealCall", "getResponseWithInterceptorChain$okhttp", 0, "ResponseReturned"),
      new Hook(CONN + "RealCall", "callDone", 1, "CallDone"),
      new Hook(CONN + "RealCall", "cancel", 0, "Cancel"),
      new Hook(CONN + "RealCall$AsyncCall", "executeOn", 1, "Execute"),
      new Hook("Dispatcher", "enqueue$okhttp", 1, "Enqueue"),
      new Hook(CONN + "Exchange", "writeRequestHeaders", 1, "WroteHeaders"),
      new Hook(CONN + "Exchange", "finishRequest", 0, "FinishRequest"),
      new Hook(CONN + "Exchange", "responseHeadersEnd", 1, "ResponseHeaders"),
      new Hook(CONN + "Exchange$ResponseBodySource", "close", 0, "BodyClose"),
      new Hook(CONN + "Exchange$ResponseBodySource", "complete", 1, "BodyComplete"),
      new Hook(CONN + "RouteSelector", "resetNextInetSocketAddress", 1, "Dns4", "dns"),
      new Hook(CONN + "RouteSelector", "dnsLookup", 3, "Dns5", "dns"),
      new Hook(CONN + "RealConnection", "connectSocket", 4, "Connect4", "connect"),
      new Hook(CONN + "ConnectPlan", "connectSocket", 0, "Connect5", "connect"),
      new Hook(CONN + "RealConnection", "establishProtocol", 4, "Tls4", "tls"),
      new Hook(CONN + "ConnectPlan", "connectTls", 2, "Tls5", "tls"));

  /** The hooks by class name. */
  static final Map<String, List<Hook>> BY_TYPE = byType(HOOKS);

  private static Map<String, List<Hook>> byType(List<Hook> hooks) {
    Map<String, List<Hook>> m = new LinkedHashMap<>();
    for (Hook h : hooks) m.computeIfAbsent(h.type, k -> new ArrayList<>()).add(h);
    return m;
  }

  /** Whether {@code type} declares the hook's method. */
  static boolean declares(TypeDescription type, Hook h) {
    return !type.getDeclaredMethods().filter(method(h)).isEmpty();
  }

  /**
   * The hooks missing from the OkHttp that {@code pool} reads (the application's class loader), as
   * "Class.method/args", alternatives of one group joined by "or".
   */
  static List<String> missing(List<Hook> hooks, TypePool pool) {
    List<String> missing = new ArrayList<>();
    Map<String, List<String>> groupsMissing = new LinkedHashMap<>();
    Set<String> groupsPresent = new LinkedHashSet<>();
    for (Hook h : hooks) {
      TypePool.Resolution r = pool.describe(h.type);
      boolean present = r.isResolved() && declares(r.resolve(), h);
      if (h.group == null) {
        if (!present) missing.add(h.toString());
      } else if (present) {
        groupsPresent.add(h.group);
      } else {
        groupsMissing.computeIfAbsent(h.group, k -> new ArrayList<>()).add(h.toString());
      }
    }
    groupsMissing.forEach((group, names) -> {
      if (!groupsPresent.contains(group)) missing.add(String.join(" or ", names));
    });
    return missing;
  }

  static ElementMatcher.Junction<MethodDescription> method(Hook h) {
    ElementMatcher.Junction<MethodDescription> m = INIT.equals(h.method) ? isConstructor() : named(h.method);
    return m.and(not(isBridge())).and(takesArguments(h.args));
  }
}
