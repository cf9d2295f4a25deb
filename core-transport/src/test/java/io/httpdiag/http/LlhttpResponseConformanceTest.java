package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.httpdiag.http.testing.Await;
import io.httpdiag.http.testing.LlhttpCorpus;
import io.httpdiag.http.testing.LlhttpCorpus.Case;
import io.httpdiag.http.testing.LlhttpCorpus.Message;
import io.httpdiag.http.testing.RawServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays llhttp's response corpus ({@code src/test/resources/llhttp/response}) against a real
 * {@link Client}: a byte-scripted loopback server answers the first request with the case's bytes
 * and then closes its side, and the client sends one request per response llhttp began, all on
 * the one connection. Responses llhttp parsed must come out with the same status, reason,
 * version, header fields in order, Content-Length and body; what llhttp rejects must be an
 * {@link IOException} from {@code send} (a bad head) or from reading the body (a bad body).
 * Whether the connection is kept for the next response is checked against llhttp's flags.
 * Deliberate differences are listed in {@link #KNOWN_DIFFERENCES} and in
 * {@code core-transport/CONFORMANCE.md}.
 *
 * <p>Mapping rules (see CONFORMANCE.md): the server's close after the bytes is llhttp's
 * {@code llhttp_finish()}, so a body delimited by the close is complete and any other message cut
 * short is an error; interim 1xx responses are consumed by {@code send} and not compared; the
 * corpus's {@code skipBody} (the callback a client uses for HEAD) is run with HEAD requests.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang is a failure
class LlhttpResponseConformanceTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** How our client deliberately differs from llhttp in a case. */
  enum Kind {
    /** llhttp accepts the response; our client refuses it with an IOException from {@code send}. */
    REJECTS,
    /** Parsed the same, but our client keeps a connection llhttp would close. */
    KEEPS_CONNECTION
  }

  record Difference(Kind kind, String reason) {}

  /** Cases where we deliberately differ from llhttp, by {@code file#title}. Keep CONFORMANCE.md in step. */
  static final Map<String, Difference> KNOWN_DIFFERENCES = Map.ofEntries(
      Map.entry("sample.md#RTSP response",
          new Difference(Kind.REJECTS, "only HTTP/1.x is spoken: RTSP/1.1 is a malformed HTTP-version")),
      Map.entry("sample.md#ICE response",
          new Difference(Kind.REJECTS, "only HTTP/1.x is spoken: ICE/1.1 is a malformed HTTP-version")),
      Map.entry("sample.md#HTTP version 0.9",
          new Difference(Kind.REJECTS, "no HTTP/0.9; a major version other than 1 is refused (505)")),
      Map.entry("transfer-encoding.md#`chunked` before other transfer-encoding",
          new Difference(Kind.REJECTS, "only a single `chunked` coding is implemented; reading to the close would"
              + " hand the caller a body still in a coding it cannot see (as Go)")),
      Map.entry("transfer-encoding.md#multiple transfer-encoding where chunked is not the last one",
          new Difference(Kind.REJECTS, "only a single `chunked` coding is implemented (as Go)")),
      Map.entry("transfer-encoding.md#`chunkedchunked` transfer-encoding does not enable chunked enconding",
          new Difference(Kind.REJECTS, "an unknown transfer coding is refused (501), not read to the close (as Go)")),
      Map.entry("connection.md#Proxy-Connection",
          new Difference(Kind.KEEPS_CONNECTION, "Proxy-Connection was never standardised;"
              + " only Connection decides persistence (as Go)")));

  private RawServer server;
  private final Transport transport = Transport.builder().build();
  private final Client client = Client.builder().transport(transport).maxRedirects(0)
      .timeout(Duration.ofSeconds(10)).build();

  @AfterEach
  void allConnectionsReleased() throws Exception {
    Await.until(WAIT, () -> transport.stats().inUse() == 0, () -> "connections in use: " + transport.stats());
    transport.close();
    if (server != null) {
      server.close();
      Await.until(WAIT, () -> server.openConnections() == 0, () -> server.openConnections() + " server connections open");
    }
  }

  static Stream<Case> cases() {
    return LlhttpCorpus.load("/llhttp/response").stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void clientAgreesWithLlhttp(Case c) throws Exception {
    String skip = skipReason(c);
    assumeTrue(skip == null, skip);
    List<Message> finals = finalResponses(c);
    serve(responsesOneByOne(c, bytesToServe(c)));
    Difference diff = KNOWN_DIFFERENCES.get(c.key());
    if (diff != null && diff.kind == Kind.REJECTS) {
      IOException e = assertThrows(IOException.class, () -> send(c),
          c + ": documented to be refused (" + diff.reason + ")");
      assertTrue(e.getMessage() != null, c + ": " + e);
      return;
    }
    for (int i = 0; i < finals.size(); i++) {
      Message m = finals.get(i);
      boolean last = i == finals.size() - 1;
      String at = c + ", response " + i;
      switch (expected(c, m)) {
        case COMPLETE -> {
          try (Response r = send(c)) {
            assertHead(at, c, m, r);
            assertEquals(latin1(m.body.toByteArray()), latin1(r.body().readAllBytes()), at + ": body");
          }
          if (!last) {
            assertEquals(1, transport.stats().idle(), at + ": connection not kept for the next response: "
                + transport.stats());
          } else {
            boolean keeps = llhttpKeepsConnection(c, m) != (diff != null && diff.kind == Kind.KEEPS_CONNECTION);
            assertEquals(keeps ? 1 : 0, transport.stats().idle(), at + ": connection kept (llhttp flags "
                + Integer.toHexString(m.flags) + ", error " + c.errorCode + "): " + transport.stats());
          }
        }
        case BODY_ERROR -> {
          try (Response r = send(c)) {
            assertHead(at, c, m, r);
            byte[] before = readUntilError(at, r.body());
            byte[] llhttp = m.body.toByteArray();
            assertTrue(before.length <= llhttp.length
                    && Arrays.equals(before, Arrays.copyOf(llhttp, before.length)),
                at + ": body before the error \"" + latin1(before) + "\" is not a prefix of llhttp's \""
                    + latin1(llhttp) + "\"");
          }
        }
        case HEAD_ERROR -> assertThrows(IOException.class, () -> send(c).close(), at + ": llhttp rejects "
            + (c.errorReason != null ? "(" + c.errorReason + ")" : "(cut short by the end of input)"));
        default -> throw new IllegalStateException();
      }
    }
    assertEquals(1, server.accepted(), c + ": every response must come on the one connection");
  }

  /** Why a case has no client equivalent, or null to run it. */
  static String skipReason(Case c) {
    if (c.type.startsWith("response-lenient-")) {
      return "llhttp lenient flag " + c.type.substring("response-".length())
          + " relaxes strict parsing; our client has no lenient mode (its strict twin is run)";
    }
    if (!c.type.equals("response") && !c.type.equals("response-finish")) {
      return "not a response case: " + c.type;
    }
    return null;
  }

  /** What the client must do with one final response. */
  enum Outcome { COMPLETE, BODY_ERROR, HEAD_ERROR }

  static Outcome expected(Case c, Message m) {
    if (m.complete) {
      return Outcome.COMPLETE;
    }
    boolean error = c.errorCode != null && c.errorCode != 5 && c.errorCode != 22;
    if (!m.headersComplete) {
      return Outcome.HEAD_ERROR;
    }
    // Cut short by the end of the input: llhttp_finish() completes a body delimited by the close
    // and calls anything else an invalid EOF state. The server's close is that finish.
    return !error && needsEof(c, m) ? Outcome.COMPLETE : Outcome.BODY_ERROR;
  }

  /** llhttp_message_needs_eof: a response body with neither Content-Length nor chunked runs to the close. */
  private static boolean needsEof(Case c, Message m) {
    if (c.skipBody || m.status / 100 == 1 || m.status == 204 || m.status == 304) {
      return false;
    }
    boolean chunked = (m.flags & Message.CHUNKED) != 0;
    boolean otherCoding = !chunked && (m.flags & Message.TRANSFER_ENCODING) != 0;
    return otherCoding || (!chunked && (m.flags & Message.CONTENT_LENGTH) == 0);
  }

  /** Whether llhttp would go on to parse another response on the connection after {@code m}. */
  private static boolean llhttpKeepsConnection(Case c, Message m) {
    if (m.status == 101 || c.errorCode != null || needsEof(c, m) || (m.flags & Message.CONNECTION_CLOSE) != 0) {
      return false; // 101 and code 22: another protocol follows; code 5: data after Connection: close
    }
    return !m.version.equals("1.0") || (m.flags & 0x1) != 0; // HTTP/1.0 needs Connection: keep-alive
  }

  /** llhttp's messages with the interim (1xx other than 101) ones dropped: what {@code send} returns. */
  static List<Message> finalResponses(Case c) {
    List<Message> out = new ArrayList<>();
    for (Message m : c.messages) {
      boolean interim = m.headersComplete && m.status >= 100 && m.status < 200 && m.status != 101;
      if (!interim) {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * The case's bytes. llhttp fails on the first bad byte; we read the whole head before judging it,
   * so when llhttp failed inside a head an empty line is appended and our parser judges the same
   * bytes (llhttp had already failed before them) instead of seeing a head cut short.
   */
  static byte[] bytesToServe(Case c) {
    boolean error = c.errorCode != null && c.errorCode != 5 && c.errorCode != 22;
    Message failed = c.messages.isEmpty() ? null : c.messages.get(c.messages.size() - 1);
    if (!error || failed == null || failed.headersComplete) {
      return c.input;
    }
    byte[] out = Arrays.copyOf(c.input, c.input.length + 4);
    System.arraycopy("\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0, out, c.input.length, 4);
    return out;
  }

  /**
   * The case's bytes cut before each message that follows a final response, so each final
   * response (with the interim ones before it) answers its own request: bytes sent ahead of a
   * request would arrive on an idle connection, which the client refuses as unsolicited (Go's
   * rule). A cut that does not fall inside the bytes leaves the rest in one piece.
   */
  static List<byte[]> responsesOneByOne(Case c, byte[] bytes) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (Message m : finalResponses(c)) {
      int next = c.messages.indexOf(m) + 1;
      if (next >= c.messages.size()) {
        break;
      }
      int end = c.messages.get(next).offset;
      if (end <= start || end >= bytes.length) {
        break;
      }
      out.add(Arrays.copyOfRange(bytes, start, end));
      start = end;
    }
    out.add(Arrays.copyOfRange(bytes, start, bytes.length));
    return out;
  }

  // ---------------------------------------------------------------- the wire

  /**
   * Answers the i-th request with {@code responses[i]}, closes its side after the last, and reads
   * requests until the client closes.
   */
  private void serve(List<byte[]> responses) throws IOException {
    server = new RawServer((conn, index) -> {
      if (index > 0) {
        return; // a second connection is a failure of the case: closed unanswered
      }
      for (byte[] response : responses) {
        if (conn.readRequest() == null) {
          return;
        }
        conn.write(response);
      }
      conn.shutdownOutput();
      while (conn.readRequest() != null) {
        // a request after the last response gets the end of the stream
      }
    });
  }

  private Response send(Case c) throws IOException {
    return client.send(Request.builder(c.skipBody ? "HEAD" : "GET", server.url("/")).build());
  }

  private static void assertHead(String at, Case c, Message m, Response r) {
    assertEquals(m.status, r.status(), at + ": status");
    assertEquals(m.reason, r.reason(), at + ": reason");
    assertEquals("HTTP/" + m.version, r.protocol(), at + ": version");
    assertEquals(expectedFields(m), actualFields(r.headers()), at + ": header fields");
    assertEquals(expectedContentLength(c, m), r.contentLength(), at + ": contentLength()");
  }

  private static List<String> expectedFields(Message m) {
    List<String> out = new ArrayList<>();
    for (String[] h : m.headers) {
      out.add(h[0] + ": " + h[1].replaceAll("[ \t]+$", "")); // trailing OWS is not part of a value
    }
    return out;
  }

  private static List<String> actualFields(Headers h) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < h.size(); i++) {
      out.add(h.name(i) + ": " + h.value(i));
    }
    return out;
  }

  /** Go's {@code Response.ContentLength}: -1 unless known; 0 for 1xx/204/304; the field's value for HEAD. */
  private static long expectedContentLength(Case c, Message m) {
    boolean hasLength = (m.flags & Message.CONTENT_LENGTH) != 0 && (m.flags & Message.TRANSFER_ENCODING) == 0;
    if (c.skipBody) {
      return hasLength ? m.contentLength : -1;
    }
    if (m.status / 100 == 1 || m.status == 204 || m.status == 304) {
      return 0;
    }
    return hasLength ? m.contentLength : -1;
  }

  /** Reads until the body fails (it must), returning what was delivered before. */
  private static byte[] readUntilError(String at, InputStream body) {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[7];
    try {
      for (int n; (n = body.read(buf)) >= 0; ) {
        got.write(buf, 0, n);
      }
    } catch (IOException expected) {
      return got.toByteArray();
    }
    throw new AssertionError(at + ": body read to its end (\"" + latin1(got.toByteArray()) + "\"), llhttp rejects it");
  }

  private static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }
}
