package io.httpdiag.agent.report;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where each JDK HttpClient was built, by the name of the thread it runs
 * ({@code HttpClient-N-SelectorManager}): the leak checks find a client that outlived its test by
 * that thread, and name the line that built it. The newest {@value #MAX_CLIENTS} clients are kept
 * (client creation is rare unless it is the bug, and then the newest are the ones a check asks
 * about). Thread-safe.
 */
public final class BuiltAt {
  static final int MAX_CLIENTS = 1024;
  private static final Map<String, String> byThread = new LinkedHashMap<String, String>(64, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > MAX_CLIENTS;
    }
  }; // guarded by itself

  private BuiltAt() {}

  /**
   * Records a JDK HttpClient ({@code jdk.internal.net.http.HttpClientImpl}) built at {@code callSite}.
   * Its {@code toString()} ends with {@code (N)}, N the id in its SelectorManager thread's name (the
   * JDK keeps it so for its own tests; same on 17 and 25). Anything else is ignored.
   */
  static void jdkClient(Object impl, String callSite) {
    if (impl == null || callSite == null) return;
    String s = impl.toString();
    int open = s.lastIndexOf('(');
    if (open < 0 || !s.endsWith(")") || open + 2 > s.length() - 1) return;
    String id = s.substring(open + 1, s.length() - 1);
    for (int i = 0; i < id.length(); i++) if (!Character.isDigit(id.charAt(i))) return;
    synchronized (byThread) {
      byThread.put("HttpClient-" + id + "-SelectorManager", callSite);
    }
  }

  /** The line that built the client running thread {@code threadName}, or null when unknown. */
  public static String client(String threadName) {
    synchronized (byThread) {
      return byThread.get(threadName);
    }
  }
}
