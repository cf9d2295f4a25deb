package io.httpdiag.http;

import io.httpdiag.http.TransportStats.DiscardReason;
import io.httpdiag.http.internal.Threads;
import io.httpdiag.http.internal.Trace;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Transport}'s connections, keyed by (scheme, host, port): the idle pool (most recently
 * used first), the per-host limit and its waiters, the idle-timeout janitor, and the counters behind
 * {@link Transport#stats()}. Thread-safe; one lock, sockets closed outside it.
 */
final class ConnPool {
  private static final System.Logger LOG = System.getLogger(Transport.class.getName());

  private final Transport t;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition janitorWake = lock.newCondition();
  private final HashMap<String, HostPool> hosts = new HashMap<>(); // guarded by lock
  private int idleCount; // guarded by lock
  private long dials; // guarded by lock
  private long reuses; // guarded by lock
  private long h2Dials; // guarded by lock: dials that became HTTP/2 connections
  private final long[] discards = new long[DiscardReason.values().length]; // guarded by lock; by ordinal
  private boolean closed; // guarded by lock
  private boolean janitorRunning; // guarded by lock

  ConnPool(Transport t) {
    this.t = t;
  }

  /**
   * An HTTP/2 connection to {@code x}'s host with a free stream slot (reserved for {@code x}), or
   * null when {@code x} should go through {@link #getConn}: no HTTP/2 connection has room and
   * {@code x} is to dial (marked {@code h2Dialer}), or the host speaks HTTP/1.1 only. While another
   * exchange's dial may bring an HTTP/2 connection, waits for it: concurrent first requests share
   * one dial, as Go's HTTP/2 connection pool does.
   */
  Http2ClientConn getH2Conn(Exchange x) throws IOException {
    Trace.getConn(x.trace, x.id, x.endpoint.hostPort());
    x.h2Attempted = true;
    HostPool hp = hostPool(x.endpoint.key());
    List<Http2ClientConn> stale = null;
    Http2ClientConn picked = null;
    boolean wasIdle = false;
    long idleNanos = 0;
    long now = 0;
    int n = 0;
    lock.lock();
    try {
      while (picked == null) {
        if (closed) {
          throw new IOException("transport closed");
        }
        if (x.aborted()) {
          throw x.canceledException("waiting for a connection", null);
        }
        now = System.nanoTime();
        for (Iterator<Http2ClientConn> it = hp.h2.iterator(); it.hasNext(); ) {
          Http2ClientConn cc = it.next();
          boolean expired = cc.reservedStreams == 0 && t.idleConnTimeout > 0 && now - cc.idleSinceNanos >= t.idleConnTimeout;
          if (cc.reservedStreams == 0 && (expired || !cc.isOpen())) {
            it.remove();
            hp.conns--;
            if (expired) {
              discards[DiscardReason.IDLE_TIMEOUT.ordinal()]++;
            }
            stale = stale == null ? new ArrayList<>(2) : stale;
            stale.add(cc);
            continue;
          }
          if (cc.canTakeNewRequest() && cc.reservedStreams < cc.peerMaxConcurrentStreams) {
            wasIdle = cc.reservedStreams == 0;
            idleNanos = wasIdle ? now - cc.idleSinceNanos : 0;
            cc.reservedStreams++;
            n = ++cc.requests;
            reuses++;
            picked = cc;
            break;
          }
        }
        if (picked == null) {
          if (hp.http1Only) {
            return null;
          }
          if (!hp.h2Dialing) {
            hp.h2Dialing = true;
            x.h2Dialer = true;
            return null;
          }
          awaitConnLocked(x, hp);
        }
      }
    } finally {
      lock.unlock();
      if (stale != null) {
        for (Http2ClientConn cc : stale) {
          cc.close(DiscardReason.IDLE_TIMEOUT.text());
        }
      }
    }
    Trace.gotConn(x.trace, x.id, picked.id, true, wasIdle, idleNanos, now - picked.createdNanos, n);
    return picked;
  }

  /**
   * Returns an idle connection or dials one, waiting under {@code maxConnsPerHost}. A dial that
   * ends in HTTP/2 (ALPN "h2", or h2c) comes back with {@link PersistConn#h2} set: that
   * connection is now the pool's HTTP/2 connection, with a stream slot reserved for {@code x}.
   */
  PersistConn getConn(Exchange x) throws IOException {
    try {
      return getConn0(x);
    } finally {
      if (x.h2Dialer) {
        x.h2Dialer = false;
        lock.lock();
        try {
          HostPool hp = hosts.get(x.endpoint.key());
          hp.h2Dialing = false;
          hp.available.signalAll();
        } finally {
          lock.unlock();
        }
      }
    }
  }

  private PersistConn getConn0(Exchange x) throws IOException {
    if (!x.h2Attempted) {
      Trace.getConn(x.trace, x.id, x.endpoint.hostPort());
    }
    HostPool hp = hostPool(x.endpoint.key());
    PersistConn pc;
    while ((pc = idleOrDialSlot(x, hp)) != null) {
      // Checked outside the lock (a syscall per reuse). Go's persistConn read loop: bytes on an idle
      // connection answer no request; taking them as the next response would hand the caller a stale one.
      int unsolicited = pc.unsolicitedBytes();
      if (unsolicited == 0) {
        long now = System.nanoTime();
        pc.requests++;
        Trace.gotConn(x.trace, x.id, pc.id, true, true, now - pc.idleSinceNanos, now - pc.createdNanos, pc.requests);
        return pc;
      }
      dropUnsolicited(hp, pc, unsolicited);
    }
    try {
      pc = Dialer.dial(t, x);
    } catch (IOException | RuntimeException e) {
      releaseSlot(hp);
      throw e;
    }
    pc.requests = 1;
    if (t.speaksH2(pc)) {
      Http2ClientConn cc;
      try {
        cc = new Http2ClientConn(t, pc);
      } catch (IOException | RuntimeException e) {
        pc.close();
        releaseSlot(hp);
        throw e;
      }
      lock.lock();
      try {
        cc.reservedStreams = 1;
        cc.requests = 1;
        hp.h2.add(cc);
        h2Dials++;
      } finally {
        lock.unlock();
      }
      pc.h2 = cc;
    } else if (x.h2Dialer && x.endpoint.https()) {
      lock.lock();
      try {
        hp.http1Only = true; // ALPN chose http/1.1: later requests need not wait for an h2 dial
      } finally {
        lock.unlock();
      }
    }
    Trace.gotConn(x.trace, x.id, pc.id, false, false, 0, System.nanoTime() - pc.createdNanos, 1);
    return pc;
  }

  /**
   * An HTTP/2 stream ended (its body read or closed, or its exchange failed): frees its slot.
   * {@code result} is traced as putIdleConn's: "ok" when the connection goes on. A connection
   * that is going away, or whose transport closed, closes with its last stream.
   */
  void h2StreamDone(Http2ClientConn cc, ClientTrace trace, long exchangeId, String result) {
    String closeReason = null;
    lock.lock();
    try {
      cc.reservedStreams--;
      if (cc.reservedStreams == 0) {
        cc.idleSinceNanos = System.nanoTime();
      }
      HostPool hp = hosts.get(cc.key);
      if (cc.reservedStreams == 0 && (closed || !cc.canTakeNewRequest()) && hp.h2.remove(cc)) {
        hp.conns--;
        closeReason = closed ? DiscardReason.TRANSPORT_CLOSED.text() : "goAway";
      }
      hp.available.signalAll();
    } finally {
      lock.unlock();
    }
    Trace.putIdleConn(trace, exchangeId, cc.id, result);
    if (closeReason != null) {
      cc.close(closeReason);
    } else if (t.idleConnTimeout > 0) {
      scheduleH2IdleCheck(cc);
    }
  }

  /**
   * IdleConnTimeout on HTTP/2: a connection with no stream for that long is closed (Go's
   * {@code http2.Transport.IdleConnTimeout}). Checked on the shared timer, closed off it.
   */
  private void scheduleH2IdleCheck(Http2ClientConn cc) {
    Threads.timer().schedule(() -> Threads.start("httpdiag-h2-idle", () -> h2IdleCheck(cc)), t.idleConnTimeout,
        java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private void h2IdleCheck(Http2ClientConn cc) {
    lock.lock();
    try {
      HostPool hp = hosts.get(cc.key);
      if (cc.reservedStreams != 0 || System.nanoTime() - cc.idleSinceNanos < t.idleConnTimeout || !hp.h2.remove(cc)) {
        return; // busy again, or idle since later (that release scheduled its own check), or gone
      }
      hp.conns--;
      discards[DiscardReason.IDLE_TIMEOUT.ordinal()]++;
    } finally {
      lock.unlock();
    }
    cc.close(DiscardReason.IDLE_TIMEOUT.text());
  }

  /** After a GOAWAY: a connection with no stream left closes now; waiters look again. */
  void h2GoAway(Http2ClientConn cc) {
    boolean closeIt = false;
    lock.lock();
    try {
      HostPool hp = hosts.get(cc.key);
      if (cc.reservedStreams == 0 && hp.h2.remove(cc)) {
        hp.conns--;
        closeIt = true;
      }
      hp.available.signalAll();
    } finally {
      lock.unlock();
    }
    if (closeIt) {
      cc.close("goAway");
    }
  }

  /** The server's SETTINGS may have changed how many streams fit: waiters look again. */
  void h2CapacityChanged(Http2ClientConn cc) {
    lock.lock();
    try {
      hosts.get(cc.key).available.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** An HTTP/2 connection's reading thread ended: the connection is gone. */
  void h2ConnClosed(Http2ClientConn cc, String reason) {
    lock.lock();
    try {
      HostPool hp = hosts.get(cc.key);
      if (hp.h2.remove(cc)) {
        hp.conns--;
      }
      hp.available.signalAll();
    } finally {
      lock.unlock();
    }
    Trace.clientConnClosed(cc.id, reason);
  }

  /** Removes HTTP/2 connections with no stream (caller holds the lock); the caller closes them. */
  private void takeUnusedH2Locked(List<Http2ClientConn> out) {
    for (HostPool hp : hosts.values()) {
      for (Iterator<Http2ClientConn> it = hp.h2.iterator(); it.hasNext(); ) {
        Http2ClientConn cc = it.next();
        if (cc.reservedStreams == 0) {
          it.remove();
          hp.conns--;
          out.add(cc);
        }
      }
    }
  }

  private HostPool hostPool(String key) {
    lock.lock();
    try {
      return hosts.computeIfAbsent(key, k -> new HostPool(k, lock.newCondition())); // never removed
    } finally {
      lock.unlock();
    }
  }

  /**
   * The most recently used idle connection (counted as a reuse), or null once a dial is reserved
   * under {@code maxConnsPerHost} (counted as a dial); waits while neither is possible.
   */
  private PersistConn idleOrDialSlot(Exchange x, HostPool hp) throws IOException {
    List<PersistConn> expired = null;
    lock.lock();
    try {
      while (true) {
        if (closed) {
          throw new IOException("transport closed");
        }
        if (x.aborted()) {
          throw x.canceledException("waiting for a connection", null);
        }
        expired = evictExpiredLocked(hp, System.nanoTime(), expired);
        PersistConn pc = hp.idle.pollLast(); // most recently used first, as Go does
        if (pc != null) {
          idleCount--;
          reuses++;
          return pc;
        }
        if (t.maxConnsPerHost <= 0 || hp.conns < t.maxConnsPerHost) {
          hp.conns++;
          dials++;
          return null;
        }
        awaitConnLocked(x, hp);
      }
    } finally {
      lock.unlock();
      if (expired != null) {
        closeAll(expired, DiscardReason.IDLE_TIMEOUT);
      }
    }
  }

  /** A dial failed: its slot under maxConnsPerHost is free again. */
  private void releaseSlot(HostPool hp) {
    lock.lock();
    try {
      hp.conns--;
      if (hp.waiting > 0) {
        hp.available.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Closes an idle connection that received bytes nobody asked for; its reuse did not happen. */
  private void dropUnsolicited(HostPool hp, PersistConn pc, int bytes) {
    lock.lock();
    try {
      reuses--;
      discards[DiscardReason.UNSOLICITED_RESPONSE.ordinal()]++;
    } finally {
      lock.unlock();
    }
    releaseSlot(hp);
    // Go's wording, so the message is recognisable; the bytes themselves are not logged (they may be anything).
    LOG.log(System.Logger.Level.WARNING, "Unsolicited response received on idle HTTP channel ({0}, {1} bytes); closing it",
        pc, bytes);
    pc.close();
    Trace.clientConnClosed(pc.id, DiscardReason.UNSOLICITED_RESPONSE.text());
  }

  private void awaitConnLocked(Exchange x, HostPool hp) throws IOException {
    hp.waiting++;
    try {
      if (!x.deadline.isSet()) {
        hp.available.await();
      } else {
        long left = x.deadline.remainingNanos();
        if (left <= 0) {
          throw x.deadline.expired("waiting for a connection to " + hp.key + " (maxConnsPerHost "
              + t.maxConnsPerHost + ")");
        }
        hp.available.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for a connection to " + hp.key);
    } finally {
      hp.waiting--;
    }
  }

  /** Wakes callers waiting for a connection to {@code key}, so a canceled one can leave. */
  void wakeWaiters(String key) {
    lock.lock();
    try {
      HostPool hp = hosts.get(key);
      if (hp != null) {
        hp.available.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** After an exchange whose body ended cleanly: back to the idle pool, or closed if the pool is full. */
  void putIdleConn(PersistConn pc, ClientTrace trace, long exchangeId) {
    DiscardReason refused = null;
    List<PersistConn> evicted = null;
    lock.lock();
    try {
      HostPool hp = hosts.get(pc.key);
      if (closed) {
        refused = DiscardReason.TRANSPORT_CLOSED;
      } else if (hp.idle.size() >= t.maxIdleConnsPerHost) {
        refused = DiscardReason.POOL_FULL;
      } else {
        pc.idleSinceNanos = System.nanoTime();
        hp.idle.addLast(pc);
        idleCount++;
        if (t.maxIdleConns > 0 && idleCount > t.maxIdleConns) {
          evicted = new ArrayList<>(1);
          evictOldestIdleLocked(evicted);
        }
        if (t.idleConnTimeout > 0 && !janitorRunning) {
          janitorRunning = true;
          Threads.start("httpdiag-idle-janitor", this::janitor);
        }
      }
      if (refused != null) {
        hp.conns--;
        discards[refused.ordinal()]++;
      }
      if (hp.waiting > 0) {
        hp.available.signal();
      }
    } finally {
      lock.unlock();
    }
    Trace.putIdleConn(trace, exchangeId, pc.id, refused == null ? "ok" : refused.text());
    if (refused != null) {
      pc.close();
      Trace.clientConnClosed(pc.id, refused.text());
    }
    if (evicted != null) {
      closeAll(evicted, DiscardReason.POOL_FULL);
    }
  }

  /** Closes a connection lent to an exchange, counting it under {@code reason}. */
  void discard(PersistConn pc, DiscardReason reason, ClientTrace trace, long exchangeId) {
    lock.lock();
    try {
      HostPool hp = hosts.get(pc.key);
      hp.conns--;
      discards[reason.ordinal()]++;
      if (hp.waiting > 0) {
        hp.available.signal();
      }
    } finally {
      lock.unlock();
    }
    pc.close();
    Trace.putIdleConn(trace, exchangeId, pc.id, reason.text());
    Trace.clientConnClosed(pc.id, reason.text());
  }

  /** Closes idle connections; in-use ones are unaffected. Not counted as discards (Go's CloseIdleConnections). */
  void closeIdle() {
    List<PersistConn> toClose = new ArrayList<>();
    List<Http2ClientConn> h2 = new ArrayList<>();
    lock.lock();
    try {
      closeIdleLocked(toClose);
      takeUnusedH2Locked(h2);
    } finally {
      lock.unlock();
    }
    closeAll(toClose, DiscardReason.CLOSE_IDLE);
    for (Http2ClientConn cc : h2) {
      cc.close(DiscardReason.CLOSE_IDLE.text());
    }
  }

  /** Closes idle connections and refuses new ones; returns false when already closed. */
  boolean close() {
    List<PersistConn> toClose = new ArrayList<>();
    List<Http2ClientConn> h2 = new ArrayList<>();
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      closed = true;
      closeIdleLocked(toClose);
      takeUnusedH2Locked(h2); // the others close with their last stream
      for (HostPool hp : hosts.values()) {
        hp.available.signalAll();
      }
      janitorWake.signalAll();
    } finally {
      lock.unlock();
    }
    closeAll(toClose, DiscardReason.TRANSPORT_CLOSED);
    for (Http2ClientConn cc : h2) {
      cc.close(DiscardReason.TRANSPORT_CLOSED.text());
    }
    return true;
  }

  TransportStats stats() {
    lock.lock();
    try {
      Map<String, TransportStats.Host> h = new LinkedHashMap<>();
      for (HostPool hp : hosts.values()) {
        int idle = hp.idle.size();
        for (Http2ClientConn cc : hp.h2) {
          if (cc.reservedStreams == 0) {
            idle++; // an HTTP/2 connection with no stream is idle; with one or more, in use
          }
        }
        if (hp.conns > 0 || hp.waiting > 0) {
          h.put(hp.key, new TransportStats.Host(idle, hp.conns - idle, hp.waiting));
        }
      }
      Map<String, Long> d = new LinkedHashMap<>();
      for (DiscardReason r : DiscardReason.values()) {
        if (discards[r.ordinal()] > 0) {
          d.put(r.text(), discards[r.ordinal()]);
        }
      }
      int h2Conns = 0;
      int activeStreams = 0;
      for (HostPool hp : hosts.values()) {
        for (Http2ClientConn cc : hp.h2) {
          h2Conns++;
          activeStreams += cc.reservedStreams;
        }
      }
      return new TransportStats(Map.copyOf(h), dials, reuses, Map.copyOf(d), h2Dials, h2Conns, activeStreams);
    } finally {
      lock.unlock();
    }
  }

  private List<PersistConn> evictExpiredLocked(HostPool hp, long now, List<PersistConn> out) {
    if (t.idleConnTimeout <= 0) {
      return out;
    }
    PersistConn oldest;
    while ((oldest = hp.idle.peekFirst()) != null && now - oldest.idleSinceNanos >= t.idleConnTimeout) {
      hp.idle.pollFirst();
      idleCount--;
      hp.conns--;
      discards[DiscardReason.IDLE_TIMEOUT.ordinal()]++;
      if (out == null) {
        out = new ArrayList<>(2);
      }
      out.add(oldest);
    }
    return out;
  }

  private void evictOldestIdleLocked(List<PersistConn> out) {
    HostPool victim = null;
    for (HostPool hp : hosts.values()) {
      PersistConn first = hp.idle.peekFirst();
      if (first != null && (victim == null || first.idleSinceNanos < victim.idle.peekFirst().idleSinceNanos)) {
        victim = hp;
      }
    }
    if (victim != null) {
      out.add(victim.idle.pollFirst());
      idleCount--;
      victim.conns--;
      discards[DiscardReason.POOL_FULL.ordinal()]++;
    }
  }

  private void closeIdleLocked(List<PersistConn> out) {
    for (HostPool hp : hosts.values()) {
      PersistConn pc;
      while ((pc = hp.idle.pollFirst()) != null) {
        out.add(pc);
        hp.conns--;
        idleCount--;
      }
      hp.available.signalAll();
    }
  }

  /** Closes idle connections when their idle time runs out; runs while any connection is idle. */
  private void janitor() {
    List<PersistConn> expired = null;
    lock.lock();
    try {
      while (!closed && idleCount > 0) {
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        for (HostPool hp : hosts.values()) {
          expired = evictExpiredLocked(hp, now, expired);
          PersistConn first = hp.idle.peekFirst();
          if (first != null) {
            next = Math.min(next, first.idleSinceNanos + t.idleConnTimeout - now);
          }
        }
        if (expired != null) {
          List<PersistConn> batch = expired;
          expired = null;
          lock.unlock();
          try {
            closeAll(batch, DiscardReason.IDLE_TIMEOUT);
          } finally {
            lock.lock();
          }
          continue;
        }
        if (next != Long.MAX_VALUE) {
          janitorWake.awaitNanos(next);
        }
      }
    } catch (InterruptedException e) {
      LOG.log(System.Logger.Level.DEBUG, "idle janitor interrupted");
    } finally {
      janitorRunning = false;
      lock.unlock();
    }
  }

  private static void closeAll(List<PersistConn> conns, DiscardReason reason) {
    for (PersistConn pc : conns) {
      pc.close();
      Trace.clientConnClosed(pc.id, reason.text());
    }
  }

  /** One pool key's connections. Guarded by the pool lock. */
  private static final class HostPool {
    final String key;
    final Condition available;
    final ArrayDeque<PersistConn> idle = new ArrayDeque<>(); // oldest first
    final List<Http2ClientConn> h2 = new ArrayList<>(2); // open HTTP/2 connections, counted in conns
    boolean h2Dialing; // an exchange is dialing what may become an HTTP/2 connection
    boolean http1Only; // https: ALPN chose http/1.1, so nobody waits for an h2 dial
    int conns; // open or dialing, idle included: what maxConnsPerHost limits
    int waiting;

    HostPool(String key, Condition available) {
      this.key = key;
      this.available = available;
    }
  }
}
