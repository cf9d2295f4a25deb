package io.httpdiag.agent.instrument.jdk;

import static io.httpdiag.agent.instrument.jdk.JdkState.*;

import io.httpdiag.agent.instrument.jdk.JdkState.Body;
import io.httpdiag.agent.instrument.jdk.JdkState.Conn;
import io.httpdiag.agent.instrument.jdk.JdkState.Xch;
import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import java.nio.ByteBuffer;
import java.util.List;

/** Response bodies: the JDK's subscriber wrapper and the HttpResponseInputStream the caller reads or closes. */
public final class JdkBodies {
  private JdkBodies() {}

  /** The exchange whose body handler runs on this thread (to adopt the HttpResponseInputStream it makes). */
  private static final ThreadLocal<Xch> handlerOf = new ThreadLocal<>();

  /** Entering ExchangeImpl.createResponseSubscriber: the user's body handler runs next, on this thread. */
  public static void handlerEnter(Object exchangeImpl) {
    try {
      Object o = table.get(exchangeImpl);
      if (o instanceof Xch) handlerOf.set((Xch) o);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** readBodyAsync returned, or threw {@code error} (from the user's body handler). */
  public static void handlerExit(Throwable error) {
    try {
      Xch x = handlerOf.get();
      handlerOf.remove();
      streamMade.remove();
      if (x != null && error != null) Events.exchangeFailed(x.id, error);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** The JDK wrapped the user's BodySubscriber (inside readBodyAsync, on this thread). */
  public static void bodySubscriberCreated(Object wrapper) {
    try {
      Xch x = handlerOf.get();
      if (x == null) return;
      Body b = new Body(x, false);
      Object stream = streamMade.get();
      streamMade.remove();
      if (stream instanceof Body) b.stream = (Body) stream;
      table.put(wrapper, b, false);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static final ThreadLocal<Object> streamMade = new ThreadLocal<>();

  /** A HttpResponseInputStream was made (BodyHandlers.ofInputStream or ofLines). */
  public static void streamCreated(Object stream) {
    try {
      Xch x = handlerOf.get();
      if (x == null) return;
      Body s = new Body(x, true);
      // An owner key: collected before EOF or close is the GC backstop's "collected unclosed".
      if (table.put(stream, s, true)) {
        streamMade.set(s);
        x.stream = s;
      }
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** HttpBodySubscriberWrapper.onNext: bytes delivered to the user's subscriber. */
  public static void bodyBytes(Object wrapper, List<?> buffers) {
    try {
      Object o = table.get(wrapper);
      if (!(o instanceof Body) || buffers == null) return;
      long n = 0;
      for (int i = 0, size = buffers.size(); i < size; i++) {
        Object b = buffers.get(i);
        if (b instanceof ByteBuffer) n += ((ByteBuffer) b).remaining();
      }
      Body b = (Body) o;
      b.bytes.addAndGet(n);
      Body s = b.stream;
      if (s != null) s.bytes.addAndGet(n);
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** HttpBodySubscriberWrapper.onComplete / onError / cancel. */
  public static void bodyDone(Object wrapper, Throwable error, boolean canceled) {
    try {
      Object o = table.get(wrapper);
      if (!(o instanceof Body)) return;
      Body b = (Body) o;
      Body s = b.stream;
      if (s != null) {
        s.received = error == null && !canceled;
        if (error == null && !canceled) return; // the stream's reader decides when the body ends
        endBody(s, false, canceled ? "canceled" : "error");
        return;
      }
      endBody(b, error == null && !canceled, error == null ? (canceled ? "canceled" : "complete") : "error");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** HttpResponseInputStream.read returned -1. */
  public static void streamEof(Object stream) {
    try {
      Object o = table.get(stream);
      if (o instanceof Body) endBody((Body) o, true, "eof");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  /** HttpResponseInputStream.close: before EOF unless already ended. */
  public static void streamClosed(Object stream) {
    try {
      Object o = table.get(stream);
      if (o instanceof Body) endBody((Body) o, false, "closeBeforeEof");
    } catch (Throwable t) {
      Counters.failure(t);
    }
  }

  private static void endBody(Body b, boolean drained, String closedBy) {
    if (b.ended) return;
    b.ended = true;
    Xch x = b.x;
    Conn c = x.conn;
    if (!drained) x.undrained = true;
    if (c != null && c.h2 && !x.streamClosed) { // the stream ends with its body; the connection stays shared
      x.streamClosed = true;
      Events.exchangeDone(x.id, "streamClosed");
    }
    Events.bodyEnd(x.id, c == null ? 0 : c.id, b.bytes.get(), -1, drained, closedBy);
  }
}
