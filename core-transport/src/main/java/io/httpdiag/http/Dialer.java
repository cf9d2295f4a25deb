package io.httpdiag.http;

import io.httpdiag.http.internal.Trace;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * Dials a new connection for an exchange: DNS, TCP connect (each address in turn, TCP_NODELAY and
 * keep-alive on), then for https the TLS handshake with SNI, hostname verification and ALPN
 * ("h2" then "http/1.1", or "http/1.1" alone without forceAttemptHttp2). Each step is a tracepoint and has its own timeout, capped by the exchange deadline.
 * Stateless; runs on the exchange's thread.
 */
final class Dialer {
  private Dialer() {}

  static PersistConn dial(Transport t, Exchange x) throws IOException {
    Endpoint endpoint = x.endpoint;
    String host = endpoint.host();
    boolean literal = isIpLiteral(host);
    InetAddress[] addrs;
    if (literal) {
      addrs = InetAddress.getAllByName(host);
    } else {
      Trace.dnsStart(x.trace, x.id, host);
      try {
        addrs = InetAddress.getAllByName(host);
      } catch (UnknownHostException e) {
        Trace.dnsDone(x.trace, x.id, null, e);
        throw e;
      }
      Trace.dnsDone(x.trace, x.id, join(addrs), null);
    }
    IOException last = null;
    for (InetAddress a : addrs) {
      String addr = (a.getAddress().length == 16 ? "[" + a.getHostAddress() + "]" : a.getHostAddress()) + ":" + endpoint.port();
      Trace.connectStart(x.trace, x.id, addr);
      Socket s = new Socket();
      x.dialing(s);
      try {
        s.setTcpNoDelay(true);
        s.setKeepAlive(true);
        s.connect(new InetSocketAddress(a, endpoint.port()), timeoutMillis(t.dialTimeout, x.deadline));
      } catch (SocketTimeoutException e) {
        closeQuietly(s);
        HttpTimeoutException timeout = timeoutFor(x, t.dialTimeout, "dialTimeout", "dialing " + addr);
        Trace.connectDone(x.trace, x.id, 0, addr, timeout);
        throw timeout;
      } catch (IOException e) {
        closeQuietly(s);
        Trace.connectDone(x.trace, x.id, 0, addr, e);
        last = x.aborted() ? x.canceledException("dialing " + addr, e) : e;
        if (x.aborted()) {
          throw last;
        }
        continue;
      }
      long id = Trace.newConnectionId();
      Trace.connectDone(x.trace, x.id, id, addr, null);
      Socket use = endpoint.https() ? handshake(t, x, s, id) : s;
      return new PersistConn(id, endpoint.key(), addr, use);
    }
    throw new IOException("dial " + endpoint.hostPort() + ": " + (last == null ? "no addresses" : last.getMessage()), last);
  }

  private static SSLSocket handshake(Transport t, Exchange x, Socket s, long connId) throws IOException {
    Trace.tlsHandshakeStart(x.trace, x.id, connId);
    SSLSocket ss = null;
    try {
      SSLContext ctx = t.sslContext != null ? t.sslContext : SSLContext.getDefault();
      ss = (SSLSocket) ctx.getSocketFactory().createSocket(s, x.endpoint.host(), x.endpoint.port(), true);
      SSLParameters p = ss.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS"); // hostname verification, RFC 2818
      if (!isIpLiteral(x.endpoint.host())) {
        p.setServerNames(List.of(new SNIHostName(x.endpoint.host())));
      }
      // Go's ForceAttemptHTTP2: offer h2 first; the server's choice decides the connection's protocol.
      p.setApplicationProtocols(t.forceAttemptHttp2 ? new String[] {"h2", "http/1.1"} : new String[] {"http/1.1"});
      ss.setSSLParameters(p);
      ss.setSoTimeout(timeoutMillis(t.tlsHandshakeTimeout, x.deadline));
      ss.startHandshake();
      ss.setSoTimeout(0);
      SSLSession session = ss.getSession();
      Trace.tlsHandshakeDone(x.trace, x.id, connId, session.getProtocol(), session.getCipherSuite(),
          ss.getApplicationProtocol(), null);
      return ss;
    } catch (SocketTimeoutException e) {
      closeQuietly(ss != null ? ss : s);
      HttpTimeoutException timeout = timeoutFor(x, t.tlsHandshakeTimeout, "tlsHandshakeTimeout", "in the TLS handshake with "
          + x.endpoint.hostPort());
      Trace.tlsHandshakeDone(x.trace, x.id, connId, null, null, null, timeout);
      throw timeout;
    } catch (IOException | NoSuchAlgorithmException e) {
      closeQuietly(ss != null ? ss : s);
      IOException io = x.aborted() ? x.canceledException("in the TLS handshake", e)
          : e instanceof IOException ? (IOException) e : new IOException("no default SSLContext", e);
      Trace.tlsHandshakeDone(x.trace, x.id, connId, null, null, null, io);
      throw io;
    }
  }

  /** The exception for a step bounded by {@code knob} and the exchange deadline: whichever was shorter. */
  private static HttpTimeoutException timeoutFor(Exchange x, long knob, String knobName, String what) {
    boolean byDeadline = x.deadline.isSet() && (knob == 0 || x.deadline.remainingNanos() <= 0);
    return byDeadline ? x.deadline.expired(what) : new Deadline(0, knobName, knob).expired(what);
  }

  /** Socket timeout in ms for a step: the knob or the time left, whichever is less; 0 means none. */
  static int timeoutMillis(long knobNanos, Deadline deadline) {
    long t = knobNanos;
    if (deadline.isSet()) {
      long left = deadline.remainingNanos();
      t = t == 0 ? left : Math.min(t, left);
    }
    if (t == 0) {
      return 0;
    }
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (t + 999_999) / 1_000_000));
  }

  static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true; // IPv6, possibly in brackets
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if ((c < '0' || c > '9') && c != '.') {
        return false;
      }
    }
    return true;
  }

  private static String join(InetAddress[] addrs) {
    StringBuilder sb = new StringBuilder();
    for (InetAddress a : addrs) {
      if (sb.length() > 0) sb.append(',');
      sb.append(a.getHostAddress());
    }
    return sb.toString();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already failing
    }
  }
}
