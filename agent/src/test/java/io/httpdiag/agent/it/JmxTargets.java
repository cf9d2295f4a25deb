package io.httpdiag.agent.it;

import io.httpdiag.agent.testkit.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Child JVMs running {@code testapp.JmxTarget} with the agent, and JMX on a loopback port without
 * authentication or TLS (tests only), for the MBean and {@code collect} ITs.
 */
final class JmxTargets {
  static final String MAIN = "io.httpdiag.agent.testapp.JmxTarget";

  private JmxTargets() {}

  /** A JmxTarget child with the agent ({@code options}) and, if {@code jmxPort > 0}, the JVM's JMX agent on that port. */
  static ChildJvm target(String options, int jmxPort) {
    ChildJvm c = new ChildJvm().mainClass(MAIN).agent(options)
        .jvmArg("--add-opens", "java.management/java.lang.management=ALL-UNNAMED");
    if (jmxPort > 0) {
      c.jvmArg("-Dcom.sun.management.jmxremote.port=" + jmxPort, "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
          "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
          "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false");
    }
    return c;
  }

  /** A loopback port free a moment ago (the JVM's JMX agent cannot be asked for an ephemeral one). */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Connects to the child's JMX agent (it is up before main runs; retried briefly all the same). */
  static JMXConnector connect(int port) throws Exception {
    JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
    AtomicReference<JMXConnector> connector = new AtomicReference<>();
    AtomicReference<Exception> last = new AtomicReference<>();
    Await.until(Duration.ofSeconds(20), () -> {
      try {
        connector.set(JMXConnectorFactory.connect(url, null));
        return true;
      } catch (IOException e) {
        last.set(e);
        return false;
      }
    }, () -> "a JMX connection to " + url + " (last error " + last.get() + ")");
    return connector.get();
  }
}
