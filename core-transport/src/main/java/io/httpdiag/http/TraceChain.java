package io.httpdiag.http;

/** Calls two client traces in order: the client's, then the request's. Stateless, thread-safe. */
final class TraceChain implements ClientTrace {
  private final ClientTrace a;
  private final ClientTrace b;

  private TraceChain(ClientTrace a, ClientTrace b) {
    this.a = a;
    this.b = b;
  }

  /** {@code a} then {@code b}; null when both are null. */
  static ClientTrace of(ClientTrace a, ClientTrace b) {
    return a == null ? b : b == null ? a : new TraceChain(a, b);
  }

  @Override public void exchangeStart(long x, String method, String url, long deadline) {
    a.exchangeStart(x, method, url, deadline); b.exchangeStart(x, method, url, deadline);
  }
  @Override public void getConn(long x, String hostPort) { a.getConn(x, hostPort); b.getConn(x, hostPort); }
  @Override public void dnsStart(long x, String host) { a.dnsStart(x, host); b.dnsStart(x, host); }
  @Override public void dnsDone(long x, String addrs, Throwable e) { a.dnsDone(x, addrs, e); b.dnsDone(x, addrs, e); }
  @Override public void connectStart(long x, String addr) { a.connectStart(x, addr); b.connectStart(x, addr); }
  @Override public void connectDone(long x, long c, String addr, Throwable e) {
    a.connectDone(x, c, addr, e); b.connectDone(x, c, addr, e);
  }
  @Override public void tlsHandshakeStart(long x, long c) { a.tlsHandshakeStart(x, c); b.tlsHandshakeStart(x, c); }
  @Override public void tlsHandshakeDone(long x, long c, String p, String cs, String alpn, Throwable e) {
    a.tlsHandshakeDone(x, c, p, cs, alpn, e); b.tlsHandshakeDone(x, c, p, cs, alpn, e);
  }
  @Override public void gotConn(long x, long c, boolean reused, boolean wasIdle, long idle, long age, int n) {
    a.gotConn(x, c, reused, wasIdle, idle, age, n); b.gotConn(x, c, reused, wasIdle, idle, age, n);
  }
  @Override public void wroteHeaders(long x) { a.wroteHeaders(x); b.wroteHeaders(x); }
  @Override public void wait100Continue(long x) { a.wait100Continue(x); b.wait100Continue(x); }
  @Override public void got100Continue(long x) { a.got100Continue(x); b.got100Continue(x); }
  @Override public void wroteRequest(long x, long n, Throwable e) { a.wroteRequest(x, n, e); b.wroteRequest(x, n, e); }
  @Override public void gotFirstResponseByte(long x) { a.gotFirstResponseByte(x); b.gotFirstResponseByte(x); }
  @Override public void gotResponseHeaders(long x, int status, long len) {
    a.gotResponseHeaders(x, status, len); b.gotResponseHeaders(x, status, len);
  }
  @Override public void exchangeFailed(long x, Throwable e) { a.exchangeFailed(x, e); b.exchangeFailed(x, e); }
  @Override public void bodyEnd(long x, long c, long n, long len, boolean drained, String by) {
    a.bodyEnd(x, c, n, len, drained, by); b.bodyEnd(x, c, n, len, drained, by);
  }
  @Override public void putIdleConn(long x, long c, String result) { a.putIdleConn(x, c, result); b.putIdleConn(x, c, result); }
  @Override public void canceled(long x, String where) { a.canceled(x, where); b.canceled(x, where); }
  @Override public void timeout(long x, String kind) { a.timeout(x, kind); b.timeout(x, kind); }
  @Override public void streamOpened(long x, long c, int s, int active) {
    a.streamOpened(x, c, s, active); b.streamOpened(x, c, s, active);
  }
  @Override public void streamReset(long x, long c, int s, String code, boolean sent) {
    a.streamReset(x, c, s, code, sent); b.streamReset(x, c, s, code, sent);
  }
}
