package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.CallSite;
import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.Ids;
import io.httpdiag.agent.runtime.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * Missing timeouts, once per configuration or call site: servers open to slow clients, transports
 * and JDK clients that may wait forever to connect, exchanges with no deadline at all; and a
 * watchdog for exchanges stuck past a threshold with no deadline, showing the waiting thread.
 */
final class TimeoutDetector implements Detectors.Detector {
  private final long stuckAfterNanos;

  TimeoutDetector(long stuckAfterNanos) {
    this.stuckAfterNanos = stuckAfterNanos;
  }

  @Override
  public void configured(String component, String callSite, long... s) {
    switch (component) {
      case "server": {
        long readHeader = s[0], read = s[1], write = s[2], idle = s[3];
        if (readHeader == 0 && read == 0) {
          Findings.report(new Finding(Finding.Kind.MISSING_TIMEOUT, null,
              "server without readHeaderTimeout or readTimeout: a client that trickles its headers holds a connection "
                  + "and a thread forever (slowloris)",
              "built at", callSite,
              new String[] {"readHeaderTimeout=" + show(readHeader) + " readTimeout=" + show(read) + " writeTimeout="
                  + show(write) + " idleTimeout=" + show(idle)},
              "Server.builder().readHeaderTimeout(Duration.ofSeconds(5)).idleTimeout(Duration.ofSeconds(60))",
              null));
        }
        break;
      }
      case ServerTimeoutRules.TOMCAT:
      case ServerTimeoutRules.JETTY:
        ServerTimeoutRules.judge(component, callSite, s);
        break;
      case "transport":
        if (s[0] == 0) {
          Findings.report(new Finding(Finding.Kind.MISSING_TIMEOUT, null,
              "transport without a dial timeout: connecting to an unreachable host waits for the operating system "
                  + "(minutes)", "built at", callSite, null, "Transport.builder().dialTimeout(Duration.ofSeconds(5))", null));
        }
        break;
      case "jdkClient":
        if (s.length > 0 && s[0] == 0) {
          Findings.report(new Finding(Finding.Kind.MISSING_TIMEOUT, null,
              "HttpClient without connectTimeout: connecting to an unreachable host waits for the operating system "
                  + "(minutes)", "built at", callSite, null,
              "HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))", null));
        }
        break;
      default: {
        HttpLibrary library = HttpLibrary.ofClientComponent(component);
        if (library != null && s.length > 0 && s[0] == 0) {
          Findings.report(new Finding(Finding.Kind.MISSING_TIMEOUT, null,
              library.clientType + " (" + library.displayName + ") without a connect timeout: connecting to an "
                  + "unreachable host waits for the operating system (minutes)",
              "built at", callSite, null, Fixes.of(Finding.Kind.MISSING_TIMEOUT, library), null));
        }
        break;
      }
    }
  }

  @Override
  public java.util.Set<Step> steps() {
    return java.util.EnumSet.of(Step.EXCHANGE_START);
  }

  @Override
  public void step(ExchangeState x, Step step, long nanos) {
    if (step != Step.EXCHANGE_START || x.server) return;
    if (HttpLibrary.of(x.id) == HttpLibrary.URLCONNECTION) {
      urlConnection(x);
      return;
    }
    if (hasDeadline(x)) return;
    if (Findings.repeat(Finding.Kind.MISSING_TIMEOUT, x.callSite)) return; // every exchange: keep it cheap
    Findings.report(new Finding(Finding.Kind.MISSING_TIMEOUT, null,
        "exchange without a deadline: " + x.method + " " + x.url
            + " (no client timeout and no request timeout: a server that stalls holds this thread forever)",
        "sent at", x.callSite, null, Fixes.of(Finding.Kind.MISSING_TIMEOUT, x), null));
  }

  @Override
  public void inFlight(ExchangeState x, long now) {
    if (x.server) {
      stuckHandler(x, now);
      return;
    }
    if (x.server || hasDeadline(x) || x.responseHeadersAt != 0 || x.stuckReported || x.error != null) return;
    long waited = now - x.startNanos;
    if (waited < stuckAfterNanos) return;
    x.stuckReported = true;
    waited = System.nanoTime() - x.startNanos; // a check point runs ahead of the clock: show the real age
    Thread t = x.thread;
    List<String> details = new ArrayList<>();
    String[] stack = new String[0];
    if (t != null && t.isAlive()) {
      stack = CallSite.stackOf(t, 40);
      details.add("thread \"" + t.getName() + "\" is waiting at:");
    }
    Findings.report(new Finding(Finding.Kind.STUCK_EXCHANGE, null,
        "exchange in flight for " + Format.duration(waited) + " with no deadline, still waiting for the response: "
            + x.method + " " + x.url + phase(x),
        "sent at", x.callSite, details.toArray(new String[0]), Fixes.of(Finding.Kind.STUCK_EXCHANGE, x),
        stack));
  }

