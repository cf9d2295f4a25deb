package io.httpdiag.agent.instrument.tomcat;

import java.nio.channels.SocketChannel;
import java.util.Map;
import net.bytebuddy.asm.Advice;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.CoyoteAdapter;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.ProtocolHandler;
import org.apache.coyote.Request;
import org.apache.coyote.Response;

/**
 * The advice on embedded Tomcat (10.1 and 11). Compiled against Tomcat's types, never loaded: {@link
 * TomcatLibrary} resolves each nested class by name through a type pool over the agent jar and the
 * class loader that defines Tomcat, and ByteBuddy inlines it into Tomcat's classes. Each advice
 * unpacks Tomcat's objects into java.base values and makes one call into {@link TomcatExchanges}.
 */
public final class TomcatAdvice {
  private TomcatAdvice() {}

  /**
   * {@code NioEndpoint.setSocketOptions(SocketChannel)}: a connection was accepted; its socket wrapper
   * (the connection's identity from here on) is in the endpoint's {@code connections} map.
   */
  public static final class ConnAccepted {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) SocketChannel socket, @Advice.Return boolean registered,
        @Advice.FieldValue("connections") Map<?, ?> connections) throws Exception {
      if (!registered) return;
      Object wrapper = connections.get(socket);
      if (wrapper != null) {
        TomcatExchanges.connAccepted(wrapper, String.valueOf(socket.getRemoteAddress()),
            String.valueOf(socket.getLocalAddress()));
      }
    }
  }

  /** {@code NioEndpoint$NioSocketWrapper.doClose()}: the connection closes. */
  public static final class ConnClosed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object wrapper) {
      TomcatExchanges.connClosed(wrapper);
    }
  }

  /** {@code Http11Processor.service(SocketWrapperBase)}: the processor works on a connection on this thread. */
  public static final class ProcessorService {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object wrapper) {
      TomcatExchanges.serving(wrapper);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit() {
      TomcatExchanges.serving(null);
    }
  }

  /**
   * {@code CoyoteAdapter.service(Request, Response)}: the request's headers were parsed; the container
   * (filters, servlet) runs inside. On return the response is finished, unless the request went
   * asynchronous ({@code startAsync}).
   */
  public static final class AdapterService {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static long enter(@Advice.Argument(0) Request req) {
      return TomcatExchanges.requestStart(req, req.method().toString(), req.requestURI().toString(),
          req.queryString().toString(), req.protocol().toString());
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter long exchangeId, @Advice.Argument(0) Request req,
        @Advice.Argument(1) Response res, @Advice.Thrown Throwable error) {
      if (exchangeId == 0) return;
      // A request that is not asynchronous was recycled on the way out: isAsync() is false then.
      org.apache.catalina.connector.Request request =
          (org.apache.catalina.connector.Request) req.getNote(CoyoteAdapter.ADAPTER_NOTES);
      boolean async = request != null && request.isAsync();
      TomcatExchanges.serviced(req, exchangeId, async, error, res.getStatus(), req.getBytesRead(),
          res.getBytesWritten(false), !"close".equalsIgnoreCase(res.getMimeHeaders().getHeader("Connection")));
    }
  }

  /** {@code CoyoteAdapter.asyncDispatch(Request, Response, SocketEvent)}: complete(), dispatch(), timeout or error. */
  public static final class AdapterAsyncDispatch {
    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Argument(0) Request req, @Advice.Argument(1) Response res) {
      org.apache.catalina.connector.Request request =
          (org.apache.catalina.connector.Request) req.getNote(CoyoteAdapter.ADAPTER_NOTES);
      TomcatExchanges.asyncDispatched(req, request != null && request.isAsync(), res.getStatus(), req.getBytesRead(),
          res.getBytesWritten(false), !"close".equalsIgnoreCase(res.getMimeHeaders().getHeader("Connection")));
    }
  }

  /** {@code org.apache.coyote.Response.setCommitted(boolean)}: the status line and headers are being sent. */
  public static final class Committed {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Response res, @Advice.Argument(0) boolean committed) {
      if (committed && !res.isCommitted()) TomcatExchanges.committed(res.getRequest(), res.getStatus());
    }
  }

  /**
   * {@code Connector.startInternal()}: the connector's timeouts, in milliseconds as Tomcat keeps them
   * (connectionTimeout and keepAliveTimeout: ≤ 0 = none; asyncTimeout: ≤ 0 = none).
   */
  public static final class ConnectorStarted {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Connector connector) {
      ProtocolHandler p = connector.getProtocolHandler();
      if (!(p instanceof AbstractProtocol)) return;
      AbstractProtocol<?> protocol = (AbstractProtocol<?>) p;
      TomcatExchanges.connectorStarted(connector, connector.getLocalPort(), protocol.getConnectionTimeout(),
          protocol.getKeepAliveTimeout(), connector.getAsyncTimeout());
    }
  }
}
