package io.httpdiag.agent.report;

import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.HttpLibrary;
import io.httpdiag.agent.runtime.Ids;
import io.httpdiag.agent.runtime.Step;

/**
 * The httptrace-like lifecycle log: greppable lines starting with {@code httpdiag}, times relative
 * to the exchange start, text or JSON lines. Levels: findings (problems only), summary (+ one line
 * per exchange), full (+ every step). The per-step lines of full are formatted on the app thread;
 * the summary line is not: the app thread copies its facts ({@link SummaryFacts}) and the writer
 * thread formats and writes them ({@link LogAppender}), in the order they were queued.
 *
 * <p>In full, bodyEnd and putIdleConn share one line ({@code bodyEnd ... -> putIdleConn ok}), printed
 * when the exchange ends, whichever of the two came last.
 */
final class LifecycleLog {
  private volatile Config.LogLevel level; // changed at run time by a second attach (Reporter.logLevel)
  private final boolean json;
  private final LogAppender out;

  LifecycleLog(Config config, LogAppender out) {
    this.level = config.log;
    this.json = config.json;
    this.out = out;
  }

  void level(Config.LogLevel newLevel) {
    level = newLevel;
  }

  void step(ExchangeState x, Step step, long nanos) {
    if (level != Config.LogLevel.FULL) return;
    if (step == Step.EXCHANGE_START || step == Step.BODY_END || step == Step.PUT_IDLE_CONN) return;
    Line l = new Line(json).exchange(x);
    long elapsed = nanos - x.startNanos;
    if (step == Step.GET_CONN) {
      l.event(step.label, elapsed).text(x.method + " " + x.url + " getConn " + x.hostPort, null)
          .json("method", x.method).json("url", x.url).json("hostPort", x.hostPort);
      if (!Ids.isCore(x.id)) {
        l.timeout("requestTimeout", x.requestTimeoutNanos).timeout("connectTimeout", x.connectTimeoutNanos);
        if (!Ids.isJdk(x.id)) l.timeout("readTimeout", x.readTimeoutNanos);
      }
      out.append(l.end());
      return;
    }
    if (step == Step.REQUEST_HEADERS_READ) {
      l.event(step.label, elapsed).text(x.method + " " + x.url + " requestHeadersRead", null)
          .json("method", x.method).json("target", x.url).conn(x.connectionId)
          .num("request", x.requestOnConn).kv("protocol", x.protocol);
      out.append(l.end());
      return;
    }
    l.elapsed(elapsed).event(step.label, elapsed);
    switch (step) {
      case POOL_WAIT:
        l.num("waitedMs", x.poolWaitNanos / 1_000_000).num("limit", x.poolLimit).num("leased", x.poolLeased)
            .num("pending", x.poolPending).kvIf("setting", x.poolLimitSetting);
        break;
      case DNS_START: l.kv("host", x.dnsHost); break;
      case DNS_DONE: l.kv("addrs", x.dnsAddresses).kvIf("error", x.error); break;
      case CONNECT_START: l.kv("addr", x.connectAddress); break;
      case CONNECT_DONE: l.kv("addr", x.connectAddress).connIf(x.connectionId).kvIf("error", x.error); break;
      case TLS_HANDSHAKE_START: l.conn(x.connectionId); break;
      case TLS_HANDSHAKE_DONE:
        l.kv("protocol", x.tlsProtocol).kv("cipher", x.tlsCipherSuite).kv("alpn", x.alpn).kvIf("error", x.error);
        break;
      case GOT_CONN:
        l.bool("reused", x.reused).bool("wasIdle", x.wasIdle);
        if (x.wasIdle) l.idle(x.idleNanos);
        l.conn(x.connectionId);
        break;
      case WROTE_REQUEST: l.num("bytes", x.requestBytes).kvIf("error", x.error); break;
      case GOT_RESPONSE_HEADERS: l.num("status", x.status).num("contentLength", x.contentLength); break;
      case EXCHANGE_FAILED: l.kv("error", x.error); break;
      case CANCELED: l.kv("where", x.canceledWhere); break;
      case TIMEOUT: l.kv("kind", x.timeoutKind); break;
      case REDIRECT: l.num("status", x.status).kv("to", x.attemptKind); break;
      case RETRY: l.kvIf("after", x.attemptKind); break;
      case RESPONSE_COMMITTED: l.num("status", x.status); break;
      case HANDLER_END: l.kvIf("error", x.error); break;
      case STREAM_OPENED: l.num("stream", x.streamId).num("active", x.activeStreams).conn(x.connectionId); break;
      case STREAM_RESET:
        l.num("stream", x.streamId).kv("code", x.streamResetCode).bool("sent", x.streamResetSent);
        break;
      case SERVER_EXCHANGE_END:
        l.num("status", x.status).num("in", x.bytesIn).num("out", x.bytesOut).bool("keepAlive", x.keepAlive);
        break;
      default:
        break;
    }
    out.append(l.end());
  }

