package io.httpdiag.http.testing;

import io.httpdiag.http.ClientTrace;
import java.util.ArrayList;
import java.util.List;

/** Records client trace events by name, with a few details, for whole-list comparisons. Thread-safe. */
public final class TraceRecorder implements ClientTrace {
  private final List<String> names = new ArrayList<>();
  private final List<String> details = new ArrayList<>();

  private synchronized void add(String name, String detail) {
    names.add(name);
    details.add(detail == null ? name : name + " " + detail);
  }

  public synchronized List<String> names() {
    return List.copyOf(names);
  }

  public synchronized List<String> details() {
    return List.copyOf(details);
  }

  public synchronized void clear() {
    names.clear();
    details.clear();
  }

  @Override public void exchangeStart(long x, String method, String url, long deadline) { add("exchangeStart", method + " " + url); }
  @Override public void getConn(long x, String hostPort) { add("getConn", hostPort); }
  @Override public void dnsStart(long x, String host) { add("dnsStart", host); }
  @Override public void dnsDone(long x, String addrs, Throwable e) { add("dnsDone", addrs); }
  @Override public void connectStart(long x, String addr) { add("connectStart", addr); }
  @Override public void connectDone(long x, long c, String addr, Throwable e) { add("connectDone", e == null ? "ok" : e.toString()); }
  @Override public void tlsHandshakeStart(long x, long c) { add("tlsHandshakeStart", null); }
  @Override public void tlsHandshakeDone(long x, long c, String p, String cs, String alpn, Throwable e) {
    add("tlsHandshakeDone", e == null ? p + " alpn=" + alpn : e.toString());
  }
  @Override public void gotConn(long x, long c, boolean reused, boolean wasIdle, long idle, long age, int n) {
    add("gotConn", "reused=" + reused + " wasIdle=" + wasIdle + " n=" + n);
  }
  @Override public void wroteHeaders(long x) { add("wroteHeaders", null); }
  @Override public void wait100Continue(long x) { add("wait100Continue", null); }
  @Override public void got100Continue(long x) { add("got100Continue", null); }
  @Override public void wroteRequest(long x, long n, Throwable e) { add("wroteRequest", n + (e == null ? "" : " " + e)); }
  @Override public void gotFirstResponseByte(long x) { add("gotFirstResponseByte", null); }
  @Override public void gotResponseHeaders(long x, int status, long len) { add("gotResponseHeaders", status + " " + len); }
  @Override public void exchangeFailed(long x, Throwable e) { add("exchangeFailed", String.valueOf(e)); }
  @Override public void bodyEnd(long x, long c, long n, long len, boolean drained, String by) {
    add("bodyEnd", n + "/" + len + " drained=" + drained + " by=" + by);
  }
  @Override public void putIdleConn(long x, long c, String result) { add("putIdleConn", result); }
  @Override public void canceled(long x, String where) { add("canceled", where); }
  @Override public void timeout(long x, String kind) { add("timeout", kind); }
  @Override public void streamOpened(long x, long c, int streamId, int active) {
    add("streamOpened", "stream=" + streamId + " active=" + active);
  }
  @Override public void streamReset(long x, long c, int streamId, String code, boolean sent) {
    add("streamReset", code + (sent ? " sent" : " received"));
  }
}
