package io.httpdiag.agent.instrument.okhttp;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import okhttp3.Handshake;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.Route;
import okhttp3.internal.connection.Exchange;
import okhttp3.internal.connection.RealCall;
import okhttp3.internal.connection.RealConnection;
import okhttp3.internal.http.RealInterceptorChain;

/**
 * OkHttp's advice, one tiny class per hook of {@link OkHttpHooks}. Compiled against OkHttp 4.12 and
 * never loaded by the agent: each is read from the agent jar and inlined into OkHttp's classes in
 * the class loader that defined them, so the OkHttp types it names are that loader's (4 or 5). Only
 * members present in both are used; OkHttp 5's {@code ConnectPlan} is reached through fields, typed
 * {@code Object} where the type is 5's own. Every advice suppresses what it throws (counted by
 * {@code AgentBuilders.countFailures()}) and calls the adapter ({@link OkHttpCalls},
 * {@link OkHttpConnections}, {@link OkHttpClients}: boot loader, java.base types). The user's
 * {@code EventListener} and interceptors are not touched: OkHttp calls them exactly as before.
 */
public final class OkHttpInstrumentation {
  private OkHttpInstrumentation() {}

  /** {@code OkHttpClient(Builder)}: a client is built (the no-argument constructor delegates here). */
  public static final class ClientBuilt {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This OkHttpClient client) {
      OkHttpClients.built(client, client.connectionPool(), client.connectTimeoutMillis(), client.readTimeoutMillis(),
          client.callTimeoutMillis());
    }
  }

  /** {@code RealCall.callStart()}: from {@code execute()} and {@code enqueue()}, on the caller's thread. */
  public static final class CallStart {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object call, @Advice.FieldValue("client") OkHttpClient client,
        @Advice.FieldValue("originalRequest") Request request) {
      OkHttpCalls.start(call, request.method(), request.url().toString(), client.callTimeoutMillis(),
          client.connectTimeoutMillis(), client.readTimeoutMillis());
    }
  }

  /** {@code RealCall.initExchange(chain)}: the call (or its follow-up) needs a connection. */
  public static final class InitExchange {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object call, @Advice.Argument(0) RealInterceptorChain chain,
        @Advice.FieldValue("originalRequest") Request original) {
      HttpUrl url = chain.request().url();
      OkHttpCalls.initExchange(call, url.host() + ":" + url.port(), url.toString(), original.url().toString());
    }
  }

  /** {@code RealCall.acquireConnectionNoEvents(connection)}: before the call joins the connection's calls. */
  public static final class Acquire {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object call, @Advice.Argument(0) RealConnection connection) {
      OkHttpConnections.acquired(call, connection, connection.getCalls().isEmpty());
    }
  }

  /** {@code RealCall.releaseConnectionNoEvents()}: returns the socket to close when the pool did not keep the connection. */
  public static final class Release {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.FieldValue("connection") Object connection) {
      return connection;
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object call, @Advice.Enter Object connection,
        @Advice.Return Socket toClose) {
      RealConnection c = (RealConnection) connection;
      if (c != null) OkHttpConnections.released(call, c, toClose != null, c.getNoNewExchanges(), c.getCalls().isEmpty());
    }
  }

  /** {@code RealCall.getResponseWithInterceptorChain()}: the response the caller gets (after its interceptors). */
  public static final class ResponseReturned {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object call, @Advice.Return Response response) {
      if (response != null) OkHttpCalls.responseReturned(call, response);
    }
  }

  /** {@code RealCall.callDone(e)}: OkHttp is done with the call (its connection released). */
  public static final class CallDone {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.This Object call) {
      return OkHttpCalls.callDoneStart(call);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.This Object call, @Advice.Enter Object state, @Advice.Argument(0) IOException error) {
      OkHttpCalls.callDone(call, state, error);
    }
  }

  public static final class Cancel {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object call, @Advice.FieldValue("canceled") boolean canceled) {
      if (!canceled) OkHttpCalls.canceled(call);
    }
  }

  /** {@code Dispatcher.enqueue(asyncCall)}: runs the call at once or queues it at the Dispatcher's limits. */
  public static final class Enqueue {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) RealCall.AsyncCall asyncCall) {
      OkHttpCalls.enqueueing(asyncCall.getCall());
    }

    // The sizes are read without the Dispatcher's lock (taking it would add contention): a racy snapshot.
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) RealCall.AsyncCall asyncCall,
        @Advice.FieldValue("maxRequests") int maxRequests, @Advice.FieldValue("maxRequestsPerHost") int maxPerHost,
        @Advice.FieldValue("runningAsyncCalls") ArrayDeque<?> running,
        @Advice.FieldValue("readyAsyncCalls") ArrayDeque<?> ready) {
      RealCall call = asyncCall.getCall();
      OkHttpCalls.enqueued(call, asyncCall.getHost(), call.request().url().port(), maxRequests, maxPerHost,
          running.size(), ready.size(), asyncCall.getCallsPerHost().get());
    }
  }

  /** {@code AsyncCall.executeOn(executor)}: the Dispatcher starts the async call. */
  public static final class Execute {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This RealCall.AsyncCall asyncCall) {
      OkHttpCalls.executing(asyncCall.getCall());
    }
  }

  public static final class WroteHeaders {
    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.FieldValue("call") Object call, @Advice.Thrown Throwable error) {
      OkHttpCalls.wroteHeaders(call, error);
    }
  }

  public static final class FinishRequest {
    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.FieldValue("call") Object call, @Advice.Thrown Throwable error) {
      OkHttpCalls.wroteRequest(call, error);
    }
  }

  public static final class ResponseHeaders {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("call") Object call, @Advice.Argument(0) Response response) {
      OkHttpCalls.responseHeaders(call, response.code(), response.header("Content-Length"),
          response.header("Connection"));
    }
  }

  /** {@code Exchange.ResponseBodySource.close()}: the caller closes the body; before its end if not completed. */
  public static final class BodyClose {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("this$0") Exchange exchange,
        @Advice.FieldValue("completed") boolean completed, @Advice.FieldValue("closed") boolean closed) {
      if (!completed && !closed) OkHttpCalls.bodyClosedEarly(exchange.getCall$okhttp());
    }
  }

  /** {@code Exchange.ResponseBodySource.complete(e)}: the body ended (read to its end, closed, or failed). */
  public static final class BodyComplete {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("this$0") Exchange exchange,
        @Advice.FieldValue("completed") boolean completed, @Advice.FieldValue("bytesReceived") long bytes,
        @Advice.FieldValue("contentLength") long contentLength, @Advice.Argument(0) IOException error) {
      if (!completed) OkHttpCalls.bodyComplete(exchange.getCall$okhttp(), bytes, contentLength, error);
    }
  }

  /** OkHttp 4: {@code RouteSelector.resetNextInetSocketAddress(proxy)} looks the host up (unless it is an address). */
  public static final class Dns4 {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("call") Object call, @Advice.FieldValue("address") okhttp3.Address address) {
      OkHttpCalls.dnsStart(call, address.url().host());
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.FieldValue("call") Object call, @Advice.FieldValue("address") okhttp3.Address address,
        @Advice.FieldValue("inetSocketAddresses") List<?> addresses, @Advice.Thrown Throwable error) {
      OkHttpCalls.dnsDone(call, address.url().host(), String.valueOf(addresses), error);
    }
  }

  /** OkHttp 5: {@code RouteSelector.dnsLookup(proxy, host, port)} (called for names only). */
  public static final class Dns5 {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("call") Object call, @Advice.Argument(1) String host) {
      OkHttpCalls.dnsStart(call, host);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.FieldValue("call") Object call, @Advice.Argument(1) String host,
        @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object routes, @Advice.Thrown Throwable error) {
      OkHttpCalls.dnsDone(call, host, String.valueOf(routes), error);
    }
  }

  /** OkHttp 4: {@code RealConnection.connectSocket(connectTimeout, readTimeout, call, listener)}. */
  public static final class Connect4 {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(2) Object call, @Advice.FieldValue("route") Route route) {
      OkHttpConnections.connectStart(call, String.valueOf(route.socketAddress()));
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Argument(2) Object call, @Advice.FieldValue("route") Route route,
        @Advice.Thrown Throwable error) {
      OkHttpConnections.connectDone(call, String.valueOf(route.socketAddress()), error);
    }
  }

  /** OkHttp 5: {@code ConnectPlan.connectSocket()}. */
  public static final class Connect5 {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("call") Object call, @Advice.FieldValue("route") Route route) {
      OkHttpConnections.connectStart(call, String.valueOf(route.socketAddress()));
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.FieldValue("call") Object call, @Advice.FieldValue("route") Route route,
        @Advice.Thrown Throwable error) {
      OkHttpConnections.connectDone(call, String.valueOf(route.socketAddress()), error);
    }
  }

  /** OkHttp 4: {@code RealConnection.establishProtocol(...)} runs the TLS handshake when the route is HTTPS. */
  public static final class Tls4 {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(2) Object call, @Advice.FieldValue("route") Route route) {
      if (route.address().sslSocketFactory() != null) OkHttpConnections.tlsStart(call);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Argument(2) Object call, @Advice.FieldValue("route") Route route,
        @Advice.FieldValue("handshake") Handshake handshake, @Advice.FieldValue("protocol") Protocol protocol,
        @Advice.Thrown Throwable error) {
      if (route.address().sslSocketFactory() == null) return;
      OkHttpConnections.tlsDone(call, handshake == null ? null : handshake.tlsVersion().javaName(),
          handshake == null ? null : handshake.cipherSuite().javaName(), protocol == null ? null : protocol.toString(),
          error);
    }
  }

  /** OkHttp 5: {@code ConnectPlan.connectTls(sslSocket, connectionSpec)}. */
  public static final class Tls5 {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("call") Object call) {
      OkHttpConnections.tlsStart(call);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.FieldValue("call") Object call, @Advice.FieldValue("handshake") Handshake handshake,
        @Advice.FieldValue("protocol") Protocol protocol, @Advice.Thrown Throwable error) {
      OkHttpConnections.tlsDone(call, handshake == null ? null : handshake.tlsVersion().javaName(),
          handshake == null ? null : handshake.cipherSuite().javaName(), protocol == null ? null : protocol.toString(),
          error);
    }
  }
}
