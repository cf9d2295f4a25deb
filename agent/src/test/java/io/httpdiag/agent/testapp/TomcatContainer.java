package io.httpdiag.agent.testapp;

import jakarta.servlet.http.HttpServlet;
import java.nio.file.Path;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;

/** Embedded Tomcat on an ephemeral loopback port, as Spring Boot builds it: one context at "/". */
final class TomcatContainer implements ServletApp.Container {
  private final Tomcat tomcat;

  private TomcatContainer(Tomcat tomcat) {
    this.tomcat = tomcat;
  }

  static TomcatContainer start(Map<String, HttpServlet> servlets, Path baseDir) throws Exception {
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    tomcat.setHostname("127.0.0.1");
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context ctx = tomcat.addContext("", null);
    for (Map.Entry<String, HttpServlet> e : servlets.entrySet()) {
      String name = e.getKey().substring(1);
      Wrapper w = Tomcat.addServlet(ctx, name, e.getValue());
      w.setAsyncSupported(Servlets.async(e.getKey()));
      ctx.addServletMappingDecoded(e.getKey(), name);
    }
    tomcat.start();
    return new TomcatContainer(tomcat);
  }

  @Override
  public int port() {
    return tomcat.getConnector().getLocalPort();
  }

  @Override
  public void close() throws Exception {
    tomcat.stop();
    tomcat.destroy();
  }
}
