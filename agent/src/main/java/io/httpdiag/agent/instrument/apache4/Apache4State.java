package io.httpdiag.agent.instrument.apache4;

import io.httpdiag.agent.runtime.WeakIdentityTable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state the Apache HttpClient 4.5 adapter keeps ({@link Apache4Exchanges}, {@link Apache4Connections},
 * {@link Apache4Clients}); java.base types only, the advice unpacks HC4's values.
 *
 * <p>HC4's classic client runs an exchange on the caller's thread from {@code InternalHttpClient.doExecute}
 * to the response it returns: every hook in between (pool lease, connect, request written, response
 * headers, the ConnectionHolder and ResponseEntityProxy made for it) finds its exchange in
 * {@link #current}, with no table look-up. When it returns a response whose body is still to be read,
 * the body may be read or closed on any thread: then (and only then) its {@code ConnectionHolder} and
 * {@code ResponseEntityProxy} go in {@link #table}, weakly and by identity (as are connections), and
 * leave it when the body's end releases the connection.
 */
final class Apache4State {
  private Apache4State() {}

  static final int MAX_ENTRIES = 65_536;
  static final AtomicLong exchangeIds = new AtomicLong();
  static final AtomicLong connectionIds = new AtomicLong();
  static final AtomicLong clientIds = new AtomicLong();
  /** ConnectionHolder and ResponseEntityProxy -> {@link Xch}; connection -> {@link Conn}; client -> {@link Client}. */
  static final WeakIdentityTable table = new WeakIdentityTable(MAX_ENTRIES, null);
  static final ThreadLocal<Cur> current = ThreadLocal.withInitial(Cur::new);

  /** What one thread is doing inside HC4. Thread-confined. */
  static final class Cur {
    /** The exchange whose doExecute runs on this thread (innermost), null outside one. */
    Xch xch;
    /** How the body is being ended ("eof", "streamClosed", "close"...), set by the outermost hook. */
    String cause;
    /** The entity whose end hook ({@link #cause}) runs: its table entry goes with the release. */
    Object causeEntity;
    /** Why a connection is being closed (PoolStats' reasons), set by the hook that closes it. */
    String closeReason;
    /** The connection being connected, its address, and whether its connectDone was reported. */
    Conn connecting;
    String connectAddress;
    boolean connectDone;
  }

  /** One call of doExecute: redirects and retries are attempts of it. */
  static final class Xch {
    final long id;
    /** The exchange this one runs inside (an interceptor that sends with a client), restored at its end. */
    final Xch outer;
    volatile Conn conn;
    /** doExecute returned the response: releases are now the body's end, not an intermediate hop's. */
    volatile boolean returned;
    /** Body bytes the application read (one reader at a time). */
    volatile long bytes;
    int attempts; // on the exchange's thread only
    boolean lastFailed;
    /**
     * The exchange's ConnectionHolder and ResponseEntityProxy, held only while doExecute runs (through
     * {@link Cur#xch}); moved to the table when it returns a streamed body (a value of the table must
     * not hold its key).
     */
    Object holder;
    Object entity;

    Xch(long id, Xch outer) {
      this.id = id;
      this.outer = outer;
    }
  }

  /**
   * The exchange of a ConnectionHolder: one of this thread's exchanges in doExecute, else the table's
   * (a returned body ending, on any thread).
   */
  static Xch byHolder(Cur c, Object holder) {
    for (Xch x = c.xch; x != null; x = x.outer) {
      if (x.holder == holder && !x.returned) return x;
    }
    Object o = table.get(holder);
    return o instanceof Xch ? (Xch) o : null;
  }

  /** One HC4 connection (a ManagedHttpClientConnection). */
  static final class Conn {
    final long id;
    final long createdAt = System.nanoTime();
    volatile int requests;

    Conn(long id) {
      this.id = id;
    }
  }

  /** A CloseableHttpClient (InternalHttpClient) built while the agent ran. */
  static final class Client {
    final String name;
    volatile Apache4ClientWatch watch;
    volatile boolean closed;

    Client(String name) {
      this.name = name;
    }
  }
}
