package io.httpdiag.http.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.httpdiag.http.Headers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Fuzz targets for the wire codec, driven on byte arrays (no sockets). Each input is a
 * configuration byte (see {@link FuzzInput}) and the bytes the peer sent. In a normal build the
 * targets run once on each seed under {@code ParserFuzzTestInputs/<method>/} (Jazzer's regression
 * mode); {@code FUZZING.md} says how to fuzz them.
 *
 * <p>Invariants checked for every input: only {@link ProtocolException} and {@link EOFException}
 * escape the parser (anything else, {@code RuntimeException}s included, is a finding); the parser
 * never consumes more than it was given; a head is never larger than the header limit; whatever
 * is accepted is well-formed and serialises to bytes that parse back to the same thing; chunked
 * encoding and decoding are inverse.
 */
class ParserFuzzTest {
  /** Pipelined messages per input: enough to cover the hand-over from one message to the next. */
  private static final int MAX_MESSAGES = 4;
  private static final int MAX_LEADING_EMPTY_LINES = 8;
  private static final Set<Integer> REQUEST_ERROR_STATUSES = Set.of(400, 414, 417, 431, 501, 505);

  // ---------------------------------------------------------------- (i) request heads

  /** A server's view: request heads, their bodies, and the requests pipelined after them. */
  @FuzzTest
  @DictionaryFile(resourcePath = "ParserFuzzTest.dict")
  void requestStream(byte[] input) throws IOException {
    FuzzInput in = FuzzInput.of(input);
    HttpReader r = new HttpReader(in, in.flag6 ? 16 : 4096);
    for (int m = 0; m < MAX_MESSAGES; m++) {
      int start = consumed(in, r);
      Head h;
      try {
        h = r.readRequestHead(in.maxHeaderBytes);
      } catch (ProtocolException e) {
        checkError(e);
        assertTrue(REQUEST_ERROR_STATUSES.contains(e.status()), "status " + e.status() + " for " + e.getMessage());
        checkConsumed(in, r);
        return;
      }
      checkConsumed(in, r);
      if (h == null) {
        assertEquals(in.data.length, consumed(in, r), "null (clean EOF) before the end of the input");
        return;
      }
      checkHeadSize(in, start, consumed(in, r));
      checkRequestHead(h);
      assertEquals(describeRequest(h), describeRequest(reparseRequest(h)), "parse -> serialise -> parse");
      BodyInputStream body = BodyInputStream.forHead(r, h, false, true, in.maxHeaderBytes);
      if (!readBody(in, r, body, m)) {
        return;
      }
    }
  }

  private static void checkRequestHead(Head h) {
    assertFalse(h.method.isEmpty());
    for (char c : h.method.toCharArray()) {
      assertTrue(isTokenChar(c), "method " + h.method);
    }
    assertFalse(h.target.isEmpty());
    for (char c : h.target.toCharArray()) {
      assertTrue(c > 0x20 && c < 0x7f, "target " + h.target);
    }
    assertEquals(1, h.major);
    if (h.minor >= 1) {
      assertEquals(1, h.headers.count("Host"), "HTTP/1.1 request accepted without exactly one Host");
    }
    checkFields(h.headers);
    checkFraming(h);
  }

