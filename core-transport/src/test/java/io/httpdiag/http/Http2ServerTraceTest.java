package io.httpdiag.http;

import static io.httpdiag.http.Http2ServerTest.f;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.Http2ServerTest.H2Client;
import io.httpdiag.http.internal.http2.ErrorCode;
import io.httpdiag.http.internal.http2.Frame;
import io.httpdiag.http.testing.Await;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server's HTTP/2 tracepoints seen through a {@link ServerTrace}: each stream is an exchange
 * with the HTTP/1.1 steps in order (protocol "HTTP/2.0", requestOnConn counting the streams),
 * resets carry their code and who sent them, GOAWAY is traced both ways.
 */
class Http2ServerTraceTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final Recorder recorder = new Recorder();
  private Server server;
  private final List<H2Client> clients = new ArrayList<>();

  private H2Client connect(Handler handler) throws IOException {
    if (server == null) {
      server = Server.builder().h2c(true).trace(recorder).handler(handler).build().start();
    }
    H2Client c = new H2Client(server.port());
    clients.add(c);
    return c.handshake();
  }

  @AfterEach
  void noLeakedConnections() {
    for (H2Client c : clients) {
      c.close();
    }
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " connections open");
    }
  }

  @Test
  void eachStreamIsAnExchangeWithTheHttp11StepsInOrder() throws Exception {
    H2Client c = connect((w, r) -> w.write("ok " + r.uri().getPath()));
    c.get(1, "/a");
    assertEquals(Map.of(1, "200 ok /a"), c.responses(1));
    // The first stream's slot is freed after its response left: wait, so the second sees active=1.
    Await.until(WAIT, () -> server.requestsServed() == 1, () -> server.requestsServed() + " served");
    c.get(3, "/b");
    assertEquals(Map.of(3, "200 ok /b"), c.responses(1));
    Await.until(WAIT, () -> recorder.exchanges().size() == 2 && recorder.ended(2), recorder::toString);
    List<List<String>> exchanges = new ArrayList<>(recorder.exchanges().values());
    assertEquals(List.of("streamOpened stream=1 active=1", "requestHeadersRead GET /a HTTP/2.0 n=1", "handlerStart",
        "handlerEnd ok", "responseCommitted 200", "exchangeEnd 200 read=0 written=5 keepAlive=true"), exchanges.get(0));
    assertEquals(List.of("streamOpened stream=3 active=1", "requestHeadersRead GET /b HTTP/2.0 n=2", "handlerStart",
        "handlerEnd ok", "responseCommitted 200", "exchangeEnd 200 read=0 written=5 keepAlive=true"), exchanges.get(1));
  }

  @Test
  void aClientResetIsTracedWithItsCodeAndCancelsTheRequest() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch canceled = new CountDownLatch(1);
    H2Client c = connect((w, r) -> {
      r.onCancel(canceled::countDown);
      started.countDown();
      canceled.await(20, TimeUnit.SECONDS);
    });
    c.get(1, "/");
    assertTrue(started.await(20, TimeUnit.SECONDS));
    c.w.rstStream(1, ErrorCode.CANCEL);
    c.w.flush();
    Await.until(WAIT, () -> recorder.ended(1), recorder::toString);
    List<String> steps = recorder.exchanges().values().iterator().next();
    assertEquals(List.of("streamOpened stream=1 active=1", "requestHeadersRead GET / HTTP/2.0 n=1", "handlerStart",
        "streamReset stream=1 CANCEL sent=false", "requestCanceled", "handlerEnd ok"), steps.subList(0, 6));
    assertTrue(steps.get(6).startsWith("exchangeEnd"), steps.toString());
  }

  @Test
  void aMalformedRequestIsAResetSentOnNoExchange() throws Exception {
    H2Client c = connect((w, r) -> w.write("ok"));
    c.headers(1, true, List.of(f(":method", "GET"), f(":scheme", "http"))); // no :path
    assertEquals(new Frame.RstStream(1, ErrorCode.PROTOCOL_ERROR.code), c.nextIgnoring(Frame.Settings.class));
    Await.until(WAIT, () -> recorder.connectionSteps().contains("streamReset exchange=0 stream=1 PROTOCOL_ERROR sent=true"),
        recorder::toString);
    assertEquals(Map.of(), recorder.exchanges());
  }

  @Test
  void goAwayIsTracedWhenSentOnShutdownAndWhenReceived() throws Exception {
    H2Client c = connect((w, r) -> w.write("ok"));
    c.get(1, "/");
    assertEquals(Map.of(1, "200 ok"), c.responses(1));
    c.w.goAway(1, ErrorCode.NO_ERROR, new byte[0]);
    c.w.flush();
    Await.until(WAIT, () -> recorder.connectionSteps().contains("goAway last=1 NO_ERROR sent=false"), recorder::toString);
    server.shutdown(Duration.ofSeconds(5));
    Await.until(WAIT, () -> recorder.connectionSteps().contains("goAway last=1 NO_ERROR sent=true"), recorder::toString);
  }

  /** Steps by exchange id (streams), and connection-level steps, as strings. Thread-safe. */
  static final class Recorder implements ServerTrace {
    private final Map<Long, List<String>> exchanges = new LinkedHashMap<>();
    private final List<String> connection = new ArrayList<>();

    private synchronized void add(long exchangeId, String step) {
      exchanges.computeIfAbsent(exchangeId, x -> new ArrayList<>()).add(step);
    }

    synchronized Map<Long, List<String>> exchanges() {
      Map<Long, List<String>> copy = new LinkedHashMap<>();
      exchanges.forEach((k, v) -> copy.put(k, List.copyOf(v)));
      return copy;
    }

    synchronized List<String> connectionSteps() {
      return List.copyOf(connection);
    }

    /** Whether {@code n} exchanges have ended. */
    synchronized boolean ended(int n) {
      return exchanges.values().stream().filter(l -> l.get(l.size() - 1).startsWith("exchangeEnd")).count() >= n;
    }

    @Override
    public synchronized String toString() {
      return exchanges + " " + connection;
    }

    @Override
    public void streamAccepted(long connectionId, long exchangeId, int streamId, int activeStreams) {
      add(exchangeId, "streamOpened stream=" + streamId + " active=" + activeStreams);
    }

    @Override
    public void requestHeadersRead(long connectionId, long exchangeId, String method, String target, String protocol,
        int requestOnConn) {
      add(exchangeId, "requestHeadersRead " + method + " " + target + " " + protocol + " n=" + requestOnConn);
    }

    @Override
    public void handlerStart(long exchangeId) {
      add(exchangeId, "handlerStart");
    }

    @Override
    public void responseCommitted(long exchangeId, int status) {
      add(exchangeId, "responseCommitted " + status);
    }

    @Override
    public void handlerEnd(long exchangeId, Throwable error) {
      add(exchangeId, "handlerEnd " + (error == null ? "ok" : error.toString()));
    }

    @Override
    public void requestCanceled(long exchangeId) {
      add(exchangeId, "requestCanceled");
    }

    @Override
    public void exchangeEnd(long connectionId, long exchangeId, int status, long bytesRead, long bytesWritten,
        boolean keepAlive) {
      add(exchangeId, "exchangeEnd " + status + " read=" + bytesRead + " written=" + bytesWritten + " keepAlive="
          + keepAlive);
    }

    @Override
    public void acceptedStreamReset(long connectionId, long exchangeId, int streamId, String errorCode, boolean sent) {
      String step = "streamReset stream=" + streamId + " " + errorCode + " sent=" + sent;
      if (exchangeId == 0) {
        synchronized (this) {
          connection.add("streamReset exchange=0 stream=" + streamId + " " + errorCode + " sent=" + sent);
        }
      } else {
        add(exchangeId, step);
      }
    }

    @Override
    public synchronized void goAway(long connectionId, int lastStreamId, String errorCode, boolean sent) {
      connection.add("goAway last=" + lastStreamId + " " + errorCode + " sent=" + sent);
    }
  }
}
