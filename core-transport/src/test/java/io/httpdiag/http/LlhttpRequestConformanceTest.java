package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.LlhttpCorpus;
import io.httpdiag.http.testing.LlhttpCorpus.Case;
import io.httpdiag.http.testing.LlhttpCorpus.Message;
import io.httpdiag.http.testing.RawConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays llhttp's request corpus ({@code src/test/resources/llhttp/request}) against a real
 * {@link Server} over loopback and checks that we accept what llhttp accepts (same method, target,
 * header fields in order, body bytes, as echoed back by the handler) and reject what it rejects
 * (a 4xx/5xx, the connection closed, no handler call for a malformed head). Deliberate differences
 * are listed in {@link #KNOWN_DIFFERENCES} and in {@code core-transport/CONFORMANCE.md}.
 *
 * <p>Mapping rules (see CONFORMANCE.md): llhttp does not require Host, we do on HTTP/1.1
 * (RFC 9112 section 3.2), so a {@code Host: llhttp.test} line is inserted after the request line
 * of every HTTP/1.1 message that has none, and the unmodified bytes are checked to get
 * {@code 400 missing Host header}. Trailing whitespace of a header value is not part of the field
 * value (RFC 9110 section 5.5), so it is dropped from llhttp's spans before comparing.
 */
class LlhttpRequestConformanceTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String HOST_LINE = "Host: llhttp.test\r\n";
  private static final Pattern HOST_FIELD = Pattern.compile("(?i)[\r\n]host[ \t]*:");

  /** What our server does instead of what llhttp does. */
  record Difference(int ourStatus, String reason) {
    static Difference rejects(int status, String reason) {
      return new Difference(status, reason);
    }

    static Difference accepts(String reason) {
      return new Difference(200, reason);
    }
  }

  /** Cases where we deliberately differ from llhttp, by {@code file#title}. Keep CONFORMANCE.md in step. */
  static final Map<String, Difference> KNOWN_DIFFERENCES = Map.ofEntries(
      Map.entry("invalid.md#HTTP protocol and ANNOUNCE method",
          Difference.accepts("a method is any token (RFC 9110 section 9.1); we do not tie methods to RTSP or HTTP")),
      Map.entry("method.md#CONNECT with body",
          Difference.accepts("CONNECT is framed like any request (its Content-Length body is read); no tunnelling")),
      Map.entry("method.md#M-SEARCH request",
          Difference.rejects(400, "asterisk-form is only for a server-wide OPTIONS (RFC 9112 section 3.2.4)")),
      Map.entry("method.md#SOURCE request with ICE",
          Difference.rejects(400, "only HTTP/1.x is spoken: ICE/1.0 is a malformed HTTP-version")),
      Map.entry("method.md#OPTIONS request with RTSP",
          Difference.rejects(400, "only HTTP/1.x is spoken: RTSP/1.0 is a malformed HTTP-version")),
      Map.entry("method.md#ANNOUNCE request with RTSP",
          Difference.rejects(400, "only HTTP/1.x is spoken: RTSP/1.0 is a malformed HTTP-version")),
      Map.entry("sample.md#No HTTP version",
          Difference.rejects(400, "no HTTP/0.9: a request-line needs an HTTP-version (RFC 9112 section 3)")),
      Map.entry("transfer-encoding.md#POST with `chunked` as last transfer-encoding",
          Difference.rejects(501, "only a single `chunked` coding is implemented (DESIGN.md section 2)")),
      Map.entry("transfer-encoding.md#POST with `chunked` as last transfer-encoding (multiple headers)",
          Difference.rejects(501, "only a single `chunked` coding is implemented (DESIGN.md section 2)")));

  private static final AtomicInteger handlerCalls = new AtomicInteger();
  private static Server server;

  @BeforeAll
  static void startServer() throws IOException {
    server = Server.builder().handler(LlhttpRequestConformanceTest::echo).build().start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
    assertTrue(server.awaitStopped(WAIT), "accept loop still running");
  }

  @BeforeEach
  void resetCalls() {
    handlerCalls.set(0);
  }

  @AfterEach
  void noLeakedConnections() {
    Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " connections open");
  }

  static Stream<Case> cases() {
    return LlhttpCorpus.load("/llhttp/request").stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void serverAgreesWithLlhttp(Case c) throws Exception {
    String skip = skipReason(c);
    assumeTrue(skip == null, skip);
    Injected in = injectHost(c);
    Difference diff = KNOWN_DIFFERENCES.get(c.key());
    if (diff != null) {
      assertDifferenceStillHolds(c, in, diff);
      return;
    }
    if (in.firstMessageInjected && accepts(c)) {
      assertMissingHostIsRejected(c);
    }
    Integer code = c.errorCode;
    if (code == null) {
      checkAccepted(c, in);
    } else if (code == 5) {
      checkServedThenClosed(c, in);
    } else if (code == 22) {
      checkServedBeforeUpgrade(c, in);
    } else {
      checkRejected(c, in);
    }
  }

  /** Why a case has no server equivalent, or null to run it. */
  static String skipReason(Case c) {
    if (c.type.startsWith("request-lenient-")) {
      return "llhttp lenient flag " + c.type.substring("request-".length())
          + " relaxes strict parsing; our server has no lenient mode (its strict twin is run)";
    }
    if (c.type.equals("request-finish")) {
      return "tests llhttp_finish() (is EOF here a clean end?); a server never finishes a parser on a peer's EOF";
    }
    if (!c.type.equals("request")) {
      return "not a request case: " + c.type;
    }
    if (c.skipBody) {
      return "on_headers_complete returns 1 (skip body), an llhttp callback with no server equivalent";
    }
    return null;
  }

  private static boolean accepts(Case c) {
    return c.errorCode == null || c.errorCode == 5 || c.errorCode == 22;
  }

  // ---------------------------------------------------------------- verdicts

  /** llhttp accepted everything: each complete message is served, byte-exact. */
  private void checkAccepted(Case c, Injected in) throws IOException {
    List<Response> rs = exchange(in.bytes, true);
    List<Message> done = c.completed();
    assertServed(c, in, done, rs);
    Message last = c.messages.isEmpty() ? null : c.messages.get(c.messages.size() - 1);
    boolean partial = last != null && !last.complete;
    // The test half-closes after sending; a message cut short by that EOF may get one 400.
    int extra = rs.size() - done.size();
    assertTrue(extra == 0 || (partial && extra == 1 && rs.get(rs.size() - 1).status == 400),
        c + ": unexpected responses after the served messages: " + rs);
    int calls = handlerCalls.get();
    assertTrue(calls == done.size() || (partial && last.headersComplete && calls == done.size() + 1),
        c + ": handler called " + calls + " times for " + done.size() + " complete messages");
  }

  /** llhttp: data after a message with {@code Connection: close}. We serve it and close unread. */
  private void checkServedThenClosed(Case c, Injected in) throws IOException {
    List<Response> rs = exchange(in.bytes, false);
    List<Message> done = c.completed();
    assertServed(c, in, done, rs);
    assertEquals(done.size(), rs.size(), c + ": responses after Connection: close: " + rs);
    assertEquals(done.size(), handlerCalls.get(), c + ": handler calls");
  }

  /** llhttp pauses for CONNECT or Upgrade: what follows is another protocol; compare what came before. */
  private void checkServedBeforeUpgrade(Case c, Injected in) throws IOException {
    List<Response> rs = exchange(in.bytes, true);
    List<Message> done = c.completed();
    assertTrue(rs.size() >= done.size(), c + ": " + rs);
    assertServed(c, in, done, rs.subList(0, done.size()));
  }

  /**
   * llhttp rejects: messages before the bad one are served, then one 4xx/5xx and the server closes
   * on its own (the test does not half-close). A malformed head never reaches the handler; a body
   * error may (bodies stream to the handler), but the handler only sees an IOException.
   */
  private void checkRejected(Case c, Injected in) throws IOException {
    List<Response> rs = exchange(completeHead(c, in.bytes), false);
    List<Message> done = c.completed();
    assertTrue(rs.size() == done.size() + 1, c + ": expected " + done.size() + " served + 1 error response, got " + rs);
    assertServed(c, in, done, rs.subList(0, done.size()));
    Response err = rs.get(rs.size() - 1);
    assertTrue(err.status >= 400 && err.status < 500 || err.status == 501 || err.status == 505,
        c + ": rejected with " + err.status);
    Message bad = c.messages.size() > done.size() ? c.messages.get(done.size()) : null;
    boolean badHeadParsed = bad != null && bad.headersComplete;
    int calls = handlerCalls.get();
    if (calls == done.size() + 1) {
      assertTrue(badHeadParsed, c + ": handler called for a head llhttp rejects (" + c.errorReason + ")");
      assertTrue(err.bodyError, c + ": handler saw a complete body llhttp rejects: " + err);
    } else {
      assertEquals(done.size(), calls, c + ": handler calls");
    }
  }

  /**
   * llhttp fails on the first bad byte; we read the whole head before judging it (as Go does), so a
   * case whose input stops inside the head would just wait. When llhttp failed inside a head, an
   * empty line is appended: llhttp had already failed before those bytes, so its verdict stands.
   */
  private static byte[] completeHead(Case c, byte[] bytes) {
    Message bad = c.messages.size() > c.completed().size() ? c.messages.get(c.completed().size()) : null;
    if (bad != null && bad.headersComplete) {
      return bytes;
    }
    byte[] out = java.util.Arrays.copyOf(bytes, bytes.length + 4);
    System.arraycopy("\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0, out, bytes.length, 4);
    return out;
  }

  private void assertMissingHostIsRejected(Case c) throws IOException {
    List<Response> rs = exchange(c.input, true);
    assertEquals(1, rs.size(), c + " without Host: " + rs);
    assertEquals(400, rs.get(0).status, c + " without Host: " + rs);
    assertTrue(rs.get(0).body.contains("missing Host header"), c + " without Host: " + rs);
    assertEquals(0, handlerCalls.getAndSet(0), c + " without Host: handler calls");
  }

  private void assertDifferenceStillHolds(Case c, Injected in, Difference d) throws IOException {
    List<Response> rs = accepts(c) ? exchange(in.bytes, true) : exchange(completeHead(c, in.bytes), false);
    assertTrue(!rs.isEmpty(), c + ": no response; documented difference: " + d);
    if (d.ourStatus == 200) {
      assertTrue(rs.get(0).status == 200 && !rs.get(0).bodyError,
          c + ": documented to be accepted (" + d.reason + "), got " + rs);
    } else {
      Response last = rs.get(rs.size() - 1);
      assertEquals(d.ourStatus, last.status, c + ": documented to be rejected (" + d.reason + "), got " + rs);
      assertEquals(rs.size() - 1, handlerCalls.get(), c + ": handler called for the rejected message");
    }
  }

  private static void assertServed(Case c, Injected in, List<Message> done, List<Response> rs) {
    assertTrue(rs.size() >= done.size(), c + ": " + done.size() + " messages complete in llhttp, responses: " + rs);
    for (int i = 0; i < done.size(); i++) {
      Message m = done.get(i);
      Response r = rs.get(i);
      assertEquals(200, r.status, c + ": message " + i + " not served: " + r);
      assertEquals(expectedEcho(m, in.injected.contains(m)), r.body, c + ": message " + i);
    }
  }

  // ---------------------------------------------------------------- the echo handler

  /** Echoes the request in a line format {@link #expectedEcho} reproduces from llhttp's log. */
  private static void echo(ResponseWriter w, Request r) throws IOException {
    handlerCalls.incrementAndGet();
    byte[] body;
    try {
      body = r.body().readAllBytes();
    } catch (IOException e) {
      w.headers().set("X-Body-Error", "true");
      w.writeHeader(400);
      w.write("body error: " + e.getMessage());
      return;
    }
    List<String[]> headers = new ArrayList<>();
    for (int i = 0; i < r.headers().size(); i++) {
      headers.add(new String[] {r.headers().name(i), r.headers().value(i)});
    }
    byte[] echo = canonical(r.method(), r.target(), headers, body).getBytes(StandardCharsets.ISO_8859_1);
    w.headers().set("Content-Type", "text/plain; charset=iso-8859-1");
    w.headers().set("X-Echo", Base64.getEncoder().encodeToString(echo)); // HEAD responses have no body
    w.write(echo);
  }

  private static String expectedEcho(Message m, boolean hostInjected) {
    List<String[]> headers = new ArrayList<>();
    if (hostInjected) {
      headers.add(new String[] {"Host", "llhttp.test"});
    }
    for (String[] h : m.headers) {
      headers.add(new String[] {h[0], h[1].replaceAll("[ \t]+$", "")});
    }
    return canonical(m.method, m.url, headers, m.body.toByteArray());
  }

  private static String canonical(String method, String target, List<String[]> headers, byte[] body) {
    StringBuilder sb = new StringBuilder();
    sb.append("method ").append(escape(method)).append('\n');
    sb.append("target ").append(escape(target)).append('\n');
    for (String[] h : headers) {
      sb.append("header ").append(escape(h[0])).append(": ").append(escape(h[1])).append('\n');
    }
    sb.append("body ").append(escape(new String(body, StandardCharsets.ISO_8859_1))).append('\n');
    return sb.toString();
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (char ch : s.toCharArray()) {
      if (ch < 0x20 || ch == 0x7f || ch == '%') {
        sb.append('%').append(String.format("%02X", (int) ch));
      } else {
        sb.append(ch);
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------- Host insertion

  record Injected(byte[] bytes, List<Message> injected, boolean firstMessageInjected) {}

  /** Inserts {@link #HOST_LINE} after the request line of each HTTP/1.1 message without a Host field. */
  static Injected injectHost(Case c) {
    byte[] in = c.input;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<Message> injected = new ArrayList<>();
    int copied = 0;
    for (int i = 0; i < c.messages.size(); i++) {
      Message m = c.messages.get(i);
      int end = i + 1 < c.messages.size() ? c.messages.get(i + 1).offset : in.length;
      if (!m.version.equals("1.1") || m.versionEnd < 0 || m.versionEnd > in.length) {
        continue;
      }
      int eol = m.versionEnd;
      while (eol < in.length && in[eol] != '\r' && in[eol] != '\n') eol++;
      if (eol + 1 >= in.length || in[eol] != '\r' || in[eol + 1] != '\n') {
        continue;
      }
      String region = new String(in, m.offset, Math.max(0, end - m.offset), StandardCharsets.ISO_8859_1);
      if (HOST_FIELD.matcher(region).find()) {
        continue;
      }
      out.write(in, copied, eol + 2 - copied);
      out.writeBytes(HOST_LINE.getBytes(StandardCharsets.ISO_8859_1));
      copied = eol + 2;
      injected.add(m);
    }
    out.write(in, copied, in.length - copied);
    return new Injected(out.toByteArray(), injected, !injected.isEmpty() && injected.get(0) == c.messages.get(0));
  }

  // ---------------------------------------------------------------- the wire

  record Response(int status, boolean bodyError, String body) {
    @Override
    public String toString() {
      return status + (bodyError ? " (body error)" : "") + " " + body.replace("\n", "\\n");
    }
  }

  /**
   * Sends {@code bytes} on a fresh connection, half-closing afterwards if {@code halfClose}, and
   * reads responses until the server closes (failing if it does not within {@link #WAIT}).
   */
  private static List<Response> exchange(byte[] bytes, boolean halfClose) throws IOException {
    try (RawConnection c = new RawConnection(server.port())) {
      try {
        c.send(bytes);
        if (halfClose) {
          c.shutdownOutput();
        }
      } catch (IOException closedEarly) {
        // The server may answer and close before reading everything; read what it said.
      }
      return parseResponses(c.readUntilClose(WAIT));
    }
  }

  static List<Response> parseResponses(String wire) {
    List<Response> out = new ArrayList<>();
    int pos = 0;
    while (pos < wire.length()) {
      int headEnd = wire.indexOf("\r\n\r\n", pos);
      if (headEnd < 0) {
        throw new AssertionError("truncated response head at " + pos + ": " + wire);
      }
      String[] lines = wire.substring(pos, headEnd).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      int length = 0;
      boolean bodyError = false;
      String echo = null;
      for (int i = 1; i < lines.length; i++) {
        String l = lines[i].toLowerCase();
        if (l.startsWith("content-length:")) {
          length = Integer.parseInt(l.substring(15).trim());
        } else if (l.startsWith("transfer-encoding:")) {
          throw new AssertionError("unexpected chunked response: " + wire);
        } else if (l.startsWith("x-body-error:")) {
          bodyError = true;
        } else if (l.startsWith("x-echo:")) {
          echo = new String(Base64.getDecoder().decode(lines[i].substring(7).trim()), StandardCharsets.ISO_8859_1);
        }
      }
      pos = headEnd + 4;
      if (status >= 100 && status < 200) {
        continue;
      }
      if (echo != null && echo.startsWith("method HEAD\n")) {
        length = 0;
      }
      String body = wire.substring(pos, Math.min(wire.length(), pos + length));
      out.add(new Response(status, bodyError, echo != null ? echo : body));
      pos += length;
    }
    return out;
  }
}
