package io.httpdiag.agent.report;

import io.httpdiag.agent.runtime.Counters;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Formats and writes log lines on one daemon thread so the app's threads never wait on the log:
 * they {@link #append} a finished line or a summary's facts ({@link SummaryFacts}, formatted here)
 * to a bounded lock-free queue, and a full queue drops the entry (counted in
 * {@link Counters#droppedLogLines}). Entries are written in the order they were queued.
 *
 * <p>The app's threads do not wake the writer for every line: after writing a batch it lets lines
 * gather for {@link #BATCH_NANOS} (one write for all of them), and only a writer that found the
 * queue empty, or a queue past half full, is woken. A shutdown hook writes what is still queued.
 */
final class LogAppender implements Runnable {
  static final int CAPACITY = 16_384;
  /** How long the writer lets lines gather after a batch: at most this much delay, one write per batch. */
  static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  /** Lines formatted per write, so the batch buffers stay small. */
  private static final int MAX_BATCH = 512;
  /** Past this size a batch buffer is dropped after use, so one huge line does not pin memory. */
  private static final int KEEP_BUFFER = 64 * 1024;

  private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>(); // String or SummaryFacts
  private final AtomicInteger queued = new AtomicInteger(); // entries in queue, bounded by CAPACITY
  private final OutputStream out;
  private volatile Thread writer;
  private volatile boolean writerIdle; // the writer found nothing to write and waits to be woken
  private final ReentrantLock writeLock = new ReentrantLock(); // held by whoever writes to out, never by app threads
  private StringBuilder text = new StringBuilder(8192); // guarded by writeLock
  private byte[] bytes = new byte[8192]; // guarded by writeLock

  LogAppender(OutputStream out) {
    this.out = out;
  }

  /** Starts the writer thread and the shutdown hook. */
  void start() {
    Thread w = new Thread(this, "httpdiag-log");
    w.setDaemon(true);
    writer = w;
    w.start();
    Thread flusher = new Thread(this::flushAll, "httpdiag-log-flush");
    Runtime.getRuntime().addShutdownHook(flusher);
  }

  /** Queues one line (no line terminator). Never blocks. */
  void append(String line) {
    offer(line);
  }

  /** Queues a summary line's facts, formatted by the writer. Never blocks. */
  void append(SummaryFacts facts) {
    offer(facts);
  }

  private void offer(Object entry) {
    int n = queued.incrementAndGet();
    if (n > CAPACITY) {
      queued.decrementAndGet();
      Counters.droppedLogLines.incrementAndGet();
      return;
    }
    queue.offer(entry);
    // writerIdle is read after the offer and written by the writer before it looks at the queue:
    // one of the two sees the other, so a line never waits for the writer's idle timeout.
    if (writerIdle || n > CAPACITY / 2) {
      Thread w = writer;
      if (w != null) LockSupport.unpark(w);
    }
  }

  @Override
  public void run() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        if (writeQueued()) {
          LockSupport.parkNanos(this, BATCH_NANOS); // let the next lines gather
          continue;
        }
        writerIdle = true;
        if (queue.isEmpty()) LockSupport.parkNanos(this, TimeUnit.SECONDS.toNanos(1));
        writerIdle = false;
      } catch (Throwable t) {
        Counters.failure(t);
        LockSupport.parkNanos(this, BATCH_NANOS); // a failing output: do not spin
      }
    }
  }

  /** Writes everything queued; used at shutdown, and by tests on an appender never started. */
  void flushAll() {
    try {
      writeQueued();
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** Formats and writes what is queued, in batches. Returns whether anything was written. */
  private boolean writeQueued() throws IOException {
    boolean wrote = false;
    writeLock.lock();
    try {
      while (true) {
        int lines = 0;
        Object entry;
        while (lines < MAX_BATCH && (entry = queue.poll()) != null) {
          queued.decrementAndGet();
          format(entry);
          lines++;
        }
        if (lines == 0) return wrote;
        writeText();
        wrote = true;
      }
    } finally {
      writeLock.unlock();
    }
  }

  private void format(Object entry) {
    int mark = text.length();
    try {
      if (entry instanceof SummaryFacts) {
        ((SummaryFacts) entry).appendTo(text);
      } else {
        text.append((String) entry);
      }
      text.append('\n');
    } catch (RuntimeException e) {
      text.setLength(mark); // never half a line
      Counters.failure(e);
    }
  }

  /** Encodes the batch as UTF-8 into a reused buffer (no intermediate string) and writes it at once. */
  private void writeText() throws IOException {
    StringBuilder t = text;
    int length = t.length();
    if (bytes.length < length * 3) bytes = new byte[Math.max(length * 3, bytes.length * 2)];
    byte[] b = bytes;
    int n = 0;
    for (int i = 0; i < length; i++) {
      char c = t.charAt(i);
      if (c < 0x80) {
        b[n++] = (byte) c;
      } else if (c < 0x800) {
        b[n++] = (byte) (0xc0 | (c >> 6));
        b[n++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(t.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, t.charAt(++i));
        b[n++] = (byte) (0xf0 | (cp >> 18));
        b[n++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        b[n++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        b[n++] = (byte) (0x80 | (cp & 0x3f));
      } else if (Character.isSurrogate(c)) {
        b[n++] = '?'; // a lone surrogate, as String.getBytes(UTF_8) writes it
      } else {
        b[n++] = (byte) (0xe0 | (c >> 12));
        b[n++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        b[n++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    t.setLength(0);
    if (t.capacity() > KEEP_BUFFER) text = new StringBuilder(8192);
    try {
      out.write(b, 0, n);
      out.flush();
    } finally {
      if (b.length > 3 * KEEP_BUFFER) bytes = new byte[8192];
    }
  }
}