  void end(ExchangeState x) {
    if (level == Config.LogLevel.OFF) return;
    if (level == Config.LogLevel.FULL && !x.server && (x.bodyEnded || x.putIdleResult != null)) {
      long at = x.bodyEnded ? x.bodyEndAt : x.putIdleConnAt;
      Line l = new Line(json).exchange(x).elapsed(at - x.startNanos);
      if (x.bodyEnded) {
        l.event("bodyEnd", at - x.startNanos).num("bytes", x.responseBytes).bool("drained", x.drained)
            .kv("closedBy", x.closedBy).text("->", null);
      } else if (json) {
        l.event("putIdleConn", at - x.startNanos);
      }
      l.text("putIdleConn " + (x.putIdleResult == null ? "unknown" : x.putIdleResult), null)
          .json("putIdleConn", x.putIdleResult == null ? "unknown" : x.putIdleResult);
      out.append(l.end());
    }
    boolean problem = x.error != null || x.timeoutKind != null;
    if (level == Config.LogLevel.FINDINGS && !problem) return;
    out.append(new SummaryFacts(x, json)); // levels are cumulative: full ends each exchange with its summary line
  }

  /** Findings print at every level but off: text in the multi-line form of the design, JSON as one object. */
  void finding(Finding f) {
    if (level == Config.LogLevel.OFF) return;
    if (!json) {
      out.append(f.text());
      return;
    }
    Line l = new Line(true);
    l.sb.append("{\"httpdiag\":\"finding\"");
    l.json("kind", f.kind.name()).json("title", f.title()).json("callSite", f.callSite())
        .json("details", String.join("; ", f.details())).json("fix", f.fix()).num("count", f.count());
    out.append(l.end());
  }

  void connection(long connectionId, boolean server, String event, String... kv) {
    // An HTTP/2 connection ended with an error (GOAWAY PROTOCOL_ERROR, ENHANCE_YOUR_CALM...) is a problem too.
    boolean finding = event.equals("badRequest") || (event.equals("goAway") && kv.length > 3 && !"NO_ERROR".equals(kv[3]));
    if (level == Config.LogLevel.OFF || (level != Config.LogLevel.FULL && !finding)) return;
    Line l = new Line(json).connection(connectionId, server).event(event, -1);
    for (int i = 0; i + 1 < kv.length; i += 2) {
      if (kv[i + 1] != null) l.kv(kv[i], kv[i + 1]);
    }
    out.append(l.end());
  }

  void client(String client, String event, String... kv) {
    if (level != Config.LogLevel.FULL) return;
    Line l = new Line(json);
    if (json) {
      l.sb.append("{\"httpdiag\":\"client\",\"client\":\"").append(client).append('"');
    } else {
      l.sb.append("httpdiag ").append(client);
    }
    l.event(event, -1);
    for (int i = 0; i + 1 < kv.length; i += 2) {
      if (kv[i + 1] != null) l.kv(kv[i], kv[i + 1]);
    }
    out.append(l.end());
  }

  /** Builds one line in either form. Text: {@code httpdiag #1 +0.02ms event k=v}; JSON: one object. */
  static final class Line {
    private final boolean json;
    final StringBuilder sb;

    Line(boolean json) {
      this(json, new StringBuilder(128));
    }

    /** A line appended to {@code sb} (the writer thread's batch). */
    Line(boolean json, StringBuilder sb) {
      this.json = json;
      this.sb = sb;
    }

    Line exchange(ExchangeState x) {
      return exchange(x.id, x.server);
    }

    Line exchange(long id, boolean server) {
      if (json) {
        sb.append("{\"httpdiag\":\"").append(server ? "server" : "client").append("\",\"exchange\":");
        if (!Ids.isCore(id)) sb.append('"').append(Ids.exchange(id)).append('"'); else sb.append(id);
      } else {
        HttpLibrary library = HttpLibrary.of(id); // Ids.exchange(id), appended without building a string
        sb.append("httpdiag #").append(library.exchangePrefix).append(id - library.base);
        if (server) sb.append(" server");
      }
      return this;
    }

