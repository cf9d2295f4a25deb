package io.httpdiag.http.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Buffered reading and strict parsing (RFC 9112) of HTTP/1.1 heads and body framing from one
 * connection. Bytes are read in batches and parsed in place: no per-byte {@code read()}, no regex.
 *
 * <p>Strictness: lines must end in CRLF (bare LF and bare CR are errors), no obs-fold, no
 * whitespace between a field name and its colon, no CTLs in names or values, one Content-Length
 * (identical repeats tolerated, as Go does), not both Content-Length and Transfer-Encoding,
 * Transfer-Encoding only as a single "chunked".
 *
 * <p>Not thread-safe: owned by the thread that reads the connection.
 */
public final class HttpReader {
  /** Characters allowed in a token (RFC 9110 section 5.6.2): field names, methods. */
  private static final boolean[] TOKEN = new boolean[256];
  /** Go's budget for chunk extensions and line overhead in one body. */
  public static final int CHUNK_EXTENSION_BUDGET = 16 * 1024;
  private static final int MAX_LEADING_EMPTY_LINES = 8;

  static {
    for (int c = '0'; c <= '9'; c++) TOKEN[c] = true;
    for (int c = 'a'; c <= 'z'; c++) TOKEN[c] = true;
    for (int c = 'A'; c <= 'Z'; c++) TOKEN[c] = true;
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TOKEN[c] = true;
  }

  private final InputStream in;
  private byte[] buf;
  private int pos;
  private int lim;
  /** The small buffer a server connection's reader rests on between requests; null for a client's. */
  private final byte[] resting;

  public HttpReader(InputStream in, int bufferSize) {
    this.in = in;
    this.buf = new byte[bufferSize];
    this.resting = null;
  }

  /**
   * A reader that waits for each request in {@code restingBuffer} (kept for the connection's life)
   * and reads the rest of the exchange in a larger buffer lent by {@link #attach} and taken back by
   * {@link #detach}, so an idle connection holds only the small one. A request that fits the
   * resting buffer still arrives in one read.
   */
  public HttpReader(InputStream in, byte[] restingBuffer) {
    this.in = in;
    this.buf = restingBuffer;
    this.resting = restingBuffer;
  }

  /**
   * Reads on in {@code large} from now on, moving what is buffered into it. Does nothing when
   * {@code large} cannot hold the buffered bytes (they came from {@link #unread}); the reader keeps
   * its own buffer then.
   */
  public void attach(byte[] large) {
    int n = lim - pos;
    if (large.length < n) {
      return;
    }
    System.arraycopy(buf, pos, large, 0, n);
    buf = large;
    pos = 0;
    lim = n;
  }

