package io.httpdiag.http.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A message body framed by Content-Length, chunked coding, or the end of the connection, read from
 * an {@link HttpReader}. Reports EOF of the body (not of the connection): at EOF the connection is
 * positioned at the next message. A framing error, a truncated body or any I/O error leaves the
 * stream {@link #failed()} and the connection unusable.
 *
 * <p>{@link #close()} does not drain or close anything: the owner decides (the server drains a
 * bounded amount, the client discards the connection, like Go).
 *
 * <p>Not thread-safe.
 */
public final class BodyInputStream extends InputStream {
  private final HttpReader reader;
  private final Framing framing;
  private final long contentLength;
  private final int maxTrailerBytes;
  private long remaining; // FIXED: bytes left; CHUNKED: bytes left in current chunk (-1 before the first)
  private long bytesRead;
  private boolean eof;
  private boolean failed;
  private boolean closed;
  private final int[] extensionBudget = {HttpReader.CHUNK_EXTENSION_BUDGET};
  private byte[] single;
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

  public BodyInputStream(HttpReader reader, Framing framing, long contentLength, int maxTrailerBytes) {
    this.reader = reader;
    this.framing = framing;
    this.contentLength = contentLength;
    this.maxTrailerBytes = maxTrailerBytes;
    this.remaining = framing == Framing.FIXED ? contentLength : framing == Framing.CHUNKED ? -1 : Long.MAX_VALUE;
    this.eof = framing == Framing.FIXED && contentLength == 0;
  }

  /** A body with the framing the head describes; {@code noBody} for HEAD responses, 1xx, 204, 304. */
  public static BodyInputStream forHead(HttpReader reader, Head head, boolean noBody, boolean request,
      int maxTrailerBytes) {
    if (noBody) {
      return new BodyInputStream(reader, Framing.FIXED, 0, maxTrailerBytes);
    }
    if (head.chunked) {
      return new BodyInputStream(reader, Framing.CHUNKED, -1, maxTrailerBytes);
    }
    if (head.contentLength >= 0) {
      return new BodyInputStream(reader, Framing.FIXED, head.contentLength, maxTrailerBytes);
    }
    // A request without framing has no body (RFC 9112 section 6.3); a response runs to the close.
    return request ? new BodyInputStream(reader, Framing.FIXED, 0, maxTrailerBytes)
        : new BodyInputStream(reader, Framing.UNTIL_CLOSE, -1, maxTrailerBytes);
  }

  @Override
  public int read() throws IOException {
    if (single == null) {
      single = new byte[1];
    }
    int n = read(single, 0, 1);
    return n <= 0 ? -1 : single[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("body closed");
    }
    if (failed) {
      throw new IOException("body unreadable after an earlier error");
    }
    if (eof) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    try {
      return framing == Framing.CHUNKED ? readChunked(b, off, len) : readPlain(b, off, len);
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
  }

  private int readPlain(byte[] b, int off, int len) throws IOException {
    int n = reader.read(b, off, (int) Math.min(len, remaining));
    if (n < 0) {
      if (framing == Framing.UNTIL_CLOSE) {
        eof = true;
        return -1;
      }
      throw new EOFException("connection closed after " + bytesRead + " of " + contentLength + " body bytes");
    }
    bytesRead += n;
    remaining -= n;
    if (remaining == 0) {
      eof = true;
    }
    return n;
  }

  private int readChunked(byte[] b, int off, int len) throws IOException {
    if (remaining <= 0) {
      if (remaining == 0) {
        reader.readChunkEnd();
      }
      remaining = reader.readChunkSize(extensionBudget);
      if (remaining == 0) {
        reader.readTrailers(maxTrailerBytes);
        eof = true;
        return -1;
      }
    }
    int n = reader.read(b, off, (int) Math.min(len, remaining));
    if (n < 0) {
      throw new EOFException("connection closed inside chunked body after " + bytesRead + " bytes");
    }
    bytesRead += n;
    remaining -= n;
    return n;
  }

  /**
   * Sized from Content-Length when the length is known: one array of exactly the body's size instead
   * of InputStream's 16 KiB staging buffer plus a copy (the common "read the small JSON reply" case).
   */
  @Override
  public byte[] readAllBytes() throws IOException {
    long left = bytesLeft();
    if (left < 0 || left > MAX_EXACT_ARRAY) {
      return super.readAllBytes();
    }
    return readExactly((int) left, this);
  }

  /** Bytes of a Content-Length body not yet read; -1 when unknown (chunked, until close) or unusable. */
  public long bytesLeft() {
    if (framing != Framing.FIXED || closed || failed) {
      return -1;
    }
    return eof ? 0 : remaining;
  }

  /** Largest body {@link #readAllBytes} reads into one exact array; longer ones go through the JDK's loop. */
  public static final int MAX_EXACT_ARRAY = 64 << 20;

  /**
   * Reads the {@code n} bytes left of a Content-Length body through {@code in}'s own read, so its
   * bookkeeping (end of body, connection release) runs as for any read. A zero-length read still
   * goes through once for that reason.
   */
  public static byte[] readExactly(int n, InputStream in) throws IOException {
    byte[] b = new byte[n];
    int off = 0;
    do {
      int r = in.read(b, off, n - off);
      if (r < 0) {
        return off == n ? b : java.util.Arrays.copyOf(b, off);
      }
      off += r;
    } while (off < n);
    return b;
  }

  @Override
  public int available() {
    if (eof || failed || closed) {
      return 0;
    }
    return (int) Math.min(reader.buffered(), framing == Framing.CHUNKED ? Math.max(remaining, 0) : remaining);
  }

  /**
   * Reads and discards up to {@code limit} more bytes. Returns true if the body ended within it
   * (the connection can be reused), false otherwise. Never throws: an error returns false.
   */
  public boolean drain(long limit) {
    if (eof) {
      return true;
    }
    if (failed || closed) {
      return false;
    }
    byte[] scratch = new byte[(int) Math.min(8192, Math.max(limit, 1))];
    long budget = limit;
    try {
      while (budget >= 0) {
        int n = read(scratch, 0, scratch.length);
        if (n < 0) {
          return true;
        }
        budget -= n;
      }
      return eof;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Consumes the rest of the body if every byte of it is already buffered, without blocking, and
   * returns whether the body ended: Go's early EOF when a chunked body's last chunk has arrived. A
   * chunked body qualifies only when it ends with a bare "0" chunk and no trailers. Never throws.
   */
  public boolean drainBuffered() {
    if (eof) {
      return true;
    }
    if (failed || closed || framing == Framing.UNTIL_CLOSE) {
      return false;
    }
    long rest = Math.max(remaining, 0);
    if (framing == Framing.FIXED) {
      return rest <= reader.buffered() && drain(rest);
    }
    // Framing.CHUNKED: [rest of this chunk's data] [CRLF unless before the first chunk] "0" CRLF CRLF
    int at = (int) Math.min(rest, Integer.MAX_VALUE);
    if (remaining >= 0) {
      if (!reader.bufferedMatches(at, CRLF)) {
        return false;
      }
      at += 2;
    }
    return reader.bufferedMatches(at, LAST_CHUNK) && drain(Long.MAX_VALUE);
  }

  /** Whether every byte of the body was read (the next message can follow on the connection). */
  public boolean eof() {
    return eof;
  }

  public boolean failed() {
    return failed;
  }

  public long bytesRead() {
    return bytesRead;
  }

  /** The declared length, or -1 when chunked or delimited by close. */
  public long contentLength() {
    return contentLength;
  }

  /** Whether the body ends only when the connection closes. */
  public boolean untilClose() {
    return framing == Framing.UNTIL_CLOSE;
  }

  @Override
  public void close() {
    closed = true;
  }

  /** How the body's end is found (RFC 9112 section 6.3). */
  public enum Framing {
    /** Content-Length bytes. */
    FIXED,
    /** Transfer-Encoding: chunked. */
    CHUNKED,
    /** A response without framing: the body runs to the connection's close. */
    UNTIL_CLOSE
  }
}
