package io.httpdiag.agent.runtime;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP/2 connections seen open streams (client and server, one id space: core-transport's ids
 * are shared), with the streams each served, its peak of concurrent streams and its GOAWAY. An
 * entry is made by the connection's first stream and forgotten when the connection closes; an
 * HTTP/1.1 connection never has one, so HTTP/1.1 exchanges pay nothing here. Bounded by
 * {@link PoolStats#MAX_CONNECTIONS}: beyond it connections are counted as dropped and not tracked.
 * Thread-safe.
 */
public final class Http2Connections {
  private final ConcurrentHashMap<Long, Conn> conns = new ConcurrentHashMap<>();

  /** One HTTP/2 connection. Counters are written under its monitor; read without it they may be stale. */
  public static final class Conn {
    public final long connectionId;
    public final boolean server;
    private int streams; // guarded by this
    private int peakActive; // guarded by this
    private int goAwayLastStreamId = -1; // guarded by this
    private String goAwayCode; // guarded by this
    private boolean goAwaySent; // guarded by this
    /** A slot owned by a reporter (the JFR connection event, committed when the connection closes). */
    public volatile Object connectionEvent;

    Conn(long connectionId, boolean server) {
      this.connectionId = connectionId;
      this.server = server;
    }

    /** Streams opened on the connection so far. */
    public synchronized int streams() {
      return streams;
    }

    /** The most streams open at once, as the transport counted them when each opened. */
    public synchronized int peakActive() {
      return peakActive;
    }

    /** The last stream id of the connection's GOAWAY, or -1 when none was seen. */
    public synchronized int goAwayLastStreamId() {
      return goAwayLastStreamId;
    }

    /** The error code of the connection's GOAWAY ("NO_ERROR" for a graceful one), or null. */
    public synchronized String goAwayCode() {
      return goAwayCode;
    }

    /** Whether this side sent the GOAWAY (false: received, or none). */
    public synchronized boolean goAwaySent() {
      return goAwaySent;
    }

    synchronized void opened(int activeStreams) {
      streams++;
      if (activeStreams > peakActive) peakActive = activeStreams;
    }

    synchronized void goAway(int lastStreamId, String errorCode, boolean sent) {
      goAwayLastStreamId = lastStreamId;
      goAwayCode = errorCode;
      goAwaySent = sent;
    }
  }

  /** The connection, or null when it carried no HTTP/2 stream (HTTP/1.1) or was not tracked. */
  public Conn get(long connectionId) {
    return conns.isEmpty() ? null : conns.get(connectionId);
  }

  /** A stream opened on {@code connectionId}; returns its connection (null when the table is full). */
  Conn streamOpened(long connectionId, boolean server, int activeStreams) {
    Conn c = conns.get(connectionId);
    if (c == null) {
      if (conns.size() >= PoolStats.MAX_CONNECTIONS) {
        Counters.droppedConnections.incrementAndGet();
        return null;
      }
      c = conns.computeIfAbsent(connectionId, id -> new Conn(id, server));
    }
    c.opened(activeStreams);
    return c;
  }

  /** A GOAWAY on {@code connectionId}; a connection that opened no stream yet gets its entry now. */
  Conn goAway(long connectionId, boolean server, int lastStreamId, String errorCode, boolean sent) {
    Conn c = conns.get(connectionId);
    if (c == null) {
      if (conns.size() >= PoolStats.MAX_CONNECTIONS) {
        Counters.droppedConnections.incrementAndGet();
        return null;
      }
      c = conns.computeIfAbsent(connectionId, id -> new Conn(id, server));
    }
    c.goAway(lastStreamId, errorCode, sent);
    return c;
  }

  /** Forgets the connection (it closed). */
  void closed(long connectionId) {
    if (!conns.isEmpty()) conns.remove(connectionId);
  }
}
