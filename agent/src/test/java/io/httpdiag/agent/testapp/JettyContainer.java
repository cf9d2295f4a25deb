package io.httpdiag.agent.testapp;

import jakarta.servlet.http.HttpServlet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** Jetty 12 with the ee10 servlet context on an ephemeral loopback port, as Spring Boot builds it. */
final class JettyContainer implements ServletApp.Container {
  private final Server server;
  private final ServerConnector connector;

  private JettyContainer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  static JettyContainer start(Map<String, HttpServlet> servlets) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler ctx = new ServletContextHandler("/");
    for (Map.Entry<String, HttpServlet> e : servlets.entrySet()) {
      ServletHolder holder = new ServletHolder(e.getValue());
      holder.setAsyncSupported(Servlets.async(e.getKey()));
      ctx.addServlet(holder, e.getKey());
    }
    server.setHandler(ctx);
    server.start();
    return new JettyContainer(server, connector);
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