  /**
   * HttpURLConnection: both timeouts are 0 (forever) unless set on the connection or by
   * {@code -Dsun.net.client.defaultConnectTimeout/defaultReadTimeout} (the connection reports those as
   * its own): either one missing is a finding, the dial or the response can then hang forever.
   */
  private static void urlConnection(ExchangeState x) {
    boolean connect = x.connectTimeoutNanos > 0;
    boolean read = x.readTimeoutNanos > 0;
    if (connect && read) return;
    if (Findings.repeat(Finding.Kind.MISSING_TIMEOUT, x.callSite)) return; // every exchange: keep it cheap
    String missing = !connect && !read ? "connect and read timeouts" : !connect ? "connect timeout" : "read timeout";
    Findings.report(new Finding(Finding.Kind.MISSING_TIMEOUT, null,
        "HttpURLConnection without " + missing + ": " + x.method + " " + x.url + " (0 = forever: "
            + (!read ? "a server that stalls holds this thread forever" : "connecting to an unreachable host waits for "
            + "the operating system (minutes)") + ")",
        "sent at", x.callSite, null, Fixes.of(Finding.Kind.MISSING_TIMEOUT, x), null));
  }

  /**
   * A core-transport handler still running past the threshold: shows where its thread is. Judged by
   * its real age, never by a check point's clock: a check point asks whether what the caller holds
   * (a body, an exchange with no deadline) would stay held, and a handler still writing a response
   * at that moment is ordinary work, not a finding. A handler whose stack cannot be taken (it just
   * returned) is not reported: a STUCK line without a frame tells nobody anything.
   */
  private void stuckHandler(ExchangeState x, long now) {
    if (x.handlerStartAt == 0 || x.handlerEndAt != 0 || x.stuckReported) return;
    long running = System.nanoTime() - x.handlerStartAt;
    if (running < stuckAfterNanos) return;
    Thread t = x.thread;
    if (t == null || !t.isAlive()) return;
    String[] stack = CallSite.stackOf(t, 40);
    if (stack.length == 0 || x.handlerEndAt != 0) return; // ended meanwhile; the next sweep looks again if not
    // The agent itself is at work on the handler's thread (its first-use instrumentation, slow on a
    // loaded machine): not the handler's doing, and no frame of it would name the application's code.
    // Look again at the next pass.
    if (agentAtWork(stack)) return;
    String site = handlerSite(stack);
    // A servlet container's thread with no application frame has not reached the application yet (the
    // container still parsing, mapping, loading its classes): look again at the next pass.
    if (ServletFixes.container(x.id) && CallSite.isInternalFrame(site)) return;
    x.stuckReported = true;
    Findings.report(new Finding(Finding.Kind.STUCK_EXCHANGE, null,
        "handler still running after " + Format.duration(running) + ": " + x.method + " " + x.url + " on connection "
            + Ids.connection(x.connectionId),
        "handler at", site, new String[] {"thread \"" + t.getName() + "\" is at:"},
        ServletFixes.stuckHandler(x.id), stack));
  }

  private static boolean agentAtWork(String[] stack) {
    for (String frame : stack) {
      String f = frame.replaceFirst("^.*/", "");
      if (f.startsWith("io.httpdiag.agent.shaded.") || f.startsWith("io.httpdiag.agent.instrument.")) return true;
    }
    return false;
  }

  /** The handler's own frame: the first outside the JDK, the agent and core-transport; else the top frame. */
  static String handlerSite(String[] stack) {
    for (String frame : stack) {
      String cls = frame.replaceFirst("^.*/", ""); // "app//a.B.c(B.java:1)" -> "a.B.c(B.java:1)"
      if (!CallSite.isInternalFrame(cls)) return cls;
    }
    return stack[0].replaceFirst("^.*/", "");
  }

  /**
   * core-transport passes the time allowed (0 = none); the JDK client its request timeout (-1 = none);
   * the other libraries a call timeout and a read timeout (0 or -1 = none). A read timeout bounds each
   * wait for the server, so a stalled server cannot hold the thread forever (a trickling one still can:
   * that is what a call timeout adds, and why it is the fix).
   */
  static boolean hasDeadline(ExchangeState x) {
    return x.deadlineNanos != 0 || x.requestTimeoutNanos > 0 || x.readTimeoutNanos > 0;
  }

  private static String phase(ExchangeState x) {
    if (x.gotConnAt == 0) return " (no connection yet)";
    if (x.wroteRequestAt == 0) return " (writing the request on " + Ids.connection(x.connectionId) + ")";
    return " (request sent on " + Ids.connection(x.connectionId) + ", no response byte yet)";
  }

  private static String show(long nanos) {
    return nanos == 0 ? "none" : Format.duration(nanos);
  }
}
