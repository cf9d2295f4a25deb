package io.httpdiag.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * A socket's input with an absolute deadline, like Go's {@code SetReadDeadline}: every read gets
 * the time left as its socket timeout, so a peer trickling one byte at a time is still cut off at
 * the deadline (a per-read timeout alone would never fire). Zero means no deadline.
 *
 * <p>Confined to the thread that reads the connection, except {@link #setDeadline} which that
 * thread calls between reads.
 */
public final class DeadlineInputStream extends InputStream {
  private final Socket socket;
  private final InputStream in;
  private long deadlineNanos; // 0 = none
  private String deadlineName = "read deadline";
  private int currentTimeoutMillis;

  public DeadlineInputStream(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.currentTimeoutMillis = socket.getSoTimeout();
  }

  /** Sets an absolute deadline in System.nanoTime() terms, or 0 for none; {@code name} goes in the exception. */
  public void setDeadline(long deadlineNanos, String name) {
    this.deadlineNanos = deadlineNanos;
    this.deadlineName = name;
  }

  /** Someone else changed the socket's timeout; set it again before the next read. */
  public void forgetSocketTimeout() {
    currentTimeoutMillis = -1;
  }

  public long deadlineNanos() {
    return deadlineNanos;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int timeout = 0;
    if (deadlineNanos != 0) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException(deadlineName + " exceeded");
      }
      timeout = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000));
    }
    if (timeout != currentTimeoutMillis) {
      socket.setSoTimeout(timeout);
      currentTimeoutMillis = timeout;
    }
    try {
      return in.read(b, off, len);
    } catch (SocketTimeoutException e) {
      throw new SocketTimeoutException(deadlineName + " exceeded");
    }
  }

  @Override
  public int available() throws IOException {
    return in.available();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
