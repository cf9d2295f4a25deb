package io.httpdiag.agent.instrument.apache5;

import io.httpdiag.agent.instrument.apache5.Apache5State.Conn;
import io.httpdiag.agent.instrument.apache5.Apache5State.Cur;
import io.httpdiag.agent.instrument.apache5.Apache5State.X;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;

/**
 * Connection-level events of the thread's exchange: the pool entry leased, connect (DNS and the TLS
 * handshake happen inside it and are not told apart), request written, response headers, close.
 */
public final class Apache5Connections {
  private Apache5Connections() {}

  /**
   * The pool hands over an entry ({@code InternalConnectionEndpoint} made): {@code open} when its
   * connection is open already (reused); {@code updatedMillis} is when the entry was last released (epoch ms).
   */
  public static void leased(Object connection, boolean open, long updatedMillis) {
    try {
      Cur c = Apache5State.cur.get();
      c.leaseConnection = open ? connection : null;
      c.leaseReused = open;
      c.leaseIdleNanos = open && updatedMillis > 0 ? Math.max(0, System.currentTimeMillis() - updatedMillis) * 1_000_000L : 0;
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** {@code connect} entered; true when it is the outermost call (the one to report). */
  public static boolean connectStart(String hostPort) {
    try {
      Cur c = Apache5State.cur.get();
      if (c.connectDepth++ > 0) return false;
      X x = c.x;
      if (x != null) Events.connectStart(x.id, hostPort);
      return true;
    } catch (Throwable t) {
      Counters.failure(t);
      return false;
    }
  }

  /**
   * The outermost {@code connect} returned ({@code error} null) or failed. {@code tlsProtocol} is the
   * negotiated protocol when the connection is TLS (null otherwise).
   */
  public static void connectDone(boolean outermost, Object connection, String address, String tlsProtocol,
      String cipherSuite, Throwable error) {
    try {
      Cur cur = Apache5State.cur.get();
      if (cur.connectDepth > 0) cur.connectDepth--;
      if (!outermost) return;
      X x = cur.x;
      if (x == null) return;
      Conn c = error == null ? Apache5State.connection(connection) : null;
      Events.connectDone(x.id, c != null ? c.id : 0, address, error);
      if (c == null) return;
      if (tlsProtocol != null) Events.tlsHandshakeDone(x.id, c.id, tlsProtocol, cipherSuite, null, null);
      x.connectionId = c.id;
      if (x.awaitingConnect) {
        x.awaitingConnect = false;
        Events.gotConn(x.id, c.id, false, false, 0, 0, 0);
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The request line and headers are written; {@code bodyBytes} its entity's length (-1 unknown, 0 none). */
  public static void requestHeaderSent(long bodyBytes) {
    try {
      X x = Apache5State.cur.get().x;
      if (x == null) return;
      x.requestBytes = bodyBytes;
      Events.wroteHeaders(x.id);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** About to read the response head: the request is written (its entity too, if any). */
  public static void awaitingResponse() {
    try {
      X x = Apache5State.cur.get().x;
      if (x != null) Events.wroteRequest(x.id, x.requestBytes, null);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** A response head read; 1xx heads are interim and skipped. */
  public static void responseHeader(int status, long contentLength) {
    try {
      X x = Apache5State.cur.get().x;
      if (x == null || status < 200) return;
      x.contentLength = contentLength;
      Events.gotResponseHeaders(x.id, status, contentLength);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** {@code DefaultManagedHttpClientConnection.close} (either form; the first one counts). */
  public static void closed(Object connection) {
    try {
      Object o = Apache5State.table.get(connection);
      if (!(o instanceof Conn)) return;
      Conn c = (Conn) o;
      if (c.closed) return;
      c.closed = true;
      Events.clientConnClosed(c.id, "closed");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }
}
