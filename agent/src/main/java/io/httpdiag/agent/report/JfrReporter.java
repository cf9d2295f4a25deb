package io.httpdiag.agent.report;

import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.Http2Connections;
import io.httpdiag.agent.runtime.Http2Events;
import io.httpdiag.agent.runtime.Ids;
import io.httpdiag.agent.runtime.PoolStats;
import io.httpdiag.agent.runtime.Step;
import io.httpdiag.agent.runtime.Counters;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

/**
 * Turns exchanges into JFR events. An event is begun when its exchange (or dial) starts, so its
 * start time and duration are the real ones, and committed only when {@code shouldCommit()}. When no
 * recording runs, the cost is one small allocation per exchange and an {@code isEnabled()} check.
 */
final class JfrReporter {
  private static final long UNSEEN = 0;
  static final String PROTOCOL_H1 = "HTTP/1.1", PROTOCOL_H2 = "HTTP/2.0";
  /**
   * A phase that did not happen, in every {@code @Timespan} field: the JDK's own convention (e.g.
   * {@code jdk.GCConfiguration}'s pause target), shown as "N/A" by {@code jfr print} on 17 and 25,
   * so tools can tell it from a phase that took no time.
   */
  static final long NOT_HAPPENED_VALUE = Long.MIN_VALUE;
  static final String NOT_HAPPENED = " Long.MIN_VALUE (jfr print: N/A) when it did not happen";
  static final String NOT_HAPPENED_DIAL = " Long.MIN_VALUE (jfr print: N/A) when it did not happen (a reused connection,"
      + " an IP literal, a failure before it)";
  static final String NOT_HAPPENED_TLS = " Long.MIN_VALUE (jfr print: N/A) when it did not happen (plain HTTP, a reused"
      + " connection)";
  static final String NOT_HAPPENED_IDLE = " Long.MIN_VALUE (jfr print: N/A) when the connection did not come from the"
      + " idle pool";

  /**
   * Registers the event types and the periodic pool statistics once Flight Recorder is initialized:
   * at once when it already is (-XX:StartFlightRecording), otherwise when the first recording is
   * started (jcmd JFR.start, a Recording in the app). Registering eagerly would initialize Flight
   * Recorder in every JVM the agent joins, about 150 ms of start-up for nothing when no one records.
   */
  void register() {
    FlightRecorder.addListener(new FlightRecorderListener() {
      @Override
      public void recorderInitialized(FlightRecorder recorder) {
        try {
          registerNow();
        } catch (Throwable t) {
          Counters.failure(t);
        }
      }
    });
  }

  private static synchronized void registerNow() {
    if (registered) return;
    registered = true;
    FlightRecorder.register(ExchangeEvent.class);
    FlightRecorder.register(ConnectionEvent.class);
    FlightRecorder.register(ServerExchangeEvent.class);
    FlightRecorder.register(FindingEvent.class);
    FlightRecorder.addPeriodicEvent(PoolStatsEvent.class, JfrReporter::emitPoolStats);
    // Also at the end of every chunk (a dump, the recording's stop): the findings that occurred
    // again since they were last committed, with their real count (the 1st, 10th, 100th... occurrence
    // alone would leave a finding seen 20 times at count 10 in the recording).
    FlightRecorder.addPeriodicEvent(FindingEvent.class, JfrReporter::emitFindingCounts);
  }

  /** The count each finding was last committed with (Findings keeps one Finding per key). */
  private static final Map<Finding, Long> committedCounts = Collections.synchronizedMap(new WeakHashMap<>());

  private static void emitFindingCounts() {
    for (Finding f : Findings.all()) {
      Long committed = committedCounts.get(f);
      if (committed == null || committed < f.count()) commitFinding(f);
    }
  }

  private static boolean registered;

  void start(ExchangeState x) {
    if (x.server) {
      ServerExchangeEvent e = new ServerExchangeEvent();
      if (e.isEnabled()) {
        e.begin();
        x.exchangeEvent = e;
      }
    } else {
      ExchangeEvent e = new ExchangeEvent();
      if (e.isEnabled()) {
        e.begin();
        x.exchangeEvent = e;
      }
    }
  }

