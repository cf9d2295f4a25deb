package io.httpdiag.agent.instrument.core;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.httpdiag.agent.instrument.AgentBuilders;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.Http2Events;
import io.httpdiag.agent.runtime.ServerEvents;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * core-transport: advice on every lifecycle tracepoint of {@code io.httpdiag.http.internal.Trace},
 * matched by name and argument count (the agent never links against core-transport). {@code Trace}
 * is the one declaration of the tracepoints: each advice below is the nested class named after its
 * tracepoint ({@code getConn} → {@link GetConn}) whose {@code enter} takes the tracepoint's
 * parameters, with their names, in order; {@link #apply} derives the matcher from that, and
 * {@code TracepointsTest} fails when the two drift apart. Each advice reads JDK-typed arguments and
 * forwards them to {@link Events} on method entry; the first argument (the per-exchange listener) is
 * ignored.
 */
public final class CoreTransportInstrumentation {
  /** The tracepoint class, matched by name. */
  public static final String TRACE_CLASS = "io.httpdiag.http.internal.Trace";

  /** Public tracepoints that deliberately have no advice, with the reason. */
  public static final Map<String, String> NOT_OBSERVED = Map.of(
      "transportClosed", "no detector or reporter uses it yet: a closed Transport's connections close and are reported"
          + " one by one (clientConnClosed)");

  private CoreTransportInstrumentation() {}

  public static ElementMatcher<TypeDescription> type() {
    return named(TRACE_CLASS);
  }

  /** Adds the advice of every tracepoint to {@code builder}. */
  public static DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, ClassFileLocator locator) {
    for (Class<?> advice : adviceClasses()) builder = builder.visit(advice(advice, locator));
    return builder;
  }

  /** The advice classes: every public nested class with an {@code enter} method. */
  public static List<Class<?>> adviceClasses() {
    List<Class<?>> out = new ArrayList<>();
    for (Class<?> c : CoreTransportInstrumentation.class.getDeclaredClasses()) {
      if (enter(c) != null) out.add(c);
    }
    return out;
  }

  /** The tracepoint {@code adviceClass} advises: its simple name with a lower-case first letter. */
  public static String tracepoint(Class<?> adviceClass) {
    String n = adviceClass.getSimpleName();
    return Character.toLowerCase(n.charAt(0)) + n.substring(1);
  }

  /** The advice method of {@code adviceClass}, or null. */
  public static Method enter(Class<?> adviceClass) {
    for (Method m : adviceClass.getDeclaredMethods()) {
      if (m.getName().equals("enter") && m.isAnnotationPresent(Advice.OnMethodEnter.class)) return m;
    }
    return null;
  }

  private static AsmVisitorWrapper advice(Class<?> adviceClass, ClassFileLocator locator) {
    return Advice.to(adviceClass, locator).withExceptionHandler(AgentBuilders.countFailures())
        .on(named(tracepoint(adviceClass)).and(takesArguments(enter(adviceClass).getParameterCount()))
            .and(isStatic()));
  }

  /** Settings: dialTimeout, tlsHandshakeTimeout, responseHeaderTimeout, idleConnTimeout (ns), maxIdleConns, maxIdleConnsPerHost, maxConnsPerHost, disableKeepAlives (0/1). */
  public static final class TransportCreated {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object transport, @Advice.Argument(1) long dialTimeoutNanos,
        @Advice.Argument(2) long tlsHandshakeTimeoutNanos, @Advice.Argument(3) long responseHeaderTimeoutNanos,
        @Advice.Argument(4) long idleConnTimeoutNanos, @Advice.Argument(5) int maxIdleConns,
        @Advice.Argument(6) int maxIdleConnsPerHost, @Advice.Argument(7) int maxConnsPerHost,
        @Advice.Argument(8) boolean disableKeepAlives) {
      Events.configured("transport", transport, dialTimeoutNanos, tlsHandshakeTimeoutNanos, responseHeaderTimeoutNanos,
          idleConnTimeoutNanos, maxIdleConns, maxIdleConnsPerHost, maxConnsPerHost, disableKeepAlives ? 1 : 0);
    }
  }

  /** Settings: timeout (ns). */
  public static final class ClientCreated {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object client, @Advice.Argument(1) Object transport,
        @Advice.Argument(2) long timeoutNanos) {
      Events.configured("client", client, timeoutNanos);
    }
  }

  /** Settings: readHeaderTimeout, readTimeout, writeTimeout, idleTimeout (ns), maxHeaderBytes. */
  public static final class ServerCreated {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object server, @Advice.Argument(1) long readHeaderTimeoutNanos,
        @Advice.Argument(2) long readTimeoutNanos, @Advice.Argument(3) long writeTimeoutNanos,
        @Advice.Argument(4) long idleTimeoutNanos, @Advice.Argument(5) int maxHeaderBytes) {
      Events.configured("server", server, readHeaderTimeoutNanos, readTimeoutNanos, writeTimeoutNanos, idleTimeoutNanos,
          maxHeaderBytes);
    }
  }

  public static final class ClientExchangeStart {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) String method, @Advice.Argument(3) String url, @Advice.Argument(4) long deadlineNanos) {
      Events.clientExchangeStart(exchangeId, method, url, deadlineNanos);
    }
  }

  public static final class GetConn {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) String hostPort) {
      Events.getConn(exchangeId, hostPort);
    }
  }

  public static final class DnsStart {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) String host) {
      Events.dnsStart(exchangeId, host);
    }
  }

  public static final class DnsDone {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) String addresses, @Advice.Argument(3) Throwable error) {
      Events.dnsDone(exchangeId, addresses, error);
    }
  }

  public static final class ConnectStart {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) String address) {
      Events.connectStart(exchangeId, address);
    }
  }

  public static final class ConnectDone {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) long connectionId, @Advice.Argument(3) String address,
        @Advice.Argument(4) Throwable error) {
      Events.connectDone(exchangeId, connectionId, address, error);
    }
  }

  public static final class TlsHandshakeStart {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) long connectionId) {
      Events.tlsHandshakeStart(exchangeId);
    }
  }

  public static final class TlsHandshakeDone {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) long connectionId, @Advice.Argument(3) String protocol,
        @Advice.Argument(4) String cipherSuite, @Advice.Argument(5) String alpn, @Advice.Argument(6) Throwable error) {
      Events.tlsHandshakeDone(exchangeId, connectionId, protocol, cipherSuite, alpn, error);
    }
  }

  public static final class GotConn {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) long connectionId, @Advice.Argument(3) boolean reused,
        @Advice.Argument(4) boolean wasIdle, @Advice.Argument(5) long idleNanos,
        @Advice.Argument(6) long connAgeNanos, @Advice.Argument(7) int requestsOnConn) {
      Events.gotConn(exchangeId, connectionId, reused, wasIdle, idleNanos, connAgeNanos, requestsOnConn);
    }
  }

  public static final class WroteHeaders {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId) {
      Events.wroteHeaders(exchangeId);
    }
  }

  public static final class Wait100Continue {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId) {
      Events.wait100Continue(exchangeId);
    }
  }

  public static final class Got100Continue {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId) {
      Events.got100Continue(exchangeId);
    }
  }

  public static final class WroteRequest {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) long bodyBytes, @Advice.Argument(3) Throwable error) {
      Events.wroteRequest(exchangeId, bodyBytes, error);
    }
  }

  public static final class GotFirstResponseByte {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId) {
      Events.gotFirstResponseByte(exchangeId);
    }
  }

  public static final class GotResponseHeaders {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) int status, @Advice.Argument(3) long contentLength) {
      Events.gotResponseHeaders(exchangeId, status, contentLength);
    }
  }

  /** The body the caller must close: watched weakly (GC backstop for bodies never closed). */
  public static final class ResponseReturned {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) Object body) {
      Events.responseReturned(exchangeId, body);
    }
  }

  public static final class ExchangeFailed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) Throwable error) {
      Events.exchangeFailed(exchangeId, error);
    }
  }

  public static final class BodyEnd {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) long connectionId, @Advice.Argument(3) long bytesRead,
        @Advice.Argument(4) long contentLength, @Advice.Argument(5) boolean drained,
        @Advice.Argument(6) String closedBy) {
      Events.bodyEnd(exchangeId, connectionId, bytesRead, contentLength, drained, closedBy);
    }
  }

  public static final class PutIdleConn {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) long connectionId, @Advice.Argument(3) String result) {
      Events.putIdleConn(exchangeId, connectionId, result);
    }
  }

  public static final class Canceled {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) String where) {
      Events.canceled(exchangeId, where);
    }
  }

  public static final class Timeout {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) String kind) {
      Events.timeout(exchangeId, kind);
    }
  }

  public static final class ClientConnClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) long connectionId, @Advice.Argument(1) String reason) {
      Events.clientConnClosed(connectionId, reason);
    }
  }

  public static final class ClientStreamOpened {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) long connectionId, @Advice.Argument(3) int streamId,
        @Advice.Argument(4) int activeStreams) {
      Http2Events.clientStreamOpened(exchangeId, connectionId, streamId, activeStreams);
    }
  }

  public static final class ClientStreamReset {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) long connectionId, @Advice.Argument(3) int streamId,
        @Advice.Argument(4) String errorCode, @Advice.Argument(5) boolean sent) {
      Http2Events.clientStreamReset(exchangeId, connectionId, streamId, errorCode, sent);
    }
  }

  public static final class ClientGoAway {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) long connectionId, @Advice.Argument(1) int lastStreamId,
        @Advice.Argument(2) String errorCode, @Advice.Argument(3) boolean sent) {
      Http2Events.clientGoAway(connectionId, lastStreamId, errorCode, sent);
    }
  }

  public static final class ServerConnAccepted {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long connectionId,
        @Advice.Argument(2) String remoteAddress, @Advice.Argument(3) String localAddress) {
      ServerEvents.serverConnAccepted(connectionId, remoteAddress, localAddress);
    }
  }

  public static final class ServerConnState {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long connectionId,
        @Advice.Argument(2) String state) {
      ServerEvents.serverConnState(connectionId, state);
    }
  }

  public static final class ServerTlsHandshakeDone {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long connectionId,
        @Advice.Argument(2) String protocol, @Advice.Argument(3) String cipherSuite,
        @Advice.Argument(4) String alpn, @Advice.Argument(5) Throwable error) {
      ServerEvents.serverTlsHandshakeDone(connectionId, protocol, cipherSuite, alpn, error);
    }
  }

  public static final class ServerRequestHeadersRead {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long connectionId,
        @Advice.Argument(2) long exchangeId, @Advice.Argument(3) String method, @Advice.Argument(4) String target,
        @Advice.Argument(5) String protocol, @Advice.Argument(6) int requestOnConn) {
      ServerEvents.serverRequestHeadersRead(connectionId, exchangeId, method, target, protocol, requestOnConn);
    }
  }

  public static final class ServerBadRequest {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long connectionId,
        @Advice.Argument(2) int status, @Advice.Argument(3) String reason) {
      ServerEvents.serverBadRequest(connectionId, status, reason);
    }
  }

  public static final class HandlerStart {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId) {
      ServerEvents.handlerStart(exchangeId);
    }
  }

  public static final class ResponseCommitted {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) int status) {
      ServerEvents.responseCommitted(exchangeId, status);
    }
  }

  public static final class HandlerEnd {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId,
        @Advice.Argument(2) Throwable error) {
      ServerEvents.handlerEnd(exchangeId, error);
    }
  }

  public static final class ServerRequestCanceled {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long exchangeId) {
      ServerEvents.serverRequestCanceled(exchangeId);
    }
  }

  public static final class ServerExchangeEnd {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long connectionId,
        @Advice.Argument(2) long exchangeId, @Advice.Argument(3) int status, @Advice.Argument(4) long bytesRead,
        @Advice.Argument(5) long bytesWritten, @Advice.Argument(6) boolean keepAlive) {
      ServerEvents.serverExchangeEnd(connectionId, exchangeId, status, bytesRead, bytesWritten, keepAlive);
    }
  }

  public static final class ServerConnClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long connectionId,
        @Advice.Argument(2) String reason) {
      ServerEvents.serverConnClosed(connectionId, reason);
    }
  }

  public static final class ServerStreamOpened {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long connectionId,
        @Advice.Argument(2) long exchangeId, @Advice.Argument(3) int streamId,
        @Advice.Argument(4) int activeStreams) {
      Http2Events.serverStreamOpened(connectionId, exchangeId, streamId, activeStreams);
    }
  }

  public static final class ServerStreamReset {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long connectionId,
        @Advice.Argument(2) long exchangeId, @Advice.Argument(3) int streamId,
        @Advice.Argument(4) String errorCode, @Advice.Argument(5) boolean sent) {
      Http2Events.serverStreamReset(connectionId, exchangeId, streamId, errorCode, sent);
    }
  }

  public static final class ServerGoAway {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object trace, @Advice.Argument(1) long connectionId,
        @Advice.Argument(2) int lastStreamId, @Advice.Argument(3) String errorCode,
        @Advice.Argument(4) boolean sent) {
      Http2Events.serverGoAway(connectionId, lastStreamId, errorCode, sent);
    }
  }
}
