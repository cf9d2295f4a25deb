package io.httpdiag.http;

import io.httpdiag.http.internal.BodyInputStream;
import io.httpdiag.http.internal.Head;
import io.httpdiag.http.internal.HttpReader;
import io.httpdiag.http.internal.ProtocolException;
import io.httpdiag.http.internal.StatusText;
import io.httpdiag.http.internal.Threads;
import io.httpdiag.http.internal.Trace;
import io.httpdiag.http.internal.http2.Http2;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * One server connection. Everything here runs on the connection's own thread, except
 * {@link #closeIfIdle}/{@link #closeNow} (shutdown) and the disconnect watcher.
 */
final class ServerConn implements Runnable {
  /** Go's maxPostHandlerReadBytes: how much unread request body we drain to keep the connection. */
  private static final int MAX_POST_HANDLER_DRAIN = 256 << 10;
  /**
   * What an idle connection reads the next request into: a request up to this size arrives in one
   * read; a larger one takes a second read into the 8 KiB buffer lent for the exchange.
   */
  static final int RESTING_READ_BUFFER = 2048;
  private static final System.Logger log = System.getLogger(Server.class.getName());

  final Server server;
  final Socket socket;
  final long id;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private DeadlineInputStream in;
  HttpReader reader;
  ServerOutputStream out;
  private ServerBuffers.Bundle buffers; // lent by server.buffers while a request is served; null while idle
  private String remote;
  private int requests;
  private DisconnectWatcher watcher;
  private volatile Http2ServerConn h2; // set when the client spoke the HTTP/2 preface (h2c)

  ServerConn(Server server, Socket socket) {
    this.server = server;
    this.socket = socket;
    this.id = Trace.newConnectionId();
  }

  State state() {
    return state.get();
  }

  @Override
  public void run() {
    String reason = "error";
    try {
      socket.setTcpNoDelay(true); // head and body leave in one write anyway; never wait for Nagle
      remote = socket.getRemoteSocketAddress().toString().replaceFirst("^.*/", "");
      Trace.serverConnAccepted(server.trace, id, remote, socket.getLocalSocketAddress().toString().replaceFirst("^.*/", ""));
      Trace.serverConnState(server.trace, id, "new");
      in = new DeadlineInputStream(socket, true);
      if (socket instanceof SSLSocket && !handshake((SSLSocket) socket)) {
        reason = "tlsHandshakeFailed";
        return;
      }
      reader = new HttpReader(in, new byte[RESTING_READ_BUFFER]);
      out = new ServerOutputStream(socket.getOutputStream());
      if (socket instanceof SSLSocket && "h2".equals(((SSLSocket) socket).getApplicationProtocol())) {
        reason = serveHttp2(true);
        return;
      }
      if (server.h2c && !(socket instanceof SSLSocket)) {
        String h2Reason = serveHttp2(false);
        if (h2Reason != null) {
          reason = h2Reason;
          return;
        }
      }
      reason = serveLoop();
    } catch (IOException e) {
      reason = state.get() == State.CLOSED ? "shutdown" : "error";
    } catch (Throwable t) {
      log.log(System.Logger.Level.ERROR, "connection " + id + " failed", t);
    } finally {
      close(reason);
      releaseBuffers(); // the socket is closed: what the reader or the output still held is moot
    }
  }

  private String serveLoop() throws IOException {
    while (true) {
      if (requests > 0) {
        releaseBuffers();
        if (!state.compareAndSet(State.ACTIVE, State.IDLE)) {
          return "shutdown";
        }
        server.connectionActive(false);
        Trace.serverConnState(server.trace, id, "idle");
        if (server.shuttingDown()) {
          return "shutdown";
        }
      }
      String waitResult = awaitRequest();
      if (waitResult != null) {
        return waitResult;
      }
      State from = state.get();
      if ((from != State.NEW && from != State.IDLE) || !state.compareAndSet(from, State.ACTIVE)) {
        return "shutdown";
      }
      server.connectionActive(true);
      Trace.serverConnState(server.trace, id, "active");
      takeBuffers();
      long start = System.nanoTime();
      long headerTimeout = server.readHeaderTimeoutNanos != 0 ? server.readHeaderTimeoutNanos : server.readTimeoutNanos;
      in.setDeadline(headerTimeout == 0 ? Deadline.NONE : new Deadline(start + headerTimeout,
          server.readHeaderTimeoutNanos != 0 ? "readHeaderTimeout" : "readTimeout", headerTimeout), "reading the request headers");
      Head head;
      try {
        head = reader.readRequestHead(server.maxHeaderBytes);
      } catch (ProtocolException e) {
        Trace.serverBadRequest(server.trace, id, e.status(), e.getMessage());
        writeError(e.status(), e.getMessage());
        return "badRequest";
      } catch (SocketTimeoutException e) {
        return server.readHeaderTimeoutNanos != 0 ? "readHeaderTimeout" : "readTimeout";
      }
      if (head == null) {
        return "clientClosed";
      }
      in.setDeadline(server.readTimeoutNanos == 0 ? Deadline.NONE
          : new Deadline(start + server.readTimeoutNanos, "readTimeout", server.readTimeoutNanos), "reading the request");
      requests++;
      if (!serveOne(head)) {
        return "connectionClose";
      }
    }
  }

  /**
   * HTTP/2: h2 picked by ALPN ({@code negotiated}, section 3.2) or h2c with prior knowledge
   * (section 3.3). Reads the client preface within readHeaderTimeout and serves HTTP/2 until the
   * connection ends, returning why. Without the preface: after ALPN chose h2 that is a broken
   * client ("badPreface", closed as Go does); on h2c the bytes are an HTTP/1.1 request, handed
   * back to its reader, and null is returned.
   */
  private String serveHttp2(boolean negotiated) throws IOException {
    byte[] preface = new byte[Http2.CLIENT_PREFACE.length];
    long t = server.readHeaderTimeoutNanos;
    in.setDeadline(t == 0 ? Deadline.NONE : new Deadline(System.nanoTime() + t, "readHeaderTimeout", t),
        "reading the HTTP/2 preface");
    int n;
    try {
      n = Http2ServerConn.readPreface(in, preface);
    } catch (SocketTimeoutException e) {
      return "readHeaderTimeout";
    }
    if (n < preface.length) {
      if (negotiated) {
        return "badPreface";
      }
      reader.unread(preface, 0, n);
      return null;
    }
    Http2ServerConn c = new Http2ServerConn(this, socket, in);
    h2 = c;
    return c.serve();
  }

  String remote() {
    return remote;
  }

  /** Borrows the exchange's buffers (unless still held: a pipelined request kept them). */
  private void takeBuffers() {
    if (buffers == null) {
      buffers = server.buffers.take(id);
      reader.attach(buffers.read);
      out.attach(buffers.write);
    }
  }

  /**
   * Gives the buffers back before waiting for the next request (the response is flushed). Keeps
   * them when pipelined bytes do not fit the resting read buffer: the next request is here already.
   */
  private void releaseBuffers() {
    if (buffers != null && reader.detach()) {
      out.detach();
      server.buffers.release(id, buffers);
      buffers = null;
    }
  }

  /** Body buffer of the exchange being served. */
  byte[] bodyBuffer() {
    return buffers.body;
  }

  /** Waits for the first byte of the next request. Returns null when one arrived, else why to close. */
  private String awaitRequest() throws IOException {
    long idle = requests == 0 ? 0 : server.idleTimeoutNanos != 0 ? server.idleTimeoutNanos : server.readTimeoutNanos;
    if (requests == 0 && server.readHeaderTimeoutNanos != 0) {
      idle = server.readHeaderTimeoutNanos; // a connection that never sends a byte is a slow header too
    }
    long deadline = idle == 0 ? 0 : System.nanoTime() + idle;
    DisconnectWatcher w = watcher;
    if (w != null) {
      watcher = null;
      WatchResult got = w.await(deadline);
      in.forgetSocketTimeout();
      if (got == WatchResult.TIMEOUT) {
        return "idleTimeout";
      }
      if (got == WatchResult.EOF) {
        return "clientClosed";
      }
      reader.unread(w.bytes, 0, w.count);
      return null;
    }
    in.setDeadline(idle == 0 ? Deadline.NONE : new Deadline(deadline, "idleTimeout", idle), "waiting for a request");
    try {
      return reader.awaitByte() ? null : "clientClosed";
    } catch (SocketTimeoutException e) {
      return requests == 0 ? "readHeaderTimeout" : "idleTimeout";
    } catch (IOException e) {
      return state.get() == State.CLOSED ? "shutdown" : "clientClosed";
    }
  }

  /** Runs one exchange. Returns whether the connection may serve another request. */
  private boolean serveOne(Head head) throws IOException {
    long exchangeId = Trace.newExchangeId();
    Trace.serverRequestHeadersRead(server.trace, id, exchangeId, head.method, head.target, head.protocol(), requests);
    ScheduledFuture<?> writeDeadline = null;
    if (server.writeTimeoutNanos != 0) {
      writeDeadline = Threads.timer().schedule(() -> closeNow("writeTimeout"), server.writeTimeoutNanos,
          TimeUnit.NANOSECONDS);
    }
    try {
      URI uri = requestUri(head);
      if (uri == null) {
        Trace.serverBadRequest(server.trace, id, 400, "malformed request target");
        writeError(400, "malformed request target");
        return false;
      }
      BodyInputStream body = BodyInputStream.forHead(reader, head, false, true, server.maxHeaderBytes);
      boolean expectContinue = head.headers.get("Expect") != null && head.minor >= 1;
      RequestBody requestBody = new RequestBody(body, expectContinue);
      Request request = Request.forServer(head.method, uri, head.target, head.protocol(), head.headers, requestBody,
          head.chunked ? -1 : Math.max(head.contentLength, 0), remote);
      requestBody.request = request;
      requestBody.exchangeId = exchangeId;
      request.setCancelInterest(requestBody::cancelInterest);
      ServerResponse w = new ServerResponse(this, request, head, exchangeId);
      Throwable failure = null;
      Trace.handlerStart(server.trace, exchangeId);
      try {
        server.handler.serveHttp(w, request);
      } catch (Throwable t) {
        failure = t;
      }
      Trace.handlerEnd(server.trace, exchangeId, failure);
      server.requestServed();
      boolean keepAlive = head.keepAlive() && !server.shuttingDown();
      if (failure != null) {
        if (!(failure instanceof BuiltinMiddleware.HandlerAbortedException)) { // recover() logged it already
          log.log(System.Logger.Level.ERROR, "handler failed for " + head.method + " " + redactedTarget(head.target),
              failure);
        }
        if (failure instanceof BuiltinMiddleware.HandlerAbortedException && w.committed()) {
          w.closeAfter(); // recover() wrote its 500: send that
          w.finish();
        } else {
          w.abort(); // 500 if nothing reached the client; the connection closes either way
        }
        keepAlive = false;
      } else {
        if (requestBody.continueUnsent() && !body.eof()) {
          keepAlive = false; // the client waits for 100 or a final status; it may never send the body
        }
        if (!keepAlive) {
          w.closeAfter();
        }
        keepAlive &= w.finish();
        if (keepAlive && !body.eof()) {
          keepAlive = watcher == null && body.drain(MAX_POST_HANDLER_DRAIN);
        }
      }
      out.flush();
      Trace.serverExchangeEnd(server.trace, id, exchangeId, w.statusSent(), body.bytesRead(), w.bytesWritten(),
          keepAlive);
      if (!keepAlive && watcher != null) {
        watcher = null; // closing the socket ends it
      }
      return keepAlive;
    } finally {
      if (writeDeadline != null) {
        writeDeadline.cancel(false);
      }
    }
  }

  private URI requestUri(Head head) {
    String target = head.target;
    String scheme = socket instanceof SSLSocket ? "https" : "http";
    try {
      if (target.startsWith("/")) {
        String host = head.headers.get("Host");
        if (host == null || host.isEmpty()) {
          host = socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
          if (host.indexOf(':') != host.lastIndexOf(':')) {
            host = "[" + socket.getLocalAddress().getHostAddress() + "]:" + socket.getLocalPort();
          }
        }
        return new URI(scheme + "://" + host + escapeLenient(target));
      }
      if (target.equals("*") && head.method.equals("OPTIONS")) {
        return new URI(scheme, head.headers.get("Host"), "*", null, null);
      }
      if (target.startsWith("http://") || target.startsWith("https://")) {
        return new URI(escapeLenient(target)); // absolute-form (RFC 9112 section 3.2.2)
      }
      if (head.method.equals("CONNECT")) {
        return new URI(scheme + "://" + target);
      }
      return null;
    } catch (URISyntaxException | IllegalArgumentException e) {
      return null;
    }
  }

  /** Percent-encodes the visible ASCII characters that java.net.URI refuses but clients do send. */
  static String escapeLenient(String target) {
    StringBuilder sb = null;
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      boolean bad = c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' || c == '|'
          || c == '}';
      if (bad && sb == null) {
        sb = new StringBuilder(target.length() + 8).append(target, 0, i);
      }
      if (sb != null) {
        if (bad) {
          sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
              .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
        } else {
          sb.append(c);
        }
      }
    }
    return sb == null ? target : sb.toString();
  }

  static String redactedTarget(String target) {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q) + "?<redacted>";
  }

  /** Answers malformed input: a precise status, a short explanation, and the connection closes. */
  private void writeError(int status, String message) {
    byte[] body = (status + " " + StatusText.of(status) + ": " + message + "\n").getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + status + " " + StatusText.of(status) + "\r\n"
        + "Content-Type: text/plain; charset=utf-8\r\n"
        + "Connection: close\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n";
    try {
      socket.setSoTimeout(1000);
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      if (!(socket instanceof SSLSocket)) {
        socket.shutdownOutput(); // lets the client read the answer before the reset a close may cause
      }
    } catch (IOException ignored) {
      // the client is gone; nothing to answer
    }
  }

  private boolean handshake(SSLSocket ssl) {
    long t = minNonZero(server.readHeaderTimeoutNanos, server.readTimeoutNanos, server.writeTimeoutNanos);
    try {
      ssl.setSoTimeout((int) Math.max(t == 0 ? 0 : 1, TimeUnit.NANOSECONDS.toMillis(t)));
      ssl.startHandshake();
      SSLSession session = ssl.getSession();
      Trace.serverTlsHandshakeDone(server.trace, id, session.getProtocol(), session.getCipherSuite(),
          ssl.getApplicationProtocol(), null);
      in.forgetSocketTimeout();
      return true;
    } catch (IOException e) {
      Trace.serverTlsHandshakeDone(server.trace, id, null, null, null, e);
      return false;
    }
  }

  private static long minNonZero(long... values) {
    long min = 0;
    for (long v : values) {
      if (v != 0 && (min == 0 || v < min)) {
        min = v;
      }
    }
    return min;
  }

  /** Shutdown: closes the connection if it is waiting for a request. Any thread. */
  void closeIfIdle() {
    Http2ServerConn c = h2;
    if (c != null) {
      c.shutdown(); // GOAWAY, then close once its streams are done
      return;
    }
    State s = state.get();
    if ((s == State.IDLE || s == State.NEW) && state.compareAndSet(s, State.CLOSED)) {
      closeSocket();
    }
  }

  /** Closes the connection whatever it is doing (forced shutdown, write deadline). Any thread. */
  void closeNow(String why) {
    State s = state.getAndSet(State.CLOSED);
    if (s != State.CLOSED) {
      if (s == State.ACTIVE) {
        server.connectionActive(false);
      }
      log.log(System.Logger.Level.DEBUG, "closing connection {0}: {1}", id, why);
    }
    closeSocket();
  }

  private void close(String reason) {
    State s = state.getAndSet(State.CLOSED);
    if (s == State.ACTIVE) {
      server.connectionActive(false);
    }
    closeSocket();
    server.connectionClosed(this);
    Trace.serverConnState(server.trace, id, "closed");
    Trace.serverConnClosed(server.trace, id, reason);
  }

  private void closeSocket() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  /**
   * The request body as the handler sees it: sends {@code 100 Continue} on the first read when the
   * client asked for it (so a handler that rejects the request never invites the body), and starts
   * the disconnect watcher when the handler cares about cancellation and the body is done.
   */
  final class RequestBody extends InputStream {
    private final BodyInputStream body;
    private boolean continuePending;
    private boolean wantsWatch;
    Request request;
    long exchangeId;

    RequestBody(BodyInputStream body, boolean expectContinue) {
      this.body = body;
      this.continuePending = expectContinue && !body.eof();
    }

    boolean continueUnsent() {
      return continuePending;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (continuePending) {
        continuePending = false;
        out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
      int n = body.read(b, off, len);
      if (n < 0 && wantsWatch) {
        startWatch();
      }
      return n;
    }

    @Override
    public int available() {
      return body.available();
    }

    @Override
    public void close() {
      // The server drains or discards what is left after the handler; closing early changes nothing.
    }

    void cancelInterest() {
      wantsWatch = true;
      if (body.eof()) {
        startWatch();
      }
    }

    private void startWatch() {
      wantsWatch = false;
      if (watcher == null && reader.buffered() == 0) {
        watcher = new DisconnectWatcher(request, exchangeId);
      }
    }
  }

  /**
   * Reads the connection while the handler runs, once the request body is done, to notice the
   * client going away (Go's background read). Whatever it reads (a pipelined next request) is
   * handed back to the connection's reader; it only ever runs for handlers that asked about
   * cancellation, because it costs a thread hand-off.
   */
  final class DisconnectWatcher {
    final byte[] bytes = new byte[4096];
    volatile int count;
    private volatile WatchResult result;
    private final CountDownLatch done = new CountDownLatch(1);

    DisconnectWatcher(Request request, long exchangeId) {
      Threads.start("httpdiag-disconnect-watch", () -> {
        try {
          socket.setSoTimeout(0);
          int n = socket.getInputStream().read(bytes, 0, bytes.length);
          if (n > 0) {
            count = n;
            result = WatchResult.DATA;
          } else {
            result = WatchResult.EOF;
          }
        } catch (IOException e) {
          result = WatchResult.EOF;
        }
        if (result == WatchResult.EOF) {
          Trace.serverRequestCanceled(server.trace, exchangeId);
          request.cancel();
        }
        done.countDown();
      });
    }

    /** Waits for the watcher's read until {@code deadlineNanos} (0 = forever). */
    WatchResult await(long deadlineNanos) {
      try {
        if (deadlineNanos == 0) {
          done.await();
        } else if (!done.await(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS)) {
          return WatchResult.TIMEOUT;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return WatchResult.EOF;
      }
      return result;
    }
  }

  /** Where the connection is in its life (Go's ConnState, less the hijacked state). */
  enum State { NEW, ACTIVE, IDLE, CLOSED }

  /** What the disconnect watcher saw: bytes of a next request, the client gone, or nothing in time. */
  enum WatchResult { DATA, EOF, TIMEOUT }
}
