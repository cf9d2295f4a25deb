package io.httpdiag.http;

import io.httpdiag.http.TransportStats.DiscardReason;
import io.httpdiag.http.internal.BodyInputStream;
import io.httpdiag.http.internal.Head;
import io.httpdiag.http.internal.Trace;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;

/**
 * One attempt at one request on one connection (one tracepoint exchange id): get a connection,
 * write the request (through a {@link RequestWriter}), read the response head, hand the body to a
 * {@link ClientBody}; on failure decide whether the {@link Call} may be retried. Runs on the
 * caller's thread; {@link #abort()} may be called from any thread (cancellation).
 */
final class Exchange {
  final Transport t;
  final Call call;
  final Endpoint endpoint;
  final Request req;
  final ClientTrace trace;
  final Deadline deadline;
  final long id;
  private final RequestWriter writer;
  private PersistConn conn; // guarded by this
  private Http2ClientStream h2stream; // guarded by this
  boolean h2Attempted; // the pool was asked for an HTTP/2 connection first (getConn already traced)
  boolean h2Dialer; // this exchange dials for the host's next HTTP/2 connection; others wait for it
  private Socket dialing; // guarded by this
  private boolean aborted; // guarded by this
  private boolean finished; // guarded by this
  private boolean gotFirstByte;
  String phase = "getting a connection"; // what the exchange is doing, for messages
  private final Runnable onCancel = this::abort;

  Exchange(Transport t, Call call, Endpoint endpoint) {
    this.t = t;
    this.call = call;
    this.endpoint = endpoint;
    this.req = call.request();
    this.trace = call.trace();
    this.deadline = call.deadline();
    this.id = Trace.newExchangeId();
    this.writer = new RequestWriter(this);
  }

  /** Runs the exchange; returns the response, or null when the caller should retry on a new exchange. */
  Response run() throws IOException {
    Trace.clientExchangeStart(trace, id, req.method(), req.uri().toString(),
        deadline.isSet() ? Math.max(1, deadline.remainingNanos()) : 0);
    call.cancelOn().onCancel(onCancel);
    PersistConn pc = null;
    try {
      Http2ClientConn h2 = t.mayUseH2(endpoint) ? t.pool.getH2Conn(this) : null;
      if (h2 == null) {
        PersistConn dialed = t.pool.getConn(this);
        h2 = dialed.h2; // the dial ended in HTTP/2: the socket is that connection's, not ours to discard
        pc = h2 == null ? dialed : null;
      }
      if (h2 != null) {
        return runH2(h2); // handles its own failures
      }
      synchronized (this) {
        conn = pc;
        dialing = null;
        if (aborted) {
          throw canceledException(phase, null);
        }
      }
      return roundTrip(pc);
    } catch (IOException | RuntimeException e) {
      boolean canceled = aborted();
      Exception failure = canceled && !(e instanceof HttpTimeoutException) && !(e instanceof RequestCanceledException)
          ? canceledException(phase, e) : e;
      if (failure instanceof HttpTimeoutException) {
        Trace.timeout(trace, id, ((HttpTimeoutException) failure).kind());
      }
      if (canceled) {
        Trace.canceled(trace, id, phase);
      }
      // Go's shouldRetryRequest: a reused connection that died before any response byte.
      boolean retry = pc != null && pc.requests > 1 && !gotFirstByte && !canceled
          && failure instanceof IOException && !(failure instanceof HttpTimeoutException) && replayable();
      if (pc != null) {
        t.pool.discard(pc, canceled ? DiscardReason.CANCELED
            : failure instanceof HttpTimeoutException ? DiscardReason.TIMEOUT : DiscardReason.ERROR, trace, id);
      }
      finish();
      Trace.exchangeFailed(trace, id, failure);
      if (retry) {
        return null;
      }
      if (failure instanceof IOException) {
        throw (IOException) failure;
      }
      throw (RuntimeException) failure;
    }
  }