  private static Head reparseRequest(Head h) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append(h.method).append(' ').append(h.target).append(" HTTP/").append(h.major).append('.').append(h.minor)
        .append("\r\n");
    return new HttpReader(serialised(sb, h.headers), 64).readRequestHead(1 << 20);
  }

  private static String describeRequest(Head h) {
    return h.method + " " + h.target + " " + h.protocol() + " " + h.headers + " cl=" + h.contentLength
        + " chunked=" + h.chunked;
  }

  // ---------------------------------------------------------------- (ii) chunked bodies

  /**
   * The chunked decoder: with flag 7 clear, decodes the input as a chunked body; with it set, the
   * input is a payload that {@link ChunkedOutputStream} encodes (split into writes the payload
   * itself chooses, empty writes included) and the decoder must give back exactly.
   */
  @FuzzTest
  @DictionaryFile(resourcePath = "ParserFuzzTest.dict")
  void chunkedBody(byte[] input) throws IOException {
    FuzzInput in = FuzzInput.of(input);
    if (in.flag7) {
      roundTrip(input, in);
    } else {
      decodeArbitrary(in);
    }
  }

  private static void decodeArbitrary(FuzzInput in) throws IOException {
    HttpReader r = new HttpReader(in, in.flag6 ? 16 : 8192);
    BodyInputStream body = new BodyInputStream(r, BodyInputStream.Framing.CHUNKED, -1, in.maxHeaderBytes);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    if (!readInto(in, r, body, got, in.maxRead)) {
      return;
    }
    assertTrue(got.size() <= in.data.length, "decoded more bytes than the input had");
    // What decoded cleanly re-encodes and decodes to the same bytes.
    byte[] decoded = got.toByteArray();
    byte[] again = decode(encode(decoded));
    assertArrayEquals(decoded, again, "decode -> encode -> decode");
  }

  private static void roundTrip(byte[] input, FuzzInput in) throws IOException {
    byte[] payload = in.data;
    byte[] encoded = encode(payload);
    byte[] wire = new byte[1 + encoded.length + 4];
    wire[0] = input[0];
    System.arraycopy(encoded, 0, wire, 1, encoded.length);
    System.arraycopy("NEXT".getBytes(StandardCharsets.ISO_8859_1), 0, wire, 1 + encoded.length, 4);
    FuzzInput w = FuzzInput.of(wire);
    HttpReader r = new HttpReader(w, in.flag6 ? 16 : 8192);
    BodyInputStream body = new BodyInputStream(r, BodyInputStream.Framing.CHUNKED, -1, in.maxHeaderBytes);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    assertTrue(readInto(w, r, body, got, w.maxRead), "our own encoding failed to decode");
    assertArrayEquals(payload, got.toByteArray(), "encode -> decode");
    assertEquals(encoded.length, consumed(w, r), "the decoder must stop exactly at the end of the chunked body");
    ByteArrayOutputStream next = new ByteArrayOutputStream();
    byte[] b = new byte[4];
    for (int n; (n = r.read(b, 0, b.length)) > 0; ) {
      next.write(b, 0, n);
    }
    assertEquals("NEXT", next.toString(StandardCharsets.ISO_8859_1), "the bytes after the body");
  }

  /** ChunkedOutputStream over {@code payload}, written in pieces whose sizes the payload picks. */
  private static byte[] encode(byte[] payload) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ChunkedOutputStream c = new ChunkedOutputStream(out);
    int i = 0;
    while (i < payload.length) {
      int n = Math.min(payload.length - i, (payload[i] & 0xff) % 67);
      c.write(payload, i, n);
      if (n == 0) {
        c.write(payload[i]); // a zero-length write must not end the body; then one byte by write(int)
        n = 1;
      }
      i += n;
    }
    c.close();
    c.close(); // idempotent: a second close must not write a second last-chunk
    return out.toByteArray();
  }

  private static byte[] decode(byte[] chunked) throws IOException {
    HttpReader r = new HttpReader(new ByteArrayInputStream(chunked), 16);
    BodyInputStream body = new BodyInputStream(r, BodyInputStream.Framing.CHUNKED, -1, 1 << 16);
    byte[] out = body.readAllBytes();
    assertTrue(body.eof());
    assertEquals(0, r.buffered());
    return out;
  }

  // ---------------------------------------------------------------- (iii) responses

  /**
   * A client's view: response heads (1xx interim ones skipped, as the client does), bodies framed
   * as the client frames them (flag 7: the request was HEAD), pipelined responses after them, and
   * the early release of a body whose rest is already buffered ({@link BodyInputStream#drainBuffered}).
   */
  @FuzzTest
  @DictionaryFile(resourcePath = "ParserFuzzTest.dict")
  void responseStream(byte[] input) throws IOException {
    FuzzInput in = FuzzInput.of(input);
    boolean headRequest = in.flag7;
    HttpReader r = new HttpReader(in, in.flag6 ? 16 : 8192);
    for (int m = 0; m < MAX_MESSAGES; m++) {
      Head h;
      int interim = 0;
      try {
        while (true) {
          int start = consumed(in, r);
          h = r.readResponseHead(in.maxHeaderBytes);
          checkConsumed(in, r);
          checkHeadSize(in, start, consumed(in, r));
          checkResponseHead(h);
          assertEquals(describeResponse(h), describeResponse(reparseResponse(h)), "parse -> serialise -> parse");
          if (h.status >= 200 || h.status == 101 || ++interim > 5) {
            break;
          }
        }
      } catch (EOFException | ProtocolException e) {
        checkError(e);
        checkConsumed(in, r);
        return;
      }
      if (interim > 5) {
        return; // the client gives up: "too many 1xx responses"
      }
      boolean noBody = headRequest || h.status < 200 || h.status == 204 || h.status == 304;
      BodyInputStream body = BodyInputStream.forHead(r, h, noBody, false, in.maxHeaderBytes);
      if (noBody) {
        assertTrue(body.eof(), "a body-less response must be at its end at once");
      }
      if (!readBody(in, r, body, m) || body.untilClose() || h.status == 101) {
        return;
      }
    }
  }

  private static void checkResponseHead(Head h) {
    assertTrue(h.status >= 100 && h.status <= 999, "status " + h.status);
    assertEquals(1, h.major);
    for (char c : h.reason.toCharArray()) {
      assertTrue(c == '\t' || (c >= 0x20 && c != 0x7f), "control character in reason " + h.reason);
    }
    checkFields(h.headers);
    checkFraming(h);
  }

  private static Head reparseResponse(Head h) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("HTTP/").append(h.major).append('.').append(h.minor).append(' ');
    sb.append(String.format("%03d", h.status)).append(' ').append(h.reason).append("\r\n");
    return new HttpReader(serialised(sb, h.headers), 64).readResponseHead(1 << 20);
  }

  private static String describeResponse(Head h) {
    return h.protocol() + " " + h.status + " [" + h.reason + "] " + h.headers + " cl=" + h.contentLength
        + " chunked=" + h.chunked;
  }

  // ---------------------------------------------------------------- shared checks

  /**
   * Reads {@code body} to its end; sometimes (depending on the message index and the read size)
   * first tries {@link BodyInputStream#drainBuffered}, which must not read from the connection.
   * Returns whether the body ended cleanly (the next message may follow).
   */
  private static boolean readBody(FuzzInput in, HttpReader r, BodyInputStream body, int message) throws IOException {
    if ((message + in.maxRead) % 3 == 0) {
      int before = in.delivered();
      boolean drained = body.drainBuffered();
      assertEquals(before, in.delivered(), "drainBuffered read from the connection");
      checkConsumed(in, r);
      if (drained) {
        assertTrue(body.eof(), "drainBuffered returned true before the end of the body");
        return true;
      }
      if (body.failed()) {
        return false;
      }
    }
    return readInto(in, r, body, new ByteArrayOutputStream(), 1 + message * 7 % 4096);
  }

  /** Reads {@code body} into {@code out}; false (after checking the error) when it failed. */
  private static boolean readInto(FuzzInput in, HttpReader r, BodyInputStream body, ByteArrayOutputStream out,
      int readSize) throws IOException {
    byte[] buf = new byte[Math.max(1, Math.min(readSize, 8192))];
    long before = body.bytesRead();
    try {
      while (true) {
        int avail = body.available();
        assertTrue(avail >= 0 && avail <= r.buffered(), "available() " + avail + " with " + r.buffered() + " buffered");
        int n = body.read(buf, 0, buf.length);
        if (n < 0) {
          break;
        }
        assertTrue(n > 0, "read returned 0 for a non-empty buffer");
        out.write(buf, 0, n);
      }
    } catch (EOFException | ProtocolException e) {
      checkError(e);
      assertTrue(body.failed(), "an error must leave the body failed");
      checkConsumed(in, r);
      return false;
    }
    assertTrue(body.eof());
    assertEquals(out.size(), body.bytesRead() - before);
    if (body.contentLength() >= 0) {
      assertEquals(body.contentLength(), body.bytesRead(), "a Content-Length body of another length");
    }
    checkConsumed(in, r);
    return true;
  }

  /** Field names are tokens; values have no CR, LF, NUL or other controls but HTAB, and no outer whitespace. */
  private static void checkFields(Headers headers) {
    for (int i = 0; i < headers.size(); i++) {
      String name = headers.name(i);
      String value = headers.value(i);
      assertFalse(name.isEmpty(), "empty field name");
      for (char c : name.toCharArray()) {
        assertTrue(isTokenChar(c), "field name " + name);
      }
      for (char c : value.toCharArray()) {
        assertTrue(c == '\t' || (c >= 0x20 && c != 0x7f && c <= 0xff), "control character in the value of " + name);
      }
      if (!value.isEmpty()) {
        assertFalse(isWhitespace(value.charAt(0)) || isWhitespace(value.charAt(value.length() - 1)),
            "outer whitespace kept in the value of " + name);
      }
    }
  }

  private static void checkFraming(Head h) {
    assertTrue(h.contentLength >= -1);
    assertFalse(h.chunked && h.contentLength >= 0, "both chunked and a Content-Length");
    if (h.headers.contains("Transfer-Encoding")) {
      assertTrue(h.chunked, "a Transfer-Encoding other than chunked was accepted");
    }
  }

  /** The head's bytes, leading empty lines aside, are within the limit (plus the final CRLF CRLF). */
  private static void checkHeadSize(FuzzInput in, int start, int end) {
    int skipped = 0;
    while (skipped < MAX_LEADING_EMPTY_LINES && start + 2 * skipped + 1 < end
        && in.data[start + 2 * skipped] == '\r' && in.data[start + 2 * skipped + 1] == '\n') {
      skipped++;
    }
    int size = end - start - 2 * skipped;
    assertTrue(size <= in.maxHeaderBytes + 4, "accepted a " + size + "-byte head with limit " + in.maxHeaderBytes);
  }

  private static void checkError(IOException e) {
    String m = e.getMessage();
    assertTrue(m != null && !m.isEmpty(), "an error without a message: " + e);
    assertFalse(m.contains("\n") || m.contains("\r"), "a multi-line error message: " + m);
  }

  /** The parser took no more than it was given. */
  private static void checkConsumed(FuzzInput in, HttpReader r) {
    int c = consumed(in, r);
    assertTrue(c >= 0 && c <= in.data.length, "consumed " + c + " of " + in.data.length);
  }

  private static int consumed(FuzzInput in, HttpReader r) {
    return in.delivered() - r.buffered();
  }

  private static ByteArrayInputStream serialised(StringBuilder startLine, Headers headers) {
    for (int i = 0; i < headers.size(); i++) {
      startLine.append(headers.name(i)).append(": ").append(headers.value(i)).append("\r\n");
    }
    startLine.append("\r\n");
    return new ByteArrayInputStream(startLine.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  private static boolean isTokenChar(char c) {
    return c < 0x7f && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
  }

  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\t';
  }
}
