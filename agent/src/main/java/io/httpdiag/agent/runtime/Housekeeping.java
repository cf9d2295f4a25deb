package io.httpdiag.agent.runtime;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The runtime's own housekeeping: polling the weak references of what it watches (response bodies,
 * and whatever the instrumented libraries register: the JDK HttpClient's identity table and clients),
 * so that an object collected while still open ends its exchange. Tasks are registered once, at
 * wiring time; {@link #run} is called periodically and before every check point, by whoever the
 * wiring hands it to (today the same periodic pass as the age-based detectors, which must see
 * collections first). Serialized: one pass at a time. Never throws.
 */
public final class Housekeeping {
  private static final List<Runnable> tasks = new CopyOnWriteArrayList<>(List.of(Events::pollCollectedBodies));

  private Housekeeping() {}

  /** Adds {@code task} (wiring time). It must not block; what it throws is counted. */
  public static void register(Runnable task) {
    tasks.add(task);
  }

  /** One pass over every task, in registration order. */
  public static synchronized void run() {
    for (Runnable task : tasks) {
      try {
        task.run();
      } catch (Throwable t) {
        Counters.failure(t);
      }
    }
  }
}
