package io.httpdiag.agent.instrument;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.httpdiag.agent.runtime.Events;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * core-transport: advice on every lifecycle tracepoint of {@code io.httpdiag.http.internal.Trace},
 * matched by name and argument count (the agent never links against core-transport). Each advice
 * reads JDK-typed arguments and forwards them to {@link Events} on method entry; the first argument
 * (the per-exchange listener) is ignored. Generated shape: one tiny nested class per tracepoint.
 */
public final class CoreTransportInstrumentation {
  /** The tracepoint class, matched by name. */
  public static final String TRACE_CLASS = "io.httpdiag.http.internal.Trace";

  /** Tracepoint method names and their argument counts, as advised. */
  public static final String[][] TRACEPOINTS = {      {"clientExchangeStart", "5"},
      {"getConn", "3"},
      {"dnsStart", "3"},
      {"dnsDone", "4"},
      {"connectStart", "3"},
      {"connectDone", "5"},
      {"tlsHandshakeStart", "3"},
      {"tlsHandshakeDone", "7"},
      {"gotConn", "8"},
      {"wroteHeaders", "2"},
      {"wait100Continue", "2"},
      {"got100Continue", "2"},
      {"wroteRequest", "4"},
      {"gotFirstResponseByte", "2"},
      {"gotResponseHeaders", "4"},
      {"responseReturned", "3"},
      {"exchangeFailed", "3"},
      {"bodyEnd", "7"},
      {"putIdleConn", "4"},
      {"canceled", "3"},
      {"timeout", "3"},
      {"clientConnClosed", "2"},
      {"serverConnAccepted", "4"},
      {"serverConnState", "3"},
      {"serverTlsHandshakeDone", "6"},
      {"serverRequestHeadersRead", "7"},
      {"serverBadRequest", "4"},
      {"handlerStart", "2"},
      {"responseCommitted", "3"},
      {"handlerEnd", "3"},
      {"serverRequestCanceled", "2"},
      {"serverExchangeEnd", "7"},
      {"serverConnClosed", "3"},
      {"transportCreated", "9"},
      {"clientCreated", "3"},
      {"serverCreated", "6"}
  };

  private CoreTransportInstrumentation() {}

  public static ElementMatcher<TypeDescription> type() {
    return named(TRACE_CLASS);
  }

