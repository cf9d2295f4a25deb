package io.httpdiag.agent.instrument.jetty;

import net.bytebuddy.asm.Advice;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.internal.HttpChannelState;

/**
 * The advice on Jetty 12 (its core {@code Handler} API, under which ee10 servlets run). Compiled
 * against Jetty's types, never loaded: {@link JettyLibrary} resolves each nested class by name through
 * a type pool over the agent jar and the class loader that defines Jetty, and ByteBuddy inlines it.
 * Each advice unpacks Jetty's objects into java.base values and makes one call into {@link JettyExchanges}.
 * The exchange's key is the connection's {@code HttpChannelState} (one per HTTP/1.1 connection,
 * recycled between its requests).
 */
public final class JettyAdvice {
  private JettyAdvice() {}

  /** {@code internal.HttpConnection.onOpen()}: an HTTP/1.1 connection was accepted. */
  public static final class ConnOpened {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This ConnectionMetaData connection) {
      JettyExchanges.connAccepted(connection, String.valueOf(connection.getRemoteSocketAddress()),
          String.valueOf(connection.getLocalSocketAddress()));
    }
  }

  /** {@code io.AbstractConnection.onClose(Throwable)}: a connection closed (only ours are known). */
  public static final class ConnClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object connection, @Advice.Argument(0) Throwable cause) {
      JettyExchanges.connClosed(connection, cause);
    }
  }

  /**
   * {@code HttpChannelState$HandlerInvoker.run()}: the request's headers were parsed; the server's
   * handlers (for ee10, the servlet) run inside, on this thread.
   */
  public static final class HandlerInvoked {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static long enter(@Advice.FieldValue("this$0") HttpChannelState channel) {
      Request request = channel.getRequest();
      ConnectionMetaData connection = channel.getConnectionMetaData();
      return JettyExchanges.handlerStart(channel, connection, request.getMethod(), request.getHttpURI().getPathQuery(),
          connection.getProtocol());
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter long exchangeId, @Advice.FieldValue("this$0") HttpChannelState channel,
        @Advice.Thrown Throwable error) {
      JettyExchanges.handlerEnd(channel, exchangeId, error);
    }
  }

  /** {@code HttpChannelState$ChannelResponse.lockedPrepareResponse(HttpChannelState, boolean)}: committing. */
  public static final class Committed {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) HttpChannelState channel, @Advice.Return MetaData.Response response) {
      JettyExchanges.committed(channel, response.getStatus());
    }
  }

  /** Jetty 12.1: {@code HttpChannelState.completeStream(HttpStream, Throwable)}: the exchange is done (on any thread). */
  public static final class StreamCompleted {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This HttpChannelState channel, @Advice.Argument(1) Throwable failure) {
      Response response = channel.getResponse();
      Request request = channel.getRequest();
      JettyExchanges.exchangeEnd(channel, response.getStatus(), Request.getContentBytesRead(request),
          Response.getContentBytesWritten(response),
          failure == null && !response.getHeaders().contains(HttpHeader.CONNECTION, "close"));
    }
  }

  /** Jetty 12.0: {@code HttpChannelState$HandlerInvoker.completeStream(HttpStream, Throwable)}, the same as {@link StreamCompleted}. */
  public static final class InvokerStreamCompleted {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("this$0") HttpChannelState channel, @Advice.Argument(1) Throwable failure) {
      Response response = channel.getResponse();
      Request request = channel.getRequest();
      JettyExchanges.exchangeEnd(channel, response.getStatus(), Request.getContentBytesRead(request),
          Response.getContentBytesWritten(response),
          failure == null && !response.getHeaders().contains(HttpHeader.CONNECTION, "close"));
    }
  }

  /**
   * {@code AbstractConnector.doStart()}: the connector's idle timeout and its HTTP configuration's, in
   * milliseconds as Jetty keeps them (≤ 0: none for the connector; the configuration's -1: the connector's).
   */
  public static final class ConnectorStarted {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This AbstractConnector connector) {
      HttpConnectionFactory http = connector.getConnectionFactory(HttpConnectionFactory.class);
      if (http == null) return;
      JettyExchanges.connectorStarted(connector,
          connector instanceof NetworkConnector ? ((NetworkConnector) connector).getLocalPort() : -1,
          connector.getIdleTimeout(), http.getHttpConfiguration().getIdleTimeout());
    }
  }
}