  void step(ExchangeState x, Step step) {
    if (step == Step.CONNECT_START) {
      ConnectionEvent c = new ConnectionEvent();
      if (c.isEnabled()) {
        c.begin();
        x.connectionEvent = c;
      }
    } else if (step == Step.GOT_CONN && !x.reused) {
      // The event's duration is the dial and handshake; whether the connection speaks HTTP/2 is
      // known only when (if) the exchange opens a stream on it (h2c prior knowledge has no ALPN).
      Object o = x.connectionEvent;
      if (o instanceof ConnectionEvent) ((ConnectionEvent) o).endNow();
    } else if (step == Step.STREAM_OPENED) {
      handOverHttp2Connection(x);
    } else if (step == Step.WROTE_REQUEST || step == Step.GOT_FIRST_RESPONSE_BYTE) {
      commitConnection(x); // the request went out without a stream: HTTP/1.1 (no-op when already done)
    }
  }

  /**
   * The exchange that dialed opened a stream: its connection is HTTP/2 and its event is committed
   * when the connection closes, with the streams it served ({@link #connectionClosed}).
   */
  private static void handOverHttp2Connection(ExchangeState x) {
    Object o = x.connectionEvent;
    if (!(o instanceof ConnectionEvent)) return;
    x.connectionEvent = null;
    ConnectionEvent c = (ConnectionEvent) o;
    c.endNow();
    fill(c, x);
    c.protocol = PROTOCOL_H2;
    Http2Connections.Conn conn = Http2Events.connections().get(x.connectionId);
    if (conn == null) { // not tracked (table full): commit what is known now
      if (c.shouldCommit()) c.commit();
      return;
    }
    conn.connectionEvent = c;
  }

  /** A client connection closed: an HTTP/2 one's event is committed now, with its streams and GOAWAY. */
  void connectionClosed(long connectionId) {
    Http2Connections.Conn conn = Http2Events.connections().get(connectionId);
    if (conn == null) return;
    Object o = conn.connectionEvent;
    conn.connectionEvent = null;
    if (!(o instanceof ConnectionEvent)) return;
    ConnectionEvent c = (ConnectionEvent) o;
    if (!c.shouldCommit()) return;
    c.streams = conn.streams();
    c.peakStreams = conn.peakActive();
    c.goAwayCode = conn.goAwayCode();
    c.goAwaySent = conn.goAwaySent();
    c.commit();
  }

  void end(ExchangeState x) {
    commitConnection(x); // a dial that failed, or whose gotConn never came
    Object o = x.exchangeEvent;
    x.exchangeEvent = null;
    if (o instanceof ExchangeEvent) {
      ExchangeEvent e = (ExchangeEvent) o;
      e.end();
      if (!e.shouldCommit()) return;
      e.exchangeId = Ids.local(x.id);
      e.client = Ids.client(x.id);
      e.method = x.method;
      e.url = x.url;
      e.host = x.hostPort;
      e.status = x.status;
      e.connectionId = Ids.local(x.connectionId);
      e.reused = x.reused;
      e.redirects = x.redirects;
      e.retries = x.retries;
      e.wasIdle = x.wasIdle;
      e.idleTime = x.wasIdle && x.idleNanos >= 0 ? x.idleNanos : NOT_HAPPENED_VALUE;
      e.dnsDuration = span(x.dnsStartAt, x.dnsDoneAt);
      e.connectDuration = span(x.connectStartAt, x.connectDoneAt);
      e.tlsDuration = span(x.tlsStartAt, x.tlsDoneAt);
      e.waitForConnDuration = span(x.getConnAt, x.gotConnAt);
      e.firstByteDuration = span(x.wroteRequestAt, x.firstByteAt);
      e.bodyDuration = span(x.responseHeadersAt, x.bodyEndAt);
      e.requestBytes = Math.max(0, x.requestBytes);
      e.responseBytes = Math.max(0, x.responseBytes);
      e.drained = x.drained;
      e.outcome = x.outcome();
      e.protocol = x.protocol();
      e.streamId = x.streamId;
      e.error = x.error;
      e.commit();
    } else if (o instanceof ServerExchangeEvent) {
      ServerExchangeEvent e = (ServerExchangeEvent) o;
      e.end();
      if (!e.shouldCommit()) return;
      e.exchangeId = x.id;
      e.connectionId = x.connectionId;
      e.method = x.method;
      e.target = x.url;
      e.protocol = x.protocol;
      e.status = x.status;
      e.handlerDuration = span(x.handlerStartAt, x.handlerEndAt);
      e.bytesIn = Math.max(0, x.bytesIn);
      e.bytesOut = Math.max(0, x.bytesOut);
      e.connectionReused = x.reused;
      e.keepAlive = x.keepAlive;
      e.streamId = x.streamId;
      e.error = x.error;
      e.commit();
    }
  }