    Line connection(long connectionId, boolean server) {
      if (json) {
        sb.append("{\"httpdiag\":\"").append(server ? "server" : "client").append("\",\"conn\":\"")
            .append(Ids.connection(connectionId)).append('"');
      } else {
        sb.append("httpdiag ").append(Ids.connection(connectionId)).append(server ? " server" : "");
      }
      return this;
    }

    Line elapsed(long nanos) {
      if (!json) appendMs(sb.append(" +"), nanos).append("ms");
      return this;
    }

    Line event(String name, long elapsedNanos) {
      if (json) {
        sb.append(",\"event\":\"").append(name).append('"');
        if (elapsedNanos >= 0) appendMs(sb.append(",\"elapsedMs\":"), elapsedNanos);
      } else if (!name.equals("exchange") && !name.equals("getConn") && !name.equals("requestHeadersRead")) {
        sb.append(' ').append(name);
      }
      return this;
    }

    /** Text form only: {@code s}, then {@code more} when not null, each after a space. */
    Line text(String s, String more) {
      if (!json) {
        sb.append(' ').append(s);
        if (more != null) sb.append(' ').append(more);
      }
      return this;
    }

    /** JSON form only. */
    Line json(String key, String value) {
      if (json) {
        sb.append(",\"").append(key).append("\":");
        quote(value);
      }
      return this;
    }

    Line kv(String key, String value) {
      if (json) return json(key, value);
      sb.append(' ').append(key).append('=').append(value);
      return this;
    }

    Line kvIf(String key, String value) {
      return value == null ? this : kv(key, value);
    }

    Line num(String key, long value) {
      if (json) {
        sb.append(",\"").append(key).append("\":").append(value);
      } else {
        sb.append(' ').append(key).append('=').append(value);
      }
      return this;
    }

    Line bool(String key, boolean value) {
      if (json) {
        sb.append(",\"").append(key).append("\":").append(value);
      } else {
        sb.append(' ').append(key).append('=').append(value);
      }
      return this;
    }

    Line ms(String key, long nanos) {
      if (json) {
        appendMs(sb.append(",\"").append(key).append("Ms\":"), nanos);
      } else {
        appendMs(sb.append(' ').append(key).append('='), nanos).append("ms");
      }
      return this;
    }

    /** Idle time, or {@code idle=unknown} for a connection that predates the agent. */
    Line idle(long nanos) {
      return nanos < 0 ? kv("idle", "unknown") : ms("idle", nanos);
    }

    /** A configured timeout: {@code requestTimeout=5000ms} or {@code requestTimeout=none}. */
    Line timeout(String key, long nanos) {
      if (nanos <= 0) return kv(key, "none"); // -1 (JDK) and 0 (the other libraries) both mean none
      if (json) {
        sb.append(",\"").append(key).append("Ms\":").append(nanos / 1_000_000);
      } else {
        sb.append(' ').append(key).append('=').append(nanos / 1_000_000).append("ms");
      }
      return this;
    }

    Line msIf(String key, long nanos) {
      return nanos < 0 ? this : ms(key, nanos);
    }

    Line conn(long connectionId) {
      if (json) {
        appendConnection(sb.append(",\"conn\":\""), connectionId).append('"');
      } else {
        appendConnection(sb.append(" conn="), connectionId);
      }
      return this;
    }

    /** {@link Ids#connection}, appended without building a string. */
    private static StringBuilder appendConnection(StringBuilder sb, long connectionId) {
      HttpLibrary library = HttpLibrary.of(connectionId);
      return sb.append(library.connectionPrefix).append(connectionId - library.base);
    }

    Line connIf(long connectionId) {
      return connectionId == 0 ? this : conn(connectionId);
    }

    String end() {
      finish();
      return sb.toString();
    }

    /** Closes the line in place (the JSON object's brace). */
    void finish() {
      if (json) sb.append('}');
    }

    private void quote(String s) {
      if (s == null) {
        sb.append("null");
        return;
      }
      sb.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '"' || c == '\\') {
          sb.append('\\').append(c);
        } else if (c < 0x20) {
          sb.append(String.format("\\u%04x", (int) c));
        } else {
          sb.append(c);
        }
      }
      sb.append('"');
    }

    /** Milliseconds with two decimals, e.g. 0.02; negative input prints as 0.00. */
    static String ms(long nanos) {
      return appendMs(new StringBuilder(12), nanos).toString();
    }

    /** Appends {@link #ms} without building a string. */
    static StringBuilder appendMs(StringBuilder sb, long nanos) {
      long hundredths = nanos <= 0 ? 0 : (nanos + 5_000) / 10_000;
      long frac = hundredths % 100;
      return sb.append(hundredths / 100).append(frac < 10 ? ".0" : ".").append(frac);
    }
  }
}