  /** Adds the advice of every tracepoint to {@code builder}. */
  public static DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, ClassFileLocator locator) {
    return builder
        .visit(advice(ClientExchangeStart.class, locator, "clientExchangeStart", 5))
        .visit(advice(GetConn.class, locator, "getConn", 3))
        .visit(advice(DnsStart.class, locator, "dnsStart", 3))
        .visit(advice(DnsDone.class, locator, "dnsDone", 4))
        .visit(advice(ConnectStart.class, locator, "connectStart", 3))
        .visit(advice(ConnectDone.class, locator, "connectDone", 5))
        .visit(advice(TlsHandshakeStart.class, locator, "tlsHandshakeStart", 3))
        .visit(advice(TlsHandshakeDone.class, locator, "tlsHandshakeDone", 7))
        .visit(advice(GotConn.class, locator, "gotConn", 8))
        .visit(advice(WroteHeaders.class, locator, "wroteHeaders", 2))
        .visit(advice(Wait100Continue.class, locator, "wait100Continue", 2))
        .visit(advice(Got100Continue.class, locator, "got100Continue", 2))
        .visit(advice(WroteRequest.class, locator, "wroteRequest", 4))
        .visit(advice(GotFirstResponseByte.class, locator, "gotFirstResponseByte", 2))
        .visit(advice(GotResponseHeaders.class, locator, "gotResponseHeaders", 4))
        .visit(advice(ResponseReturned.class, locator, "responseReturned", 3))
        .visit(advice(ExchangeFailed.class, locator, "exchangeFailed", 3))
        .visit(advice(BodyEnd.class, locator, "bodyEnd", 7))
        .visit(advice(PutIdleConn.class, locator, "putIdleConn", 4))
        .visit(advice(Canceled.class, locator, "canceled", 3))
        .visit(advice(Timeout.class, locator, "timeout", 3))
        .visit(advice(ClientConnClosed.class, locator, "clientConnClosed", 2))
        .visit(advice(ServerConnAccepted.class, locator, "serverConnAccepted", 4))
        .visit(advice(ServerConnState.class, locator, "serverConnState", 3))
        .visit(advice(ServerTlsHandshakeDone.class, locator, "serverTlsHandshakeDone", 6))
        .visit(advice(ServerRequestHeadersRead.class, locator, "serverRequestHeadersRead", 7))
        .visit(advice(ServerBadRequest.class, locator, "serverBadRequest", 4))
        .visit(advice(HandlerStart.class, locator, "handlerStart", 2))
        .visit(advice(ResponseCommitted.class, locator, "responseCommitted", 3))
        .visit(advice(HandlerEnd.class, locator, "handlerEnd", 3))
        .visit(advice(ServerRequestCanceled.class, locator, "serverRequestCanceled", 2))
        .visit(advice(ServerExchangeEnd.class, locator, "serverExchangeEnd", 7))
        .visit(advice(ServerConnClosed.class, locator, "serverConnClosed", 3))
        .visit(advice(TransportCreated.class, locator, "transportCreated", 9))
        .visit(advice(ClientCreated.class, locator, "clientCreated", 3))
        .visit(advice(ServerCreated.class, locator, "serverCreated", 6));
  }

  private static AsmVisitorWrapper advice(Class<?> adviceClass, ClassFileLocator locator, String method,
      int arguments) {
    return Advice.to(adviceClass, locator).withExceptionHandler(Installer.countFailures())
        .on(named(method).and(takesArguments(arguments)).and(isStatic()));
  }

  public static final class ClientExchangeStart {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) String a2, @Advice.Argument(3) String a3, @Advice.Argument(4) long a4) {
      Events.clientExchangeStart(a1, a2, a3, a4);
    }
  }

  public static final class GetConn {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) String a2) {
      Events.getConn(a1, a2);
    }
  }

  public static final class DnsStart {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) String a2) {
      Events.dnsStart(a1, a2);
    }
  }

  public static final class DnsDone {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) String a2, @Advice.Argument(3) Throwable a3) {
      Events.dnsDone(a1, a2, a3);
    }
  }

  public static final class ConnectStart {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) String a2) {
      Events.connectStart(a1, a2);
    }
  }

  public static final class ConnectDone {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) long a2, @Advice.Argument(3) String a3, @Advice.Argument(4) Throwable a4) {
      Events.connectDone(a1, a2, a3, a4);
    }
  }

  public static final class TlsHandshakeStart {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) long a2) {
      Events.tlsHandshakeStart(a1, a2);
    }
  }

  public static final class TlsHandshakeDone {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) long a2, @Advice.Argument(3) String a3, @Advice.Argument(4) String a4, @Advice.Argument(5) String a5, @Advice.Argument(6) Throwable a6) {
      Events.tlsHandshakeDone(a1, a2, a3, a4, a5, a6);
    }
  }

  public static final class GotConn {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) long a2, @Advice.Argument(3) boolean a3, @Advice.Argument(4) boolean a4, @Advice.Argument(5) long a5, @Advice.Argument(6) long a6, @Advice.Argument(7) int a7) {
      Events.gotConn(a1, a2, a3, a4, a5, a6, a7);
    }
  }

  public static final class WroteHeaders {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1) {
      Events.wroteHeaders(a1);
    }
  }

  public static final class Wait100Continue {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1) {
      Events.wait100Continue(a1);
    }
  }

  public static final class Got100Continue {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1) {
      Events.got100Continue(a1);
    }
  }

  public static final class WroteRequest {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) long a2, @Advice.Argument(3) Throwable a3) {
      Events.wroteRequest(a1, a2, a3);
    }
  }

  public static final class GotFirstResponseByte {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1) {
      Events.gotFirstResponseByte(a1);
    }
  }

  public static final class GotResponseHeaders {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) int a2, @Advice.Argument(3) long a3) {
      Events.gotResponseHeaders(a1, a2, a3);
    }
  }

  /** The body the caller must close: watched weakly (GC backstop for bodies never closed). */
  public static final class ResponseReturned {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) Object a2) {
      Events.responseReturned(a1, a2);
    }
  }

  public static final class ExchangeFailed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) Throwable a2) {
      Events.exchangeFailed(a1, a2);
    }
  }

  public static final class BodyEnd {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) long a2, @Advice.Argument(3) long a3, @Advice.Argument(4) long a4, @Advice.Argument(5) boolean a5, @Advice.Argument(6) String a6) {
      Events.bodyEnd(a1, a2, a3, a4, a5, a6);
    }
  }

  public static final class PutIdleConn {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) long a2, @Advice.Argument(3) String a3) {
      Events.putIdleConn(a1, a2, a3);
    }
  }

  public static final class Canceled {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) String a2) {
      Events.canceled(a1, a2);
    }
  }

  public static final class Timeout {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) String a2) {
      Events.timeout(a1, a2);
    }
  }

  public static final class ClientConnClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) long a0, @Advice.Argument(1) String a1) {
      Events.clientConnClosed(a0, a1);
    }
  }

  public static final class ServerConnAccepted {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) String a2, @Advice.Argument(3) String a3) {
      Events.serverConnAccepted(a1, a2, a3);
    }
  }

  public static final class ServerConnState {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) String a2) {
      Events.serverConnState(a1, a2);
    }
  }

  public static final class ServerTlsHandshakeDone {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) String a2, @Advice.Argument(3) String a3, @Advice.Argument(4) String a4, @Advice.Argument(5) Throwable a5) {
      Events.serverTlsHandshakeDone(a1, a2, a3, a4, a5);
    }
  }

  public static final class ServerRequestHeadersRead {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) long a2, @Advice.Argument(3) String a3, @Advice.Argument(4) String a4, @Advice.Argument(5) String a5, @Advice.Argument(6) int a6) {
      Events.serverRequestHeadersRead(a1, a2, a3, a4, a5, a6);
    }
  }

  public static final class ServerBadRequest {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) int a2, @Advice.Argument(3) String a3) {
      Events.serverBadRequest(a1, a2, a3);
    }
  }

  public static final class HandlerStart {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1) {
      Events.handlerStart(a1);
    }
  }

  public static final class ResponseCommitted {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) int a2) {
      Events.responseCommitted(a1, a2);
    }
  }

  public static final class HandlerEnd {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) Throwable a2) {
      Events.handlerEnd(a1, a2);
    }
  }

  public static final class ServerRequestCanceled {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1) {
      Events.serverRequestCanceled(a1);
    }
  }

  public static final class ServerExchangeEnd {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) long a2, @Advice.Argument(3) int a3, @Advice.Argument(4) long a4, @Advice.Argument(5) long a5, @Advice.Argument(6) boolean a6) {
      Events.serverExchangeEnd(a1, a2, a3, a4, a5, a6);
    }
  }

  public static final class ServerConnClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) long a1, @Advice.Argument(2) String a2) {
      Events.serverConnClosed(a1, a2);
    }
  }

  /** Settings: dialTimeout, tlsHandshakeTimeout, responseHeaderTimeout, idleConnTimeout (ns), maxIdleConns, maxIdleConnsPerHost, maxConnsPerHost, disableKeepAlives (0/1). */
  public static final class TransportCreated {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object transport, @Advice.Argument(1) long dial,
        @Advice.Argument(2) long tls, @Advice.Argument(3) long responseHeader, @Advice.Argument(4) long idleConn,
        @Advice.Argument(5) int maxIdle, @Advice.Argument(6) int maxIdlePerHost, @Advice.Argument(7) int maxPerHost,
        @Advice.Argument(8) boolean disableKeepAlives) {
      Events.configured("transport", transport, dial, tls, responseHeader, idleConn, maxIdle, maxIdlePerHost, maxPerHost,
          disableKeepAlives ? 1 : 0);
    }
  }

  /** Settings: timeout (ns). */
  public static final class ClientCreated {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object client, @Advice.Argument(2) long timeout) {
      Events.configured("client", client, timeout);
    }
  }

  /** Settings: readHeaderTimeout, readTimeout, writeTimeout, idleTimeout (ns), maxHeaderBytes. */
  public static final class ServerCreated {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object server, @Advice.Argument(1) long readHeader,
        @Advice.Argument(2) long read, @Advice.Argument(3) long write, @Advice.Argument(4) long idle,
        @Advice.Argument(5) int maxHeaderBytes) {
      Events.configured("server", server, readHeader, read, write, idle, maxHeaderBytes);
    }
  }
}
