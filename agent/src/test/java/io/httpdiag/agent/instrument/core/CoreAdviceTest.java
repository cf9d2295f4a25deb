package io.httpdiag.agent.instrument.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.FaultSeams;
import io.httpdiag.agent.runtime.Sink;
import io.httpdiag.agent.runtime.Step;
import io.httpdiag.http.ClientTrace;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real core-transport advice, in process: {@code internal.Trace} redefined with
 * {@link CoreTransportInstrumentation#apply} into a fresh class loader, its tracepoints called
 * directly, the runtime fed into a recording sink. No agent, no child JVM.
 */
class CoreAdviceTest {
  static final List<String> recorded = Collections.synchronizedList(new ArrayList<>());
  static Class<?> trace;

  @BeforeAll
  static void redefineTrace() throws Exception {
    Events.install(Config.parse("detect.threads=off", null), new Sink() {
      @Override public void start(ExchangeState x) {}
      @Override public void step(ExchangeState x, Step step, long nanos) {
        recorded.add(x.id + " " + step.label + detail(x, step));
      }
      @Override public void end(ExchangeState x) {
        recorded.add(x.id + " end " + x.outcome());
      }
      @Override public void connection(long connectionId, boolean server, String event, String... keyValues) {
        recorded.add("c" + connectionId + " " + event + " " + String.join(",", keyValues));
      }
      @Override public void configured(String component, Object instance, String callSite, long... settings) {
        recorded.add("configured " + component + " " + java.util.Arrays.toString(settings));
      }
    });
    ClassFileLocator classes = ClassFileLocator.ForClassLoader.ofSystemLoader();
    trace = CoreTransportInstrumentation.apply(
            new ByteBuddy().redefine(TypePool.Default.of(classes).describe(TracepointsTest.TRACE).resolve(), classes), classes)
        .make().load(CoreAdviceTest.class.getClassLoader(), ClassLoadingStrategy.Default.CHILD_FIRST).getLoaded();
    assertTrue(trace.getClassLoader() != Class.forName(TracepointsTest.TRACE).getClassLoader(), "a fresh copy");
  }

  static String detail(ExchangeState x, Step step) {
    switch (step) {
      case EXCHANGE_START: return " " + x.method + " " + x.url;
      case GET_CONN: return " " + x.hostPort;
      case CONNECT_DONE: return " c" + x.connectionId + " " + x.connectAddress;
      case GOT_CONN: return " reused=" + x.reused + " requests=" + x.requestsOnConn;
      case GOT_RESPONSE_HEADERS: return " " + x.status + " len=" + x.contentLength;
      case BODY_END: return " " + x.responseBytes + " " + x.closedBy;
      case PUT_IDLE_CONN: return " " + x.putIdleResult;
      case RESPONSE_COMMITTED: return " " + x.status;
      case SERVER_EXCHANGE_END: return " in=" + x.bytesIn + " out=" + x.bytesOut + " keepAlive=" + x.keepAlive;
      default: return "";
    }
  }

  static void call(String tracepoint, Object... args) throws Exception {
    for (Method m : trace.getMethods()) {
      if (m.getName().equals(tracepoint) && m.getParameterCount() == args.length) {
        m.invoke(null, args);
        return;
      }
    }
    throw new AssertionError("no tracepoint " + tracepoint + "/" + args.length);
  }

  static List<String> of(long id) {
    List<String> out = new ArrayList<>();
    synchronized (recorded) {
      for (String r : recorded) if (r.startsWith(id + " ")) out.add(r.substring(r.indexOf(' ') + 1));
    }
    return out;
  }

  /** A listener that records its calls: the tracepoint's own code still runs under the advice. */
  static final class Listener implements ClientTrace {
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    @Override public void exchangeStart(long exchangeId, String method, String url, long deadlineNanos) {
      calls.add("exchangeStart");
    }
    @Override public void getConn(long exchangeId, String hostPort) {
      calls.add("getConn " + hostPort);
    }
    @Override public void gotConn(long exchangeId, long connectionId, boolean reused, boolean wasIdle, long idleNanos,
        long connAgeNanos, int requestsOnConn) {
      calls.add("gotConn");
    }
  }

  @Test
  void eachClientTracepointForwardsItsArgumentsToTheRuntime() throws Exception {
    long id = 9001;
    Listener l = new Listener();
    call("clientExchangeStart", l, id, "GET", "http://h:1/x", 0L);
    call("getConn", l, id, "h:1");
    call("connectStart", l, id, "127.0.0.1:1");
    call("connectDone", l, id, 77L, "127.0.0.1:1", null);
    call("gotConn", l, id, 77L, false, false, 0L, 0L, 1);
    call("wroteHeaders", l, id);
    call("wroteRequest", l, id, 0L, null);
    call("gotFirstResponseByte", l, id);
    call("gotResponseHeaders", l, id, 200, 5L);
    call("bodyEnd", l, id, 77L, 5L, 5L, true, "eof");
    call("putIdleConn", l, id, 77L, "ok");
    assertEquals(List.of("exchangeStart GET http://h:1/x", "getConn h:1", "connectStart", "connectDone c77 127.0.0.1:1",
        "gotConn reused=false requests=1", "wroteHeaders", "wroteRequest", "gotFirstResponseByte",
        "gotResponseHeaders 200 len=5", "bodyEnd 5 eof", "putIdleConn ok", "end pooled"), of(id));
    assertEquals(List.of("exchangeStart", "getConn h:1", "gotConn"), l.calls);
  }

  @Test
  void eachServerTracepointForwardsItsArgumentsToTheRuntime() throws Exception {
    long id = 9101;
    call("serverConnAccepted", null, 88L, "127.0.0.1:5", "127.0.0.1:80");
    call("serverRequestHeadersRead", null, 88L, id, "POST", "/p", "HTTP/1.1", 1);
    call("handlerStart", null, id);
    call("responseCommitted", null, id, 201);
    call("handlerEnd", null, id, null);
    call("serverExchangeEnd", null, 88L, id, 201, 3L, 9L, true);
    call("serverConnClosed", null, 88L, "idle");
    assertEquals(List.of("requestHeadersRead", "handlerStart", "responseCommitted 201", "handlerEnd",
        "serverExchangeEnd in=3 out=9 keepAlive=true", "end keepAlive"), of(id));
    assertTrue(recorded.contains("c88 connAccepted remote,127.0.0.1:5,local,127.0.0.1:80"), recorded::toString);
    assertTrue(recorded.contains("c88 connClosed reason,idle"), recorded::toString);
  }

  @Test
  void configurationTracepointsReportTheirSettings() throws Exception {
    call("clientCreated", new Object(), new Object(), 7L);
    call("serverCreated", new Object(), 1L, 2L, 3L, 4L, 5);
    call("transportCreated", new Object(), 1L, 2L, 3L, 4L, 5, 6, 7, true);
    assertTrue(recorded.contains("configured client [7]"), recorded::toString);
    assertTrue(recorded.contains("configured server [1, 2, 3, 4, 5]"), recorded::toString);
    assertTrue(recorded.contains("configured transport [1, 2, 3, 4, 5, 6, 7, 1]"), recorded::toString);
  }

  @Test
  void aFailureInsideTheAdviceIsSuppressedAndCountedAndTheTracepointStillRuns() throws Exception {
    long id = 9201;
    call("clientExchangeStart", null, id, "GET", "http://h:1/y", 0L);
    long failures = Counters.failures.get();
    Listener l = new Listener();
    FaultSeams.inject("events"); // the runtime's exchange table throws: Events.find fails inside the advice
    try {
      call("getConn", l, id, "h:2");
    } finally {
      FaultSeams.reset();
    }
    assertEquals(failures + 1, Counters.failures.get(), "counted once by the advice's exception handler");
    assertEquals("httpdiag.test.failIn=events (injected)", Counters.lastFailure.getMessage());
    assertEquals(List.of("getConn h:2"), l.calls, "the tracepoint's own code ran");
    assertEquals(List.of("exchangeStart GET http://h:1/y"), of(id), "nothing reached the sink");
  }
}
