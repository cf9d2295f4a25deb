package io.httpdiag.junit;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The threads alive now: platform threads from {@link Thread#getAllStackTraces()}, and on JDK 21+
 * virtual threads too, from the JDK's JSON thread dump ({@code HotSpotDiagnosticMXBean.dumpThreads},
 * about 15 ms), which lists them where {@code getAllStackTraces} does not.
 */
final class ThreadScan {
  private static final Method DUMP_THREADS;
  private static final Object JSON_FORMAT;
  private static final Object BEAN;

  static {
    Method m = null;
    Object json = null;
    Object bean = null;
    if (Runtime.version().feature() >= 21) {
      try {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Class<? extends java.lang.management.PlatformManagedObject> mx =
            (Class) Class.forName("com.sun.management.HotSpotDiagnosticMXBean");
        @SuppressWarnings({"unchecked", "rawtypes"})
        Class<Enum> fmt = (Class<Enum>) Class.forName("com.sun.management.HotSpotDiagnosticMXBean$ThreadDumpFormat");
        @SuppressWarnings("unchecked")
        Object j = Enum.valueOf(fmt, "JSON");
        bean = ManagementFactory.getPlatformMXBean(mx);
        m = mx.getMethod("dumpThreads", String.class, fmt);
        json = j;
      } catch (Throwable notAvailable) {
        m = null;
      }
    }
    DUMP_THREADS = m;
    JSON_FORMAT = json;
    BEAN = bean;
  }

  private ThreadScan() {}

  /** One thread, copied. */
  static final class Info {
    final long id;
    final String name;
    final String state;
    final boolean daemon;
    final boolean virtual;
    final String className;
    final List<String> stack;

    Info(long id, String name, String state, boolean daemon, boolean virtual, String className, List<String> stack) {
      this.id = id;
      this.name = name;
      this.state = state;
      this.daemon = daemon;
      this.virtual = virtual;
      this.className = className;
      this.stack = stack;
    }

    String topFrame() {
      return stack.isEmpty() ? "" : stack.get(0);
    }

    String label() {
      return name.isEmpty() ? (virtual ? "virtual thread #" : "thread #") + id : "\"" + name + "\"";
    }
  }

  /** Every live thread by id; with {@code virtual}, virtual threads too when this JDK can list them. */
  @SuppressWarnings("deprecation") // Thread.getId(): threadId() is JDK 19+, this compiles for 17
  static Map<Long, Info> now(boolean virtual) {
    Map<Long, Info> out = new LinkedHashMap<>();
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      Thread t = e.getKey();
      List<String> stack = new ArrayList<>();
      for (StackTraceElement f : e.getValue()) stack.add(f.toString());
      out.put(t.getId(), new Info(t.getId(), t.getName(), t.getState().name(), t.isDaemon(), false,
          t.getClass().getName(), stack));
    }
    if (virtual && DUMP_THREADS != null) addVirtual(out);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static void addVirtual(Map<Long, Info> out) {
    File f = null;
    try {
      f = File.createTempFile("httpdiag-threads-", ".json");
      if (!f.delete()) return; // dumpThreads refuses an existing file
      DUMP_THREADS.invoke(BEAN, f.getPath(), JSON_FORMAT);
      Map<String, Object> root = (Map<String, Object>) Json.parse(new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8));
      Map<String, Object> dump = (Map<String, Object>) root.get("threadDump");
      for (Object c : (List<Object>) dump.get("threadContainers")) {
        for (Object o : (List<Object>) ((Map<String, Object>) c).get("threads")) {
          Map<String, Object> t = (Map<String, Object>) o;
          long id = Long.parseLong(String.valueOf(t.get("tid")));
          if (out.containsKey(id)) continue; // a platform thread, already listed with its Thread
          List<String> stack = new ArrayList<>();
          Object frames = t.get("stack");
          if (frames instanceof List) for (Object fr : (List<Object>) frames) stack.add(String.valueOf(fr));
          Object state = t.get("state");
          out.put(id, new Info(id, String.valueOf(t.getOrDefault("name", "")), state == null ? "?" : state.toString(),
              true, true, "java.lang.VirtualThread", stack));
        }
      }
    } catch (Throwable e) {
      // the dump is best effort: platform threads are still checked
    } finally {
      if (f != null) f.delete();
    }
  }
}
