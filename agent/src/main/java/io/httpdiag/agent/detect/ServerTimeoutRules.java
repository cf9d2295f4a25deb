package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import java.util.ArrayList;
import java.util.List;

/**
 * MISSING_TIMEOUT for the servlet containers, judged against each one's real settings as it starts.
 * Only what leaves a connection or a request unbounded is reported; a long but finite timeout is the
 * operator's choice. One finding per connector, listing every unbounded setting.
 *
 * <p>Tomcat (a started {@code Connector}; 0 and negative values mean "no timeout" in Tomcat):
 * <ul>
 *   <li>{@code connectionTimeout} none: a client that opens a connection and trickles its request line
 *       and headers (slowloris), or stops sending a body the servlet reads, holds a connection and a
 *       thread forever. Tomcat's default is 60 s (20 s in the stock server.xml); Spring Boot keeps 60 s.
 *   <li>{@code keepAliveTimeout} none: idle keep-alive connections are never closed (unset, it takes
 *       connectionTimeout's value, so it is reported on its own only when set to none explicitly).
 *   <li>{@code asyncTimeout} none: a request put in asynchronous mode whose work never calls
 *       {@code complete()} or {@code dispatch()} holds its connection forever (default 30 s).
 * </ul>
 *
 * <p>Jetty 12 (a started connector with an HTTP/1.1 factory): the connector's {@code idleTimeout}
 * (default 30 s; 0 or negative = none) bounds every wait for the client, reading the request headers
 * included (Jetty 12 has no separate request header timeout): none is reported. The HTTP
 * configuration's {@code idleTimeout} only replaces it while a request is handled (-1, the default, and
 * 0 keep the connector's), so it cannot make a connection unbounded on its own.
 */
final class ServerTimeoutRules {
  /** {@code Events.configured} component of a started Tomcat connector (see TomcatExchanges). */
  static final String TOMCAT = "tomcatServer";
  /** {@code Events.configured} component of a started Jetty connector (see JettyExchanges). */
  static final String JETTY = "jettyServer";

  private ServerTimeoutRules() {}

  static void judge(String component, String callSite, long[] s) {
    if (TOMCAT.equals(component)) tomcat(callSite, s);
    if (JETTY.equals(component)) jetty(callSite, s);
  }

  /** [0] the connector's idleTimeout, [1] the HTTP configuration's (0 = the connector's), [2] port. */
  private static void jetty(String callSite, long[] s) {
    if (s.length < 3 || s[0] != 0) return;
    Findings.report(new Finding(Finding.Kind.MISSING_TIMEOUT, null,
        "Jetty connector on port " + s[2] + " without idleTimeout: a client that trickles its headers (Jetty 12 has no"
            + " separate request header timeout: the idle timeout bounds every read) or goes quiet holds its"
            + " connection forever",
        "started at", callSite,
        new String[] {"idleTimeout=none httpConfiguration.idleTimeout=" + (s[1] == 0 ? "the connector's" : show(s[1]))},
        "connector.setIdleTimeout(30_000) (Jetty's default; server.jetty.connection-idle-timeout in Spring Boot)",
        null));
  }

  /** [0] connectionTimeout, [1] keepAliveTimeout, [2] asyncTimeout (ns, 0 = none), [3] port. */
  private static void tomcat(String callSite, long[] s) {
    if (s.length < 4) return;
    List<String> unbounded = new ArrayList<>();
    if (s[0] == 0) unbounded.add("connectionTimeout (a client trickling its headers holds a connection and a thread)");
    if (s[1] == 0 && s[0] != 0) unbounded.add("keepAliveTimeout (idle keep-alive connections are never closed)");
    if (s[2] == 0) unbounded.add("asyncTimeout (an async request never completed holds its connection)");
    if (unbounded.isEmpty()) return;
    Findings.report(new Finding(Finding.Kind.MISSING_TIMEOUT, null,
        "Tomcat connector on port " + s[3] + " without " + String.join(", ", unbounded),
        "started at", callSite,
        new String[] {"connectionTimeout=" + show(s[0]) + " keepAliveTimeout=" + show(s[1]) + " asyncTimeout="
            + show(s[2])},
        "set connector.setProperty(\"connectionTimeout\", \"20000\") (server.tomcat.connection-timeout in Spring Boot),"
            + " leave keepAliveTimeout unset or positive, and connector.setAsyncTimeout(30000)"
            + " (spring.mvc.async.request-timeout)",
        null));
  }

  private static String show(long nanos) {
    return nanos == 0 ? "none" : Format.duration(nanos);
  }
}