  /**
   * The exchange as one stream of an HTTP/2 connection (its slot already reserved). A failure
   * resets the stream, not the connection; a stream the server did not process (refused, or above
   * a GOAWAY's last stream id) is retried on a new exchange when the body can be sent again.
   */
  private Response runH2(Http2ClientConn cc) throws IOException {
    Http2ClientStream s = new Http2ClientStream(this, cc);
    try {
      synchronized (this) {
        h2stream = s;
        dialing = null;
        if (aborted) {
          throw canceledException(phase, null);
        }
      }
      phase = "writing the request";
      return s.roundTrip();
    } catch (IOException | RuntimeException e) {
      boolean canceled = aborted();
      Exception failure = canceled && !(e instanceof HttpTimeoutException) && !(e instanceof RequestCanceledException)
          ? canceledException(phase, e) : e;
      if (failure instanceof HttpTimeoutException) {
        Trace.timeout(trace, id, ((HttpTimeoutException) failure).kind());
      }
      if (canceled) {
        Trace.canceled(trace, id, phase);
      }
      boolean retry = failure instanceof Http2ClientStream.NotProcessed && !canceled
          && (req.bodyBytes() != null || req.contentLength() == 0);
      s.abandon();
      finish();
      Trace.exchangeFailed(trace, id, failure);
      if (retry) {
        return null;
      }
      if (failure instanceof IOException) {
        throw (IOException) failure;
      }
      throw (RuntimeException) failure;
    }
  }

  private Response roundTrip(PersistConn pc) throws IOException {
    phase = "writing the request";
    boolean expectContinue = writer.hasBody() && t.expectContinueTimeout > 0
        && req.headers().containsToken("Expect", "100-continue");
    Head head;
    if (expectContinue) {
      head = writeExpectingContinue(pc);
    } else {
      writer.writeRequest(pc, true);
      head = null;
    }
    phase = "waiting for response headers";
    if (head == null || head.status == 100) {
      head = readFinalHead(pc, head != null);
    }
    if (aborted()) {
      // Canceled while the head was on its way: the read can still complete from what had arrived
      // (a virtual thread's socket close takes effect when the reader next parks), and the server may
      // even have answered the disconnect. The caller canceled first: it gets the cancellation.
      throw canceledException(phase, null);
    }
    Trace.gotResponseHeaders(trace, id, head.status, head.chunked ? -1 : head.contentLength);
    phase = "reading the response body";
    boolean headRequest = req.method().equals("HEAD");
    boolean noBody = headRequest || head.status < 200 || head.status == 204 || head.status == 304;
    BodyInputStream body = BodyInputStream.forHead(pc.reader, head, noBody, false, t.maxResponseHeaderBytes);
    DiscardReason notReusable = t.disableKeepAlives ? DiscardReason.KEEP_ALIVES_DISABLED
        : !head.keepAlive() || req.headers().containsToken("Connection", "close") || body.untilClose()
            || !writer.wroteWholeBody() || head.status == 101 // 101: no longer HTTP/1.1
            ? DiscardReason.CONNECTION_CLOSE : null;
    pc.setReadDeadline(deadline, "reading the response body");
    ClientBody cb = new ClientBody(this, pc, body, notReusable);
    // Go's Response.ContentLength: a HEAD response reports the field (the size a GET would get);
    // other body-less responses 0, whatever their framing fields say.
    long length = headRequest ? head.contentLength : noBody ? 0 : head.chunked ? -1 : head.contentLength;
    Response r = new Response(req, head.status, head.reason, head.protocol(), head.headers, cb, length);
    cb.checkEnd(); // an empty body gives the connection back before the caller sees the response
    Trace.responseReturned(trace, id, cb);
    return r;
  }

  /** Reads heads until a final (non-1xx) one. */
  private Head readFinalHead(PersistConn pc, boolean firstByteSeen) throws IOException {
    armHeaderDeadline(pc);
    if (!firstByteSeen) {
      awaitFirstByte(pc);
    }
    for (int interim = 0; ; interim++) {
      Head head = pc.reader.readResponseHead(t.maxResponseHeaderBytes);
      if (head.status >= 200 || head.status == 101) {
        return head;
      }
      if (interim >= 5) {
        throw new IOException("too many 1xx responses (more than 5) from " + pc.address);
      }
    }
  }

