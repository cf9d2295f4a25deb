package io.httpdiag.agent.instrument.urlconnection;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.httpdiag.agent.instrument.AgentBuilders;
import java.io.InputStream;
import java.net.Socket;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSession;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * The JDK's {@code HttpURLConnection} ({@code sun.net.www.protocol.http}, connections in
 * {@code sun.net.www.http.HttpClient}, kept alive in {@code KeepAliveCache}): one tiny advice per hook
 * of {@link #HOOKS}. The advice is inlined into java.base, but it is compiled with {@code --release 17},
 * which cannot name {@code sun.net.www} types: it sees the JDK's objects as {@code Object} and reads their
 * fields by name ({@code @Advice.FieldValue}), and only calls the adapter ({@link UrlConnections}, {@link UrlConnConnections}).
 * Hooks are matched by name and argument count, the same on JDK 17 and 25; missing ones are skipped and
 * named in one warning line.
 */
public final class UrlConnectionInstrumentation {
  private UrlConnectionInstrumentation() {}

  private static final String HUC = "sun.net.www.protocol.http.HttpURLConnection";
  private static final String CLIENT = "sun.net.www.http.HttpClient";
  private static final String HTTPS_CLIENT = "sun.net.www.protocol.https.HttpsClient";
  private static final String CACHE = "sun.net.www.http.KeepAliveCache";

  /** One hook: a method with {@code args} arguments (-1: any) and its advice (a nested class here). */
  static final class Hook {
    final String type;
    final String method;
    final int args;
    final Class<?> advice;

    Hook(String type, String method, int args, Class<?> advice) {
      this.type = type;
      this.method = method;
      this.args = args;
      this.advice = advice;
    }

    @Override
    public String toString() {
      return type.substring(type.lastIndexOf('.') + 1) + "." + method + "/" + (args < 0 ? "*" : Integer.toString(args));
    }
  }

  /** Every hook, as applied on JDK 17 and 25 (see agent/README.md). */
  static final List<Hook> HOOKS = List.of(
      new Hook(HUC, "plainConnect0", 0, Connect.class),
      new Hook(HUC, "writeRequests", 0, WriteRequests.class),
      new Hook(HUC, "getInputStream", 0, Respond.class),
      new Hook(HUC, "disconnect", 0, Disconnect.class),
      new Hook(HUC + "$HttpInputStream", "read", 3, StreamRead.class),
      new Hook(HUC + "$HttpInputStream", "close", 0, StreamClose.class),
      new Hook(CLIENT, "openServer", 0, Dial.class),
      new Hook(CLIENT, "parseHTTP", -1, ParseHttp.class),
      new Hook(CLIENT, "finished", 0, Finished.class),
      new Hook(CLIENT, "closeServer", 0, CloseServer.class),
      new Hook(HTTPS_CLIENT, "closeServer", 0, CloseServer.class),
      new Hook(HTTPS_CLIENT, "afterConnect", 0, Tls.class),
      new Hook(CACHE, "get", 2, CacheGet.class),
      new Hook(CACHE, "put", 3, CachePut.class),
      new Hook("sun.net.www.http.KeepAliveStream", "close", 0, KeepAliveStreamClose.class));

  /**
   * The hooks whose class and method exist on this JDK, by class name; {@code missing} receives the
   * others. Reads the class files through the platform loader (which finds java.base's too).
   */
  static Map<String, List<Hook>> present(List<Hook> hooks, List<String> missing) {
    TypePool pool = TypePool.Default.of(ClassFileLocator.ForClassLoader.of(ClassLoader.getPlatformClassLoader()));
    Map<String, List<Hook>> byType = new LinkedHashMap<>();
    for (Hook h : hooks) {
      TypePool.Resolution r = pool.describe(h.type);
      if (!r.isResolved() || r.resolve().getDeclaredMethods().filter(method(h)).isEmpty()) {
        missing.add(h.toString());
        continue;
      }
      byType.computeIfAbsent(h.type, k -> new ArrayList<>()).add(h);
    }
    return byType;
  }

  static ElementMatcher<TypeDescription> type(Map<String, List<Hook>> hooks) {
    return t -> hooks.containsKey(t.getName());
  }

  static DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, List<Hook> hooks, ClassFileLocator agentJar) {
    for (Hook h : hooks) {
      builder = builder.visit(Advice.to(h.advice, agentJar).withExceptionHandler(AgentBuilders.countFailures())
          .on(method(h)));
    }
    return builder;
  }

  static ElementMatcher.Junction<MethodDescription> method(Hook h) {
    ElementMatcher.Junction<MethodDescription> m = named(h.method);
    m = m.and(not(isBridge()));
    return h.args < 0 ? m : m.and(takesArguments(h.args));
  }

  // ------------------------------------------------------------------ advice

  /** The exchange starts (or a redirect or retry reconnects): timeouts as set on the connection, 0 = forever. */
  public static final class Connect {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This java.net.HttpURLConnection connection, @Advice.FieldValue("url") URL url) {
      UrlConnections.connecting(connection, connection.getRequestMethod(), url, connection.getConnectTimeout(),
          connection.getReadTimeout());
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.This Object connection,
        @Advice.FieldValue(value = "http", typing = Assigner.Typing.DYNAMIC) Object http,
        @Advice.Thrown Throwable error) {
      UrlConnections.connected(connection, http, error);
    }
  }

  public static final class WriteRequests {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object connection) {
      UrlConnections.writingRequest(connection);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.This Object connection, @Advice.Thrown Throwable error) {
      UrlConnections.wroteHeaders(connection, error);
    }
  }

  /**
   * {@code getInputStream()}, also called by {@code getResponseCode()} and the header getters, and by
   * itself (the JDK's {@code getResponseCode} inside {@code getInputStream0}): only the outermost call counts.
   */
  public static final class Respond {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter() {
      UrlConnections.responseEnter();
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.This Object connection,
        @Advice.FieldValue(value = "inputStream", typing = Assigner.Typing.DYNAMIC) InputStream stream,
        @Advice.FieldValue("responseCode") int status, @Advice.Thrown Throwable error) {
      UrlConnections.responseExit(connection, stream, status, error);
    }
  }

  public static final class Disconnect {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object connection) {
      UrlConnections.disconnecting(connection);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit() {
      UrlConnections.disconnected();
    }
  }

  /**
   * {@code HttpInputStream.read(byte[], int, int)}: the other reads and skip() go through it. The
   * stream is an inner class of its HttpURLConnection ({@code this$0}): the exchange is found by the
   * connection's table entry, so the stream never needs one of its own.
   */
  public static final class StreamRead {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.FieldValue(value = "this$0", typing = Assigner.Typing.DYNAMIC) Object connection,
        @Advice.Return int n) {
      if (n < 0) UrlConnections.streamEof(connection);
    }
  }

  public static final class StreamClose {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue(value = "this$0", typing = Assigner.Typing.DYNAMIC) Object connection) {
      UrlConnections.streamClosing(connection);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit() {
      UrlConnections.streamClosed();
    }
  }

  /** {@code HttpClient.openServer()}: a new connection is dialed (from the client's constructor). */
  public static final class Dial {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object client, @Advice.FieldValue("url") URL url) {
      UrlConnConnections.dialStart(client, url);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.This Object client, @Advice.FieldValue("serverSocket") Socket socket,
        @Advice.Thrown Throwable error) {
      UrlConnConnections.dialDone(client, socket, error);
    }
  }

  /** {@code HttpClient.parseHTTP(...)}: the request is written, the response is read. */
  public static final class ParseHttp {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object client) {
      UrlConnections.readingResponse(client);
    }
  }

  /** {@code HttpClient.finished()}: the body is done; the connection goes to the cache or is closed. */
  public static final class Finished {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object client, @Advice.FieldValue("reuse") boolean reuse) {
      if (!reuse) UrlConnConnections.finished(client);
    }
  }

  public static final class CloseServer {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object client) {
      UrlConnConnections.closeServer(client);
    }
  }

  /** {@code HttpsClient.afterConnect()}: the TLS handshake, on a connection not taken from the cache. */
  public static final class Tls {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object client, @Advice.FieldValue("cachedHttpClient") boolean cached) {
      if (!cached) UrlConnConnections.tlsStart(client);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.This Object client, @Advice.FieldValue("cachedHttpClient") boolean cached,
        @Advice.FieldValue("session") SSLSession session, @Advice.Thrown Throwable error) {
      if (!cached) {
        UrlConnConnections.tlsDone(client, session == null ? null : session.getProtocol(),
            session == null ? null : session.getCipherSuite(), error);
      }
    }
  }

  /** {@code KeepAliveCache.get(URL, Object)}: an idle connection taken from the cache. */
  public static final class CacheGet {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Return Object client) {
      if (client != null) UrlConnConnections.cacheHit(client);
    }
  }

  /** {@code KeepAliveCache.put(URL, Object, HttpClient)}: may close the oldest idle connection (cache full). */
  public static final class CachePut {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(2) Object client) {
      UrlConnConnections.cachePutting(client);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Argument(2) Object client) {
      UrlConnConnections.cachePut(client);
    }
  }

  /**
   * {@code KeepAliveStream.close()} (a fixed-length body, at EOF or closed early): what was read, and
   * whether the rest was queued for the JDK's cleaner thread to drain.
   */
  public static final class KeepAliveStreamClose {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.FieldValue(value = "hc", typing = Assigner.Typing.DYNAMIC) Object client,
        @Advice.FieldValue("expected") long expected, @Advice.FieldValue("count") long count,
        @Advice.FieldValue("closed") boolean closed) {
      if (closed || client == null) return null;
      UrlConnections.keepAliveStreamClosing(client, expected, count);
      return client;
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Object client, @Advice.FieldValue("queuedForCleanup") boolean queued) {
      if (client != null && queued) UrlConnections.queuedForDrain(client);
    }
  }
}