  /**
   * Goes back to the resting buffer, moving what is buffered (a pipelined request) into it, and
   * lets go of the attached buffer. Returns false, and keeps reading in the larger buffer, when the
   * buffered bytes do not fit the resting one: the caller must not reuse the attached buffer then.
   */
  public boolean detach() {
    if (resting == null) {
      throw new IllegalStateException("detach on a reader without a resting buffer");
    }
    int n = lim - pos;
    if (n > resting.length) {
      return false;
    }
    if (buf != resting) {
      System.arraycopy(buf, pos, resting, 0, n);
      buf = resting;
    } else if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, n);
    }
    pos = 0;
    lim = n;
    return true;
  }

  /**
   * Puts bytes read from the connection by someone else (the server's disconnect watcher) in
   * front of the buffer. Only valid when nothing is buffered.
   */
  public void unread(byte[] b, int off, int len) {
    if (pos != lim) {
      throw new IllegalStateException("unread with " + (lim - pos) + " bytes still buffered");
    }
    if (buf.length < len) {
      buf = new byte[len];
    }
    System.arraycopy(b, off, buf, 0, len);
    pos = 0;
    lim = len;
  }

  /** Bytes already buffered and not yet consumed. */
  public int buffered() {
    return lim - pos;
  }

  /** Whether the buffered, unconsumed bytes at {@code offset} from the read position equal {@code expected}. No I/O. */
  public boolean bufferedMatches(int offset, byte[] expected) {
    if (offset < 0 || (long) pos + offset + expected.length > lim) {
      return false;
    }
    for (int i = 0; i < expected.length; i++) {
      if (buf[pos + offset + i] != expected[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Blocks until at least one byte is buffered. Returns false on a clean EOF. Used to wait for the
   * next request on an idle connection, so the idle and header timeouts can be told apart.
   */
  public boolean awaitByte() throws IOException {
    if (pos < lim) {
      return true;
    }
    return fill(0) > 0;
  }

  /**
   * Reads and parses a request head. Returns null on a clean EOF before any byte of the head.
   *
   * @throws ProtocolException with the status to answer (400, 414, 431, 501, 505)
   */
  public Head readRequestHead(int maxHeaderBytes) throws IOException {
    // RFC 9112 section 2.2: ignore at least one empty line before the request-line.
    if (!skipEmptyLines("request")) {
      return null;
    }
    int end = scanHead(maxHeaderBytes, true);
    Head head = new Head();
    int lineEnd = lineEnd(pos, end);
    parseRequestLine(head, pos, lineEnd);
    parseFields(head, lineEnd + 2, end);
    pos = end;
    checkRequestFraming(head);
    return head;
  }

  /**
   * Reads and parses a response head. Interim 1xx responses are returned like any other; the
   * caller loops. {@code requestMethod} decides HEAD framing.
   *
   * @throws EOFException when the connection closes before any byte
   * @throws ProtocolException when the head is malformed or over {@code maxHeaderBytes}
   */
  public Head readResponseHead(int maxHeaderBytes) throws IOException {
    if (pos >= lim && fill(0) <= 0) {
      throw new EOFException("connection closed before any response byte");
    }
    // Empty lines before a status line, as before a request line (llhttp skips them too): servers
    // send a stray CRLF after a Content-Length body or after "100 Continue" (aiohttp did).
    if (!skipEmptyLines("status")) {
      throw new EOFException("connection closed after empty lines, before the status line");
    }
    int end = scanHead(maxHeaderBytes, false);
    Head head = new Head();
    int lineEnd = lineEnd(pos, end);
    parseStatusLine(head, pos, lineEnd);
    parseFields(head, lineEnd + 2, end);
    pos = end;
    checkResponseFraming(head);
    return head;
  }

  /**
   * Skips up to {@link #MAX_LEADING_EMPTY_LINES} CRLFs before a start line. Returns false on a
   * clean EOF before the start line; a bare CR is an error. Bounded, so a peer cannot keep us here.
   */
  private boolean skipEmptyLines(String line) throws IOException {
    for (int skipped = 0; ; skipped++) {
      if (pos >= lim && fill(0) <= 0) {
        return false;
      }
      if (buf[pos] != '\r' || skipped >= MAX_LEADING_EMPTY_LINES) {
        return true;
      }
      if (pos + 1 >= lim && fill(1) <= 0) {
        throw new ProtocolException(400, "truncated line before " + line + " line");
      }
      if (buf[pos + 1] != '\n') {
        throw new ProtocolException(400, "bare CR before " + line + " line");
      }
      pos += 2;
    }
  }

  /**
   * Finds the end of the head (index just past the empty line), reading more as needed.
   * Compacts the buffer so the head starts at {@code pos}.
   */
  private int scanHead(int maxHeaderBytes, boolean request) throws IOException {
    int scan = pos;
    int lineStart = pos;
    while (true) {
      while (scan < lim) {
        if (buf[scan] == '\n') {
          int lineLen = scan - lineStart;
          if (lineLen == 0 || (lineLen == 1 && buf[lineStart] == '\r')) {
            if (lineLen == 0) {
              throw new ProtocolException(400, "bare LF line ending");
            }
            if (scan + 1 - pos > maxHeaderBytes + 4) {
              // The limit applies however the head arrived, in one read or many.
              throw new ProtocolException(431, "header section larger than " + maxHeaderBytes + " bytes");
            }
            return scan + 1;
          }
          if (request && lineStart == pos && lineLen > maxHeaderBytes) {
            throw new ProtocolException(414, "request line longer than " + maxHeaderBytes + " bytes");
          }
          lineStart = scan + 1;
        }
        scan++;
      }
      if (lim - pos >= maxHeaderBytes + 4) {
        if (request && lineStart == pos) {
          throw new ProtocolException(414, "request line longer than " + maxHeaderBytes + " bytes");
        }
        throw new ProtocolException(431, "header section larger than " + maxHeaderBytes + " bytes");
      }
      int oldPos = pos;
      if (fill(lim - pos, maxHeaderBytes + 4) <= 0) {
        throw new ProtocolException(400, lim == pos ? "connection closed" : "connection closed inside the header section");
      }
      int shift = oldPos - pos;
      scan -= shift;
      lineStart -= shift;
    }
  }

  /** Index of the CR that ends the line starting at {@code from}; validates CRLF. */
  private int lineEnd(int from, int end) throws ProtocolException {
    for (int i = from; i < end; i++) {
      if (buf[i] == '\n') {
        if (i == from || buf[i - 1] != '\r') {
          throw new ProtocolException(400, "bare LF line ending");
        }
        return i - 1;
      }
    }
    throw new ProtocolException(400, "unterminated line");
  }

  private void parseRequestLine(Head head, int from, int to) throws ProtocolException {
    int sp1 = indexOf(' ', from, to);
    if (sp1 <= from) {
      throw new ProtocolException(400, "malformed request line");
    }
    for (int i = from; i < sp1; i++) {
      if (!TOKEN[buf[i] & 0xff]) {
        throw new ProtocolException(400, "invalid character in method");
      }
    }
    int sp2 = indexOf(' ', sp1 + 1, to);
    if (sp2 < 0 || sp2 == sp1 + 1) {
      throw new ProtocolException(400, "malformed request line");
    }
    for (int i = sp1 + 1; i < sp2; i++) {
      int c = buf[i] & 0xff;
      if (c <= 0x20 || c >= 0x7f) {
        throw new ProtocolException(400, "invalid character in request target");
      }
    }
    parseVersion(head, sp2 + 1, to);
    head.method = latin1(from, sp1);
    head.target = latin1(sp1 + 1, sp2);
  }

  private void parseStatusLine(Head head, int from, int to) throws ProtocolException {
    int sp = indexOf(' ', from, to);
    if (sp < 0) {
      throw new ProtocolException(400, "malformed status line: " + printable(from, to));
    }
    parseVersion(head, from, sp);
    if (to - sp < 4 || !digit(sp + 1) || !digit(sp + 2) || !digit(sp + 3) || (to - sp > 4 && buf[sp + 4] != ' ')) {
      throw new ProtocolException(400, "malformed status code in status line: " + printable(from, to));
    }
    head.status = (buf[sp + 1] - '0') * 100 + (buf[sp + 2] - '0') * 10 + (buf[sp + 3] - '0');
    if (head.status < 100) {
      throw new ProtocolException(400, "status code below 100: " + head.status);
    }
    // Lenient on purpose: a status line without the space before an empty reason is common.
    head.reason = to - sp > 4 ? latin1(sp + 5, to) : "";
    for (int i = sp + 5; i < to; i++) {
      int c = buf[i] & 0xff;
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw new ProtocolException(400, "control character in reason phrase");
      }
    }
  }

  private void parseVersion(Head head, int from, int to) throws ProtocolException {
    if (to - from != 8 || buf[from] != 'H' || buf[from + 1] != 'T' || buf[from + 2] != 'T' || buf[from + 3] != 'P'
        || buf[from + 4] != '/' || !digit(from + 5) || buf[from + 6] != '.' || !digit(from + 7)) {
      throw new ProtocolException(400, "malformed HTTP version: " + printable(from, to));
    }
    head.major = buf[from + 5] - '0';
    head.minor = buf[from + 7] - '0';
    if (head.major != 1) {
      throw new ProtocolException(505, "unsupported HTTP version " + head.major + "." + head.minor);
    }
  }

  /** Parses field lines in [from, end) where end is just past the terminating empty line. */
  private void parseFields(Head head, int from, int end) throws ProtocolException {
    int line = from;
    while (true) {
      int cr = lineEnd(line, end);
      if (cr == line) {
        return; // the empty line
      }
      byte first = buf[line];
      if (first == ' ' || first == '\t') {
        throw new ProtocolException(400, "obsolete line folding in header section");
      }
      int colon = -1;
      for (int i = line; i < cr; i++) {
        byte c = buf[i];
        if (c == ':') {
          colon = i;
          break;
        }
        if (!TOKEN[c & 0xff]) {
          throw new ProtocolException(400, c == ' ' || c == '\t'
              ? "whitespace between header field name and colon"
              : "invalid character in header field name");
        }
      }
      if (colon < 0) {
        throw new ProtocolException(400, "header line without colon");
      }
      if (colon == line) {
        throw new ProtocolException(400, "empty header field name");
      }
      int vs = colon + 1;
      int ve = cr;
      while (vs < ve && (buf[vs] == ' ' || buf[vs] == '\t')) vs++;
      while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t')) ve--;
      for (int i = vs; i < ve; i++) {
        int c = buf[i] & 0xff;
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          throw new ProtocolException(400, "invalid character in header field value");
        }
      }
      head.headers.add(latin1(line, colon), latin1(vs, ve));
      line = cr + 2;
    }
  }

  private void checkRequestFraming(Head head) throws ProtocolException {
    int hosts = head.headers.count("Host");
    if (hosts > 1 || (hosts == 0 && head.minor >= 1)) {
      throw new ProtocolException(400, hosts == 0 ? "missing Host header" : "more than one Host header");
    }
    checkBodyFraming(head);
    String expect = head.headers.get("Expect");
    if (expect != null && !expect.equalsIgnoreCase("100-continue")) {
      throw new ProtocolException(417, "unsupported Expect: " + expect);
    }
  }

  private void checkResponseFraming(Head head) throws ProtocolException {
    checkBodyFraming(head);
  }

  private void checkBodyFraming(Head head) throws ProtocolException {
    boolean hasTe = head.headers.contains("Transfer-Encoding");
    boolean hasCl = head.headers.contains("Content-Length");
    if (hasTe && hasCl) {
      throw new ProtocolException(400, "both Content-Length and Transfer-Encoding");
    }
    if (hasTe) {
      if (head.minor == 0) {
        // RFC 9112 section 6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
        throw new ProtocolException(400, "Transfer-Encoding in an HTTP/1.0 message");
      }
      if (head.headers.count("Transfer-Encoding") != 1 || !head.headers.get("Transfer-Encoding").equalsIgnoreCase("chunked")) {
        throw new ProtocolException(501, "unsupported Transfer-Encoding: " + head.headers.values("Transfer-Encoding"));
      }
      head.chunked = true;
    } else if (hasCl) {
      String first = null;
      for (String v : head.headers.values("Content-Length")) {
        if (first != null && !first.equals(v)) {
          throw new ProtocolException(400, "differing Content-Length values");
        }
        first = v;
      }
      head.contentLength = parseContentLength(first);
    }
  }

  /** Content-Length = 1*DIGIT, no sign, no list, fits a long. */
  public static long parseContentLength(String v) throws ProtocolException {
    if (v.isEmpty() || v.length() > 18) {
      throw new ProtocolException(400, "invalid Content-Length: \"" + v + "\"");
    }
    long n = 0;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        throw new ProtocolException(400, "invalid Content-Length: \"" + v + "\"");
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  // ---------------------------------------------------------------- body reading

  /** Reads up to {@code len} body bytes (buffered first). Returns -1 at EOF of the connection. */
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    int avail = lim - pos;
    if (avail > 0) {
      int n = Math.min(avail, len);
      System.arraycopy(buf, pos, b, off, n);
      pos += n;
      return n;
    }
    if (len >= buf.length) {
      return in.read(b, off, len); // large reads bypass the buffer
    }
    if (fill(0) <= 0) {
      return -1;
    }
    int n = Math.min(lim - pos, len);
    System.arraycopy(buf, pos, b, off, n);
    pos += n;
    return n;
  }

  /**
   * Reads one chunk-size line and returns the size, charging extension bytes to {@code budget}
   * (an array of one int, decremented). RFC 9112 section 7.1.
   */
  public long readChunkSize(int[] budget) throws IOException {
    int lineStart = pos;
    int scan = pos;
    while (true) {
      while (scan < lim && buf[scan] != '\n') scan++;
      if (scan < lim) {
        break;
      }
      if (scan - lineStart > budget[0] + 32) {
        throw new ProtocolException(400, "chunk line too long");
      }
      int oldPos = pos;
      if (fill(lim - pos, CHUNK_EXTENSION_BUDGET + 64) <= 0) {
        throw new EOFException("connection closed inside a chunk line");
      }
      int shift = oldPos - pos;
      scan -= shift;
      lineStart -= shift;
    }
    int lf = scan;
    if (lf == lineStart || buf[lf - 1] != '\r') {
      throw new ProtocolException(400, "bare LF in chunk line");
    }
    int end = lf - 1;
    long size = 0;
    int i = lineStart;
    int digits = 0;
    while (i < end) {
      int d = hex(buf[i]);
      if (d < 0) {
        break;
      }
      if (++digits > 16 || (size >>> 59) != 0) {
        throw new ProtocolException(400, "chunk size too large");
      }
      size = (size << 4) | d;
      i++;
    }
    if (digits == 0) {
      throw new ProtocolException(400, "invalid chunk size line");
    }
    if (i < end) {
      // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ); validated, then skipped within a budget.
      checkChunkExtensions(i, end);
      budget[0] -= end - i;
      if (budget[0] < 0) {
        throw new ProtocolException(400, "chunk extensions exceed " + CHUNK_EXTENSION_BUDGET + " bytes");
      }
    }
    pos = lf + 1;
    return size;
  }

  /**
   * Validates {@code *( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )} in [i, end)
   * (RFC 9112 section 7.1.1): an empty name or value and an unterminated quoted-string are errors.
   */
  private void checkChunkExtensions(int i, int end) throws ProtocolException {
    while (i < end) {
      i = skipBws(i, end);
      if (i >= end || buf[i] != ';') {
        throw new ProtocolException(400, "invalid chunk size line");
      }
      i = skipBws(i + 1, end);
      int name = i;
      while (i < end && TOKEN[buf[i] & 0xff]) i++;
      if (i == name) {
        throw new ProtocolException(400, "invalid chunk extension name");
      }
      i = skipBws(i, end);
      if (i < end && buf[i] == '=') {
        i = skipBws(i + 1, end);
        if (i < end && buf[i] == '"') {
          i = quotedStringEnd(i + 1, end);
        } else {
          int value = i;
          while (i < end && TOKEN[buf[i] & 0xff]) i++;
          if (i == value) {
            throw new ProtocolException(400, "invalid chunk extension value");
          }
        }
      }
    }
  }

  /** Index just past the closing quote of a quoted-string whose content starts at {@code i}. */
  private int quotedStringEnd(int i, int end) throws ProtocolException {
    while (i < end) {
      int c = buf[i] & 0xff;
      if (c == '"') {
        return i + 1;
      }
      if (c == '\\') {
        i++; // quoted-pair: the next byte is taken literally, but must not be a control character
        c = i < end ? buf[i] & 0xff : 0;
      }
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw new ProtocolException(400, "control character in chunk extension");
      }
      i++;
    }
    throw new ProtocolException(400, "unterminated quoted-string in chunk extension");
  }

  private int skipBws(int i, int end) {
    while (i < end && (buf[i] == ' ' || buf[i] == '\t')) i++;
    return i;
  }

  /** Consumes the CRLF after chunk data. */
  public void readChunkEnd() throws IOException {
    while (lim - pos < 2) {
      if (fill(lim - pos, buf.length) <= 0) {
        throw new EOFException("connection closed after chunk data");
      }
    }
    if (buf[pos] != '\r' || buf[pos + 1] != '\n') {
      throw new ProtocolException(400, "chunk data not followed by CRLF");
    }
    pos += 2;
  }

  /** Reads the trailer section after the last chunk, validating it like header fields; discards it. */
  public void readTrailers(int maxBytes) throws IOException {
    while (lim - pos < 2) {
      if (fill(lim - pos, buf.length) <= 0) {
        throw new EOFException("connection closed before the end of the chunked body");
      }
    }
    if (buf[pos] == '\r' && buf[pos + 1] == '\n') {
      pos += 2;
      return;
    }
    int end = scanHead(maxBytes, false);
    Head trailers = new Head();
    parseFields(trailers, pos, end);
    pos = end;
  }

  // ---------------------------------------------------------------- buffer

  /**
   * Reads more bytes, keeping the {@code keep} unconsumed bytes from {@code pos} (moved to the
   * start of the buffer if needed); the buffer grows up to {@code maxSize}. Returns bytes read or -1.
   */
  private int fill(int keep, int maxSize) throws IOException {
    if (pos > 0 && lim == buf.length) {
      System.arraycopy(buf, pos, buf, 0, lim - pos);
      lim -= pos;
      pos = 0;
    }
    if (lim == buf.length && buf.length < maxSize) {
      buf = Arrays.copyOf(buf, Math.min(Math.max(buf.length * 2, 1024), Math.max(maxSize, buf.length)));
    }
    if (lim == buf.length) {
      return 0; // full; callers check their limits before asking again
    }
    int n = in.read(buf, lim, buf.length - lim);
    if (n > 0) {
      lim += n;
    }
    return n;
  }

  private int fill(int keep) throws IOException {
    if (pos == lim) {
      pos = 0;
      lim = 0;
    }
    return fill(keep, buf.length);
  }

  private int indexOf(char c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (buf[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private boolean digit(int i) {
    return buf[i] >= '0' && buf[i] <= '9';
  }

  private static int hex(byte c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  private String latin1(int from, int to) {
    return new String(buf, from, to - from, StandardCharsets.ISO_8859_1);
  }

  private String printable(int from, int to) {
    StringBuilder sb = new StringBuilder();
    for (int i = from; i < Math.min(to, from + 64); i++) {
      int c = buf[i] & 0xff;
      sb.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
    }
    return "\"" + sb + "\"";
  }
}
