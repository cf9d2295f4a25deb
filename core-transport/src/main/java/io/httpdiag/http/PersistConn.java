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
  private static final byte[] CRLF = {'\r', '\n'};
  final long id;
  final String key;
  final String address;
  final Socket socket;
  final OutputStream out;
  final HttpReader reader;
  final long createdNanos;
  /** Write buffer for the request head (and a small body); reused across exchanges. */
  byte[] wbuf = new byte[512];
  int requests; // exchanges served, including the current one
  /** Set when the dial ended in HTTP/2: the socket belongs to that connection, never to the idle pool. */
  Http2ClientConn h2;
  long idleSinceNanos; // guarded by the transport lock while idle
  private final DeadlineInputStream in;

  PersistConn(long id, String key, String address, Socket socket) throws IOException {
    this.id = id;
    this.key = key;
    this.address = address;
    this.socket = socket;
    this.in = new DeadlineInputStream(socket, false);
    this.out = socket.getOutputStream();
    this.reader = new HttpReader(in, 8192);
    this.createdNanos = System.nanoTime();
  }

  /** Arms the read deadline: reads past it throw {@code d.expired(phase)}; {@link Deadline#NONE} disarms. */
  void setReadDeadline(Deadline d, String phase) {
    in.setDeadline(d, phase);
  }

  /** Closes the socket; unblocks a thread reading or writing it. Idempotent, any thread. */
  void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing to do: the connection is gone either way
    }
  }

  /**
   * Bytes received while no request was outstanding: left in the read buffer after the last
   * response or waiting in the socket (for TLS, only what is already decrypted), not counting
   * empty lines, which a response parser skips anyway (RFC 9112 section 2.2; some servers send a
   * stray CRLF after a body). Reads only what is already there, so it never blocks.
   */
  int unsolicitedBytes() {
    try {
      if (reader.buffered() == 0 && in.available() > 0) {
        reader.awaitByte(); // returns at once: bytes are waiting
      }
    } catch (IOException e) {
      return 0; // a dead connection fails on use, and a reused one is retried as before
    }
    int emptyLines = 0;
    while (reader.bufferedMatches(emptyLines, CRLF)) {
      emptyLines += 2;
    }
    return reader.buffered() - emptyLines;
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
