package io.httpdiag.agent.instrument.apache4;

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
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * Apache HttpClient 4.5's hook table: class, method, argument count (matched by name and count, as they
 * are across 4.5.x and HttpCore 4.4.x), and the advice of {@link Apache4Instrumentation} each gets.
 * {@link #missing} checks them against the class files HC4's class loader sees.
 */
final class Apache4Hooks {
  private Apache4Hooks() {}

  private static final String P = "org.apache.http.";
  private static final String INIT = "<init>";

  /** One hook: a method (or constructor, {@code <init>}) with {@code args} arguments. */
  static final class Hook {
    final String type;
    final String method;
    final int args;
    /** The advice class, by name: it names HC4's types and is never loaded by the agent. */
    final String advice;

    Hook(String type, String method, int args, String advice) {
      this.type = P + type;
      this.method = method;
      this.args = args;
      this.advice = Apache4Instrumentation.class.getName() + "$" + advice;
    }

    @Override
    public String toString() {
      return type.substring(P.length()) + "." + method + "/" + args;
    }
  }

  /** Every hook, as present in 4.5.2 (HttpCore 4.4.4) through 4.5.14 (HttpCore 4.4.16); see agent/README.md. */
  static final List<Hook> HOOKS = List.of(
      new Hook("impl.client.InternalHttpClient", INIT, 9, "ClientCreated"),
      new Hook("impl.client.InternalHttpClient", "close", 0, "ClientClosed"),
      new Hook("impl.client.InternalHttpClient", "doExecute", 3, "Execute"),
      new Hook("impl.execchain.MainClientExec", "execute", 4, "Attempt"),
      new Hook("protocol.HttpRequestExecutor", "doSendRequest", 3, "WroteRequest"),
      new Hook("protocol.HttpRequestExecutor", "doReceiveResponse", 3, "ResponseHeaders"),
      new Hook("impl.conn.PoolingHttpClientConnectionManager", "requestConnection", 2, "RequestConnection"),
      new Hook("impl.conn.PoolingHttpClientConnectionManager", "closeExpiredConnections", 0, "ClosingIdle"),
      new Hook("impl.conn.PoolingHttpClientConnectionManager", "closeIdleConnections", 2, "ClosingIdle"),
      new Hook("impl.conn.PoolingHttpClientConnectionManager", "shutdown", 0, "ClosingPool"),
      new Hook("pool.AbstractConnPool", "getPoolEntryBlocking", 5, "Lease"),
      new Hook("impl.conn.DefaultHttpClientConnectionOperator", "connect", 6, "Connect"),
      new Hook("impl.conn.SystemDefaultDnsResolver", "resolve", 1, "Dns"),
      new Hook("conn.socket.PlainConnectionSocketFactory", "connectSocket", 6, "SocketConnect"),
      new Hook("conn.ssl.SSLConnectionSocketFactory", "connectSocket", 6, "SocketConnect"),
      new Hook("conn.ssl.SSLConnectionSocketFactory", "createLayeredSocket", 4, "TlsHandshake"),
      new Hook("impl.BHttpConnectionBase", "close", 0, "ConnClose"),
      new Hook("impl.BHttpConnectionBase", "shutdown", 0, "ConnClose"),
      new Hook("impl.execchain.ConnectionHolder", INIT, 3, "HolderCreated"),
      new Hook("impl.execchain.ConnectionHolder", "releaseConnection", 1, "Release"),
      new Hook("impl.execchain.ConnectionHolder", "abortConnection", 0, "Abort"),
      new Hook("impl.execchain.ConnectionHolder", "close", 0, "HolderClose"),
      new Hook("impl.execchain.ResponseEntityProxy", INIT, 2, "EntityCreated"),
      new Hook("impl.execchain.ResponseEntityProxy", "eofDetected", 1, "EofDetected"),
      new Hook("impl.execchain.ResponseEntityProxy", "streamClosed", 1, "StreamClosed"),
      new Hook("impl.execchain.ResponseEntityProxy", "streamAbort", 1, "StreamAbort"),
      new Hook("impl.execchain.ResponseEntityProxy", "writeTo", 1, "WriteTo"),
      new Hook("conn.EofSensorInputStream", "read", 0, "ReadByte"),
      new Hook("conn.EofSensorInputStream", "read", 3, "Read"));

  /** The hooks by class name. */
  static Map<String, List<Hook>> byType(List<Hook> hooks) {
    Map<String, List<Hook>> byType = new LinkedHashMap<>();
    for (Hook h : hooks) byType.computeIfAbsent(h.type, k -> new ArrayList<>()).add(h);
    return byType;
  }

  /** The hooks whose class or method {@code pool} (HC4's class loader's class files) does not have. */
  static List<String> missing(List<Hook> hooks, TypePool pool) {
    List<String> missing = new ArrayList<>();
    for (Hook h : hooks) {
      TypePool.Resolution r = pool.describe(h.type);
      if (!r.isResolved() || r.resolve().getDeclaredMethods().filter(method(h)).isEmpty()) missing.add(h.toString());
    }
    return missing;
  }

  static ElementMatcher.Junction<MethodDescription> method(Hook h) {
    ElementMatcher.Junction<MethodDescription> m = INIT.equals(h.method) ? isConstructor() : named(h.method);
    return m.and(not(isBridge())).and(takesArguments(h.args));
  }
}
