package io.httpdiag.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * A socket's input with an absolute {@link Deadline}, like Go's {@code SetReadDeadline}: every read
 * gets the time left as its socket timeout, so a peer trickling one byte at a time is still cut off
 * at the deadline (a per-read timeout alone would never fire). Blocking reads on a virtual thread
 * park it; no timer thread is needed. Used by both sides: a client connection reports expiry as an
 * {@link HttpTimeoutException} naming the knob and the phase; a server connection as a
 * {@link SocketTimeoutException} "KIND exceeded" (what a handler reading the body sees).
 *
 * <p>Confined to the thread that reads the connection, which also sets the deadline between reads.
 */
final class DeadlineInputStream extends InputStream {
  private final Socket socket;
  private final InputStream in;
  private final boolean serverSide;
  private Deadline deadline = Deadline.NONE;
  private String phase;
  private int soTimeoutMillis;

  DeadlineInputStream(Socket socket, boolean serverSide) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.serverSide = serverSide;
    this.soTimeoutMillis = socket.getSoTimeout();
  }

  /** Arms {@code d} (or disarms with {@link Deadline#NONE}); {@code phase} says what was being read. */
  void setDeadline(Deadline d, String phase) {
    this.deadline = d;
    this.phase = phase;
  }

  /** Someone else changed the socket's timeout; set it again before the next read. */
  void forgetSocketTimeout() {
    soTimeoutMillis = -1;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    while (true) {
      int want = 0;
      if (deadline.isSet()) {
        long left = deadline.remainingNanos();
        if (left <= 0) {
          throw expired();
        }
        want = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (left + 999_999) / 1_000_000));
      }
      if (want != soTimeoutMillis) {
        socket.setSoTimeout(want);
        soTimeoutMillis = want;
      }
      try {
        return in.read(b, off, len);
      } catch (SocketTimeoutException e) {
        if (!deadline.isSet() || deadline.remainingNanos() <= 0) {
          throw expired();
        }
        // Woke a little early (millisecond rounding): read again with the time left.
      }
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

  private IOException expired() {
    return serverSide ? new SocketTimeoutException(deadline.kind() + " exceeded") : deadline.expired(phase);
  }
}