  private static void commitConnection(ExchangeState x) {
    Object o = x.connectionEvent;
    if (o == null) return;
    x.connectionEvent = null;
    if (!(o instanceof ConnectionEvent)) return;
    ConnectionEvent c = (ConnectionEvent) o;
    c.endNow();
    if (!c.shouldCommit()) return;
    fill(c, x);
    // No stream seen: HTTP/1.1, unless ALPN chose h2 (the JDK HttpClient's and OkHttp's h2 open no core stream).
    c.protocol = x.connectionId == 0 ? null : "h2".equals(x.alpn) ? PROTOCOL_H2 : PROTOCOL_H1;
    c.commit();
  }

  private static void fill(ConnectionEvent c, ExchangeState x) {
    c.connectionId = Ids.local(x.connectionId);
    c.exchangeId = Ids.local(x.id);
    c.client = Ids.client(x.id);
    c.host = x.hostPort;
    c.address = x.connectAddress;
    c.connectDuration = span(x.connectStartAt, x.connectDoneAt);
    c.tlsProtocol = x.tlsProtocol;
    c.tlsCipherSuite = x.tlsCipherSuite;
    c.alpn = x.alpn;
    c.tlsDuration = span(x.tlsStartAt, x.tlsDoneAt);
    c.error = x.gotConnAt == 0 ? x.error : null; // once the connection served, a later error is the exchange's
  }

  private static void emitPoolStats() {
    for (PoolStats.Host h : Events.pool().hosts()) {
      PoolStatsEvent e = new PoolStatsEvent();
      e.client = h.library.label;
      e.host = h.hostPort;
      e.idle = h.idle.get();
      e.inUse = h.inUse.get();
      e.dials = h.dials.get();
      e.reuses = h.reuses.get();
      e.discardedPoolFull = h.discards("poolFull");
      e.discardedUndrained = h.discards("undrained");
      e.discardedConnectionClose = h.discards("connectionClose");
      e.discardedError = h.discards("error");
      e.discardedKeepAlivesDisabled = h.discards("keepAlivesDisabled");
      e.discardedTransportClosed = h.discards("transportClosed");
      e.closedIdleTimeout = h.discards("idleTimeout");
      e.closedPeerClosed = h.discards("peerClosed");
      e.discardedOther = h.discards("other");
      e.commit();
    }
  }

  /** {@code to - from}, or {@link #NOT_HAPPENED_VALUE} when either step was not seen. */
  static long span(long from, long to) {
    return from == UNSEEN || to == UNSEEN ? NOT_HAPPENED_VALUE : Math.max(0, to - from);
  }

  void finding(Finding f) {
    commitFinding(f);
  }

  private static void commitFinding(Finding f) {
    FindingEvent e = new FindingEvent();
    if (!e.isEnabled()) return;
    e.kind = f.kind.name();
    e.title = f.title();
    e.callSite = f.callSite();
    e.details = String.join("\n", f.details());
    e.fix = f.fix();
    String[] stack = f.stack();
    e.callStack = stack.length > 0 ? String.join("\n", stack) : f.callSite();
    e.count = f.count();
    e.commit();
    committedCounts.put(f, e.count);
  }
}
