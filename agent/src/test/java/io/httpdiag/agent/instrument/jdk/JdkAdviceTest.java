package io.httpdiag.agent.instrument.jdk;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.agent.instrument.AgentBuilders;
import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Sink;
import io.httpdiag.agent.runtime.Step;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * JDK HttpClient advice in process, on small sample classes shaped like the JDK's (same field and
 * method names), redefined with the real advice into a fresh class loader; and the hook check
 * against this JDK with one class missing. No agent, no child JVM.
 */
class JdkAdviceTest {
  static final List<String> recorded = Collections.synchronizedList(new ArrayList<>());

  /** Shaped like {@code jdk.internal.net.http.ResponseTimerEvent}: the request timer fired. */
  public static class ResponseTimerEvent {
    final Object multiExchange;

    public ResponseTimerEvent(Object multiExchange) {
      this.multiExchange = multiExchange;
    }

    public void handle() {}
  }

  /** Shaped like {@code jdk.internal.net.http.MultiExchange.cancel(boolean)}. */
  public static class MultiExchange {
    volatile boolean cancelled;

    public boolean cancel(boolean mayInterruptIfRunning) {
      cancelled = true;
      return true;
    }
  }

  @BeforeAll
  static void install() {
    Events.install(Config.parse("detect.threads=off", null), new Sink() {
      @Override public void start(ExchangeState x) {}
      @Override public void step(ExchangeState x, Step step, long nanos) {
        recorded.add(x.method + " " + x.url + " " + step.label
            + (step == Step.TIMEOUT ? " " + x.timeoutKind : step == Step.CANCELED ? " " + x.canceledWhere : ""));
      }
      @Override public void end(ExchangeState x) {}
      @Override public void connection(long connectionId, boolean server, String event, String... keyValues) {}
    });
  }

  static Class<?> redefine(Class<?> sample, Class<?> advice, String method) {
    return new ByteBuddy().redefine(sample)
        .visit(Advice.to(advice).withExceptionHandler(AgentBuilders.countFailures()).on(named(method)))
        .make().load(JdkAdviceTest.class.getClassLoader(), ClassLoadingStrategy.Default.CHILD_FIRST).getLoaded();
  }

  @Test
  void theRequestTimerAdviceReportsATimeoutOfItsExchange() throws Exception {
    Object multi = new Object();
    JdkExchanges.exchangeStart(multi, new Object(), "GET", "http://h/timer", -1, -1, 0);
    Class<?> timer = redefine(ResponseTimerEvent.class, JdkHttpClientInstrumentation.RequestTimeout.class, "handle");
    Object event = timer.getConstructor(Object.class).newInstance(multi);
    timer.getMethod("handle").invoke(event);
    assertEquals(List.of("GET http://h/timer exchangeStart", "GET http://h/timer timeout request"),
        recorded.stream().filter(r -> r.contains("/timer")).collect(java.util.stream.Collectors.toList()));
  }

  @Test
  void theCancelAdviceReportsOnlyAnInterruptingCancelAndTheMethodStillRuns() throws Exception {
    Class<?> sample = redefine(MultiExchange.class, JdkHttpClientInstrumentation.Cancel.class, "cancel");
    Object multi = sample.getConstructor().newInstance();
    JdkExchanges.exchangeStart(multi, new Object(), "GET", "http://h/cancel", -1, -1, 0);
    assertEquals(true, sample.getMethod("cancel", boolean.class).invoke(multi, false));
    Object second = sample.getConstructor().newInstance();
    JdkExchanges.exchangeStart(second, new Object(), "GET", "http://h/cancel2", -1, -1, 0);
    sample.getMethod("cancel", boolean.class).invoke(second, true);
    assertEquals(List.of("GET http://h/cancel exchangeStart", "GET http://h/cancel2 exchangeStart",
        "GET http://h/cancel2 canceled future.cancel(true)"),
        recorded.stream().filter(r -> r.contains("/cancel")).collect(java.util.stream.Collectors.toList()));
    java.lang.reflect.Field cancelled = sample.getDeclaredField("cancelled");
    cancelled.setAccessible(true); // package access does not cross class loaders
    assertTrue((Boolean) cancelled.get(second), "the JDK's own cancel ran");
  }

  @Test
  void aJdkLackingAHookClassIsNamedInOneWarningAndCounted() throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    JdkHttpClientLibrary.jdkHas = name -> !name.equals("jdk.internal.net.http.ResponseTimerEvent");
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      assertTrue(new JdkHttpClientLibrary().builder(Config.parse("", null), ClassFileLocator.ForClassLoader.ofSystemLoader())
          != null, "the other hooks are still installed");
    } finally {
      System.setErr(err);
      JdkHttpClientLibrary.jdkHas = name -> true;
    }
    // Only our lines: a fuzzing agent in this JVM may log its own.
    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("httpdiag"))
        .collect(java.util.stream.Collectors.toList());
    assertEquals(List.of("httpdiag: warning: JDK HttpClient hooks not found on Java " + System.getProperty("java.version")
        + ", their events are not reported: ResponseTimerEvent.handle/0"), lines);
    assertTrue(Counters.summary().endsWith(" jdkHooksMissing=1"), Counters.summary());
    Counters.jdkHooksMissing(0);
  }
}
