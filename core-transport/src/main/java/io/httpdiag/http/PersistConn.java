package io.httpdiag.http;

import io.httpdiag.http.internal.HttpReader;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;

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
  private final DeadlineInputStream in;
  private volatile boolean closed;

  PersistConn(long id, String key, String address, Socket socket, String tlsProtocol) throws IOException {
    this.id = id;
    this.key = key;
    this.address = address;
    this.socket = socket;
    this.tlsProtocol = tlsProtocol;
    this.in = new DeadlineInputStream(socket, false);
    this.out = socket.getOutputStream();
    this.reader = new HttpReader(in, 8192);
    this.createdNanos = System.nanoTime();
  }

  /** Arms the read deadline: reads past it throw {@code d.expired(phase)}; {@link Deadline#NONE} disarms. */
  void setReadDeadline(Deadline d, String phase) {
    in.setDeadline(d, phase);
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

  /** For error messages: " (a reused connection, request N on it)" when it is one, else "". */
  String reusedNote() {
    return requests > 1 ? " (a reused connection, request " + requests + " on it)" : "";
  }

  @Override
  public String toString() {
    return "conn#" + id + " " + address;
  }
}
