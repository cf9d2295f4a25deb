package io.httpdiag.agent.instrument.jdk;

import static io.httpdiag.agent.instrument.jdk.JdkState.*;

import io.httpdiag.agent.instrument.jdk.JdkState.Conn;
import io.httpdiag.agent.instrument.jdk.JdkState.Xch;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.Ids;

/** HTTP/2: connections multiplexed, streams made and closed. */
public final class JdkHttp2 {
  private JdkHttp2() {}

  /** Http2Connection made over {@code conn} (the TLS connection): the new connection is multiplexed. */
  public static void h2Connection(Object h2conn, Object conn) {
    try {
      Object o = table.get(conn);
      if (!(o instanceof Conn) || table.get(h2conn) != null) return;
      ((Conn) o).h2 = true;
      ((Conn) o).current = null;
      table.put(h2conn, o, false);
      Events.clientConnection(((Conn) o).id, "h2Connection");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** A Stream of {@code h2conn} was made for the exchange: a reused HTTP/2 connection unless it is new. */
  public static void h2Stream(Object stream, Object h2conn) {
    try {
      Xch x = xch(stream);
      Object o = table.get(h2conn);
      if (x == null) return;
      Conn c;
      if (o instanceof Conn) {
        c = (Conn) o;
      } else { // an HTTP/2 connection made before the attach
        c = new Conn(Ids.JDK_BASE + connectionIds.incrementAndGet(), 0, true);
        c.h2 = true;
        table.put(h2conn, c, false);
      }
      x.conn = c;
      if (!GOT_CONN.compareAndSet(x, 0, 1)) return;
      x.gotConn = true;
      c.requests++;
      Events.gotConn(x.id, c.id, true, false, 0, c.unknownHistory ? -1 : System.nanoTime() - c.createdAt,
          c.unknownHistory ? -1 : c.requests);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The exchange's HTTP/2 stream is done: no connection goes back to a pool. */
  public static void h2StreamClosed(Object stream) {
    try {
      Xch x = xch(stream);
      if (x == null || x.streamClosed) return;
      x.streamClosed = true;
      Conn c = x.conn;
      if (!h2BodyObserved) Events.bodyEnd(x.id, c == null ? 0 : c.id, -1, -1, true, "streamClosed");
      Events.exchangeDone(x.id, "streamClosed");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }
}
