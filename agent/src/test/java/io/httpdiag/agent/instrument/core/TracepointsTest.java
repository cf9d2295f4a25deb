package io.httpdiag.agent.instrument.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.ParameterDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.Test;

/**
 * core-transport's {@code internal.Trace} is the one declaration of the tracepoints: every public
 * static void method of it has an advice in {@link CoreTransportInstrumentation} taking the same
 * parameters (names, types, order) or is listed in {@code NOT_OBSERVED}, and every advice has its
 * tracepoint. Parameter names are read from the class files' debug information.
 */
class TracepointsTest {
  static final String TRACE = "io.httpdiag.http.internal.Trace";
  static final TypePool POOL = new TypePool.Default(new TypePool.CacheProvider.Simple(),
      ClassFileLocator.ForClassLoader.ofSystemLoader(), TypePool.Default.ReaderMode.EXTENDED);

  @Test
  void everyTracepointHasAnAdviceWithItsParametersAndEveryAdviceATracepoint() throws Exception {
    Map<String, Method> tracepoints = new TreeMap<>();
    for (Method m : Class.forName(TRACE).getDeclaredMethods()) {
      if (Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers()) && m.getReturnType() == void.class) {
        tracepoints.put(m.getName(), m);
      }
    }
    assertTrue(tracepoints.size() > 30, "tracepoints found: " + tracepoints.keySet());
    Map<String, Class<?>> advice = new TreeMap<>();
    for (Class<?> c : CoreTransportInstrumentation.adviceClasses()) advice.put(CoreTransportInstrumentation.tracepoint(c), c);

    List<String> problems = new ArrayList<>();
    for (String name : tracepoints.keySet()) {
      boolean notObserved = CoreTransportInstrumentation.NOT_OBSERVED.containsKey(name);
      if (!advice.containsKey(name) && !notObserved) problems.add("tracepoint without advice: " + name);
      if (advice.containsKey(name) && notObserved) problems.add("declared not observed but advised: " + name);
    }
    for (String name : advice.keySet()) {
      Method tracepoint = tracepoints.get(name);
      if (tracepoint == null) {
        problems.add("advice without tracepoint: " + advice.get(name).getSimpleName());
        continue;
      }
      List<String> expected = parameters(TRACE, name, tracepoint.getParameterCount());
      Method enter = CoreTransportInstrumentation.enter(advice.get(name));
      List<String> actual = parameters(advice.get(name).getName(), "enter", enter.getParameterCount());
      if (!expected.equals(actual)) problems.add(name + ": advice takes " + actual + ", the tracepoint " + expected);
      for (int i = 0; i < enter.getParameterCount(); i++) {
        Advice.Argument a = enter.getParameters()[i].getAnnotation(Advice.Argument.class);
        if (a == null || a.value() != i) problems.add(name + ": parameter " + i + " is not @Advice.Argument(" + i + ")");
      }
    }
    for (String name : CoreTransportInstrumentation.NOT_OBSERVED.keySet()) {
      if (!tracepoints.containsKey(name)) problems.add("declared not observed but not a tracepoint: " + name);
    }
    assertEquals(List.of(), problems);
  }

  /** "type name" of each parameter of {@code type.method} with {@code arity} parameters, from its class file. */
  private static List<String> parameters(String type, String method, int arity) {
    MethodDescription m = POOL.describe(type).resolve().getDeclaredMethods()
        .filter(d -> d.getName().equals(method) && d.getParameters().size() == arity).getOnly();
    List<String> out = new ArrayList<>();
    for (ParameterDescription p : m.getParameters()) {
      assertTrue(p.isNamed(), type + "." + method + " compiled without parameter names");
      out.add(p.getType().asErasure().getName() + " " + p.getName());
    }
    return out;
  }
}
