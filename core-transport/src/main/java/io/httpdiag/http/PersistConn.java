package io.httpdiag.http;

import io.httpdiag.http.internal.HttpReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * One client connection (Go's {@code persistConn}). Lent to one exchange at a time by the
 * {@link Transport}'s pool; the exchange's thread owns the streams while it holds the connection.
 * {@link #close()} may be called from any thread (cancellation) and is idempotent.
 */
final class PersistConn {
  final long id;
  final String key;
  final String address;
  final Socket socket;
  final OutputStream out;
  final HttpReader reader;
  final long createdNanos;
  final String tlsProtocol;
  /** Write buffer for the request head (and a small body); reused across exchanges. */
  byte[] wbuf = new byte[512];
  int requests; // exchanges served, including the current one
  long idleSinceNanos; // guarded by the transport lock while idle
  private final Deadline in;
  private volatile boolean closed;

  PersistConn(long id, String key, String address, Socket socket, String tlsProtocol) throws IOException {
    this.id = id;
    this.key = key;
    this.address = address;
    this.socket = socket;
    this.tlsProtocol = tlsProtocol;
    this.in = new Deadline(socket, socket.getInputStream());
    this.out = socket.getOutputStream();
    this.reader = new HttpReader(in, 8192);
    this.createdNanos = System.nanoTime();
  }

  /** Arms the read deadline: reads after {@code deadlineNanos} (System.nanoTime) throw; 0 disarms. */
  void setReadDeadline(long deadlineNanos, String kind, long budgetNanos, String phase) {
    in.deadline = deadlineNanos;
    in.kind = kind;
    in.budgetNanos = budgetNanos;
    in.phase = phase;
  }

  boolean isClosed() {
    return closed;
  }

  /** Closes the socket; unblocks a thread reading or writing it. Idempotent, any thread. */
  void close() {
    closed = true;
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing to do: the connection is gone either way
    }
  }

  @Override
  public String toString() {
    return "conn#" + id + " " + address;
  }

  /**
   * The socket's input with a deadline: before each read the socket timeout is set to the time
   * left, and a {@link SocketTimeoutException} becomes an {@link HttpTimeoutException} naming the
   * knob. Blocking reads on a virtual thread park it; no timer thread is needed.
   */
  private static final class Deadline extends InputStream {
    private final Socket socket;
    private final InputStream in;
    long deadline; // System.nanoTime() value; 0 = none
    String kind;
    long budgetNanos;
    String phase;
    private int soTimeout;

    Deadline(Socket socket, InputStream in) {
      this.socket = socket;
      this.in = in;
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
        if (deadline != 0) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw expired();
          }
          want = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (left + 999_999) / 1_000_000));
        }
        if (want != soTimeout) {
          socket.setSoTimeout(want);
          soTimeout = want;
        }
        try {
          return in.read(b, off, len);
        } catch (SocketTimeoutException e) {
          if (deadline == 0 || deadline - System.nanoTime() <= 0) {
            throw expired();
          }
          // Woke a little early (millisecond rounding): read again with the time left.
        }
      }
    }

    private HttpTimeoutException expired() {
      return new HttpTimeoutException(kind, kind + " (" + Transport.format(budgetNanos) + ") elapsed " + phase);
    }
  }
}
