package io.httpdiag.agent.report;

import io.httpdiag.agent.runtime.Counters;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes log lines from one daemon thread so the app's threads never wait on the log's I/O: they
 * only {@link #append} to a bounded queue, and a full queue drops the line (counted in
 * {@link Counters#droppedLogLines}). A shutdown hook writes what is still queued.
 */
final class LogAppender implements Runnable {
  static final int CAPACITY = 16_384;

  private final ArrayBlockingQueue<String> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final OutputStream out;
  private final ReentrantLock writeLock = new ReentrantLock(); // held by whoever writes to out, never by app threads
  private final List<String> batch = new ArrayList<>(); // guarded by writeLock

  LogAppender(OutputStream out) {
    this.out = out;
  }

  /** Starts the writer thread and the shutdown hook. */
  void start() {
    Thread writer = new Thread(this, "httpdiag-log");
    writer.setDaemon(true);
    writer.start();
    Thread flusher = new Thread(this::flushAll, "httpdiag-log-flush");
    Runtime.getRuntime().addShutdownHook(flusher);
  }

  /** Queues one line (no line terminator). Never blocks. */
  void append(String line) {
    if (!queue.offer(line)) Counters.droppedLogLines.incrementAndGet();
  }

  @Override
  public void run() {
    try {
      while (true) {
        String first = queue.poll(1, TimeUnit.SECONDS);
        if (first == null) continue;
        writeLock.lock();
        try {
          batch.add(first);
          queue.drainTo(batch, 512);
          writeBatch();
        } finally {
          writeLock.unlock();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Writes everything queued; used at shutdown. */
  void flushAll() {
    writeLock.lock();
    try {
      while (queue.drainTo(batch, 512) > 0) writeBatch();
    } catch (Throwable t) {
      Counters.failure(t);
    } finally {
      writeLock.unlock();
    }
  }

  private void writeBatch() throws IOException {
    StringBuilder sb = new StringBuilder(batch.size() * 96);
    for (String line : batch) sb.append(line).append('\n');
    batch.clear();
    out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
