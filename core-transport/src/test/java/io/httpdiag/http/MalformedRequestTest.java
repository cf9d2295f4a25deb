package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.http.testing.RawConnection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every class of malformed input gets a precise status, a closed connection, and no handler call. */
class MalformedRequestTest {
  private static final AtomicInteger handlerCalls = new AtomicInteger();
  private static Server server;

  @BeforeAll
  static void startServer() throws Exception {
    server = Server.builder().maxHeaderBytes(4096).handler((w, r) -> {
      handlerCalls.incrementAndGet();
      r.body().readAllBytes();
      w.write("handled");
    }).build().start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  static Stream<Arguments> cases() {
    String big = "a".repeat(5000);
    return Stream.of(
        // framing
        bad(400, "CL and TE together", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
        bad(400, "differing Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
        bad(400, "Content-Length with sign", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc"),
        bad(400, "negative Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\nabc"),
        bad(400, "hex Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x3\r\n\r\nabc"),
        bad(400, "comma list Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc"),
        bad(400, "empty Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n"),
        bad(400, "overflowing Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n"),
        bad(501, "gzip transfer coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"),
        bad(501, "gzip, chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
        bad(501, "chunked twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        // header syntax
        bad(400, "obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n"),
        bad(400, "space before colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n"),
        bad(400, "empty field name", "GET / HTTP/1.1\r\nHost: x\r\n: 1\r\n\r\n"),
        bad(400, "invalid char in name", "GET / HTTP/1.1\r\nHost: x\r\nX(A): 1\r\n\r\n"),
        bad(400, "NUL in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n"),
        bad(400, "bare CR in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n"),
        bad(400, "VT in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u000bb\r\n\r\n"),
        bad(400, "FF in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\fb\r\n\r\n"),
        bad(400, "DEL in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u007fb\r\n\r\n"),
        bad(400, "CTL in name", "GET / HTTP/1.1\r\nHost: x\r\nX\u0001A: 1\r\n\r\n"),
        bad(400, "bare LF line endings", "GET / HTTP/1.1\nHost: x\n\n"),
        bad(400, "bare LF in one header line", "GET / HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n"),
        bad(400, "header line without colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"),
        // request line
        bad(400, "lowercase version", "GET / http/1.1\r\nHost: x\r\n\r\n"),
        bad(400, "double space", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n"),
        bad(400, "missing version", "GET /\r\nHost: x\r\n\r\n"),
        bad(400, "invalid method char", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n"),
        bad(400, "space in target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"),
        bad(400, "version with two digits", "GET / HTTP/1.10\r\nHost: x\r\n\r\n"),
        bad(505, "HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n"),
        bad(505, "HTTP/0.9 style major", "GET / HTTP/0.9\r\nHost: x\r\n\r\n"),
        bad(400, "missing Host on 1.1", "GET / HTTP/1.1\r\n\r\n"),
        bad(400, "two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        bad(417, "unknown Expect", "GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n"),
        bad(431, "headers over maxHeaderBytes", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n"),
        bad(414, "request line over maxHeaderBytes", "GET /" + big + " HTTP/1.1\r\nHost: x\r\n\r\n"),
        bad(400, "Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  }

  static Stream<Arguments> badChunks() {
    String head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    return Stream.of(
        Arguments.of("empty chunk size", head + "\r\nabc\r\n0\r\n\r\n"),
        Arguments.of("more than 16 hex digits", head + "00000000000000001\r\na\r\n0\r\n\r\n"),
        Arguments.of("sign in chunk size", head + "+3\r\nabc\r\n0\r\n\r\n"),
        Arguments.of("0x prefix", head + "0x3\r\nabc\r\n0\r\n\r\n"),
        Arguments.of("bare LF in chunk line", head + "3\nabc\r\n0\r\n\r\n"),
        Arguments.of("bare CR in chunk line", head + "3\rabc\r\n0\r\n\r\n"),
        Arguments.of("chunk data not followed by CRLF", head + "3\r\nabcX\r\n0\r\n\r\n"),
        Arguments.of("chunk extensions past the budget", head + ("1;" + "e".repeat(1000) + "\r\na\r\n").repeat(20) + "0\r\n\r\n"),
        Arguments.of("truncated chunked body", head + "5\r\nab"));
  }

  private static Arguments bad(int status, String name, String request) {
    return Arguments.of(status, name, request);
  }

  @ParameterizedTest(name = "{1} -> {0}")
  @MethodSource("cases")
  void malformedHeadGetsPreciseStatusAndClose(int status, String name, String request) throws Exception {
    int before = handlerCalls.get();
    try (RawConnection c = new RawConnection(server.port())) {
      c.send(request);
      String answer = c.readUntilClose(Duration.ofSeconds(10));
      assertTrue(answer.startsWith("HTTP/1.1 " + status + " "), name + ": " + answer);
      assertTrue(answer.contains("Connection: close"), answer);
    }
    assertEquals(before, handlerCalls.get(), "handler must not run for " + name);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badChunks")
  void malformedChunkedBodyFailsTheBodyReadAndClosesTheConnection(String name, String request) throws Exception {
    try (RawConnection c = new RawConnection(server.port())) {
      c.send(request);
      if (name.startsWith("truncated")) {
        c.close();
        return; // the handler sees an IOException; nothing to answer to a client that left
      }
      String answer = c.readUntilClose(Duration.ofSeconds(10));
      assertTrue(answer.startsWith("HTTP/1.1 500 "), name + ": " + answer); // handler's read threw
      assertTrue(!answer.contains("handled"), answer);
    }
  }
}