  private void awaitFirstByte(PersistConn pc) throws IOException {
    if (!pc.reader.awaitByte()) {
      throw new EOFException("server closed the connection before any response byte" + pc.reusedNote());
    }
    gotFirstByte = true;
    Trace.gotFirstResponseByte(trace, id);
  }

  private void armHeaderDeadline(PersistConn pc) {
    pc.setReadDeadline(deadline.orSooner("responseHeaderTimeout", t.responseHeaderTimeout),
        "waiting for response headers");
  }

  /** RFC 9110 section 10.1.1: send the head, wait for 100 (or a final status) before the body. */
  private Head writeExpectingContinue(PersistConn pc) throws IOException {
    writer.writeRequest(pc, false);
    Trace.wait100Continue(trace, id);
    pc.setReadDeadline(deadline.orSooner("expectContinueTimeout", t.expectContinueTimeout), "waiting for 100 Continue");
    try {
      awaitFirstByte(pc);
    } catch (HttpTimeoutException e) {
      if (!e.kind().equals("expectContinueTimeout")) {
        throw e;
      }
      Trace.timeout(trace, id, "expectContinueTimeout"); // Go sends the body anyway
      writer.writeBody(pc);
      return null;
    }
    armHeaderDeadline(pc);
    Head head = pc.reader.readResponseHead(t.maxResponseHeaderBytes);
    if (head.status == 100) {
      Trace.got100Continue(trace, id);
      writer.writeBody(pc);
      return head;
    }
    if (head.status > 100 && head.status < 200) {
      writer.writeBody(pc); // another interim response: proceed as if continued
      return readFinalHead(pc, true);
    }
    // A final status instead of 100: the body is not sent and the connection cannot carry another request.
    Trace.wroteRequest(trace, id, 0, null);
    writer.closeStreamBody();
    return head;
  }

  // ---------------------------------------------------------------- state

  /** Go's rule: the body can be sent again, and the method is idempotent or marked so. */
  private boolean replayable() {
    if (req.bodyBytes() == null && req.contentLength() != 0) {
      return false; // a stream body was consumed
    }
    String m = req.method();
    return m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS") || m.equals("TRACE")
        || req.headers().contains("Idempotency-Key") || req.headers().contains("X-Idempotency-Key");
  }

  RequestCanceledException canceledException(String where, Throwable cause) {
    return new RequestCanceledException("request canceled while " + where + ": " + req.method() + " " + req.uri(), cause);
  }

  synchronized boolean aborted() {
    return aborted;
  }

  synchronized void dialing(Socket s) {
    dialing = s;
    if (aborted) {
      try {
        s.close();
      } catch (IOException ignored) {
        // canceled anyway
      }
    }
  }

  /** Cancellation: closes whatever socket the exchange is using; wakes it if waiting for a connection. */
  void abort() {
    PersistConn c;
    Socket s;
    Http2ClientStream stream;
    synchronized (this) {
      if (aborted || finished) {
        return;
      }
      aborted = true;
      c = conn;
      s = dialing;
      stream = h2stream;
    }
    if (stream != null) {
      stream.cancel(); // HTTP/2: the stream is reset, the connection stays
    }
    if (c != null) {
      c.close();
    }
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing to unblock a dial
      }
    }
    t.pool.wakeWaiters(endpoint.key());
  }

  /**
   * The exchange no longer owns its connection; later cancellation does nothing. Returns whether
   * it had been canceled first (the connection must then be discarded).
   */
  boolean finish() {
    boolean wasAborted;
    synchronized (this) {
      finished = true;
      conn = null;
      h2stream = null;
      dialing = null;
      wasAborted = aborted;
    }
    call.cancelOn().removeOnCancel(onCancel);
    return wasAborted;
  }
}
