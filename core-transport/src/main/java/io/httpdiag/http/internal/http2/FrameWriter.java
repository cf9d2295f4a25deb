package io.httpdiag.http.internal.http2;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Writes HTTP/2 frames (RFC 9113 section 6) to a stream, without padding. A field block longer
 * than the peer's SETTINGS_MAX_FRAME_SIZE is split into HEADERS (or PUSH_PROMISE) and
 * CONTINUATION frames written back to back, as section 6.10 requires.
 *
 * <p>Writes go to {@code out} as they are made; wrap it in a buffer and call {@link #flush()}.
 * Not thread-safe: the connection serializes writers (frames of one field block must not be
 * interleaved with anything).
 */
public final class FrameWriter {
  private final OutputStream out;
  private final byte[] header = new byte[Http2.FRAME_HEADER_LENGTH];
  private final byte[] scratch = new byte[8];
  private int maxFrameSize = Http2.DEFAULT_MAX_FRAME_SIZE;

  public FrameWriter(OutputStream out) {
    this.out = out;
  }

  /** The peer's SETTINGS_MAX_FRAME_SIZE: the largest payload written from now on. Default 16384. */
  public void maxFrameSize(int size) {
    if (size < Http2.DEFAULT_MAX_FRAME_SIZE || size > Http2.MAX_MAX_FRAME_SIZE) {
      throw new IllegalArgumentException("maxFrameSize out of range: " + size);
    }
    this.maxFrameSize = size;
  }

  public int maxFrameSize() {
    return maxFrameSize;
  }

  /** Writes the client connection preface (section 3.4); the client's SETTINGS must follow. */
  public void writePreface() throws IOException {
    out.write(Http2.CLIENT_PREFACE);
  }

  /** DATA of at most {@link #maxFrameSize()} bytes; flow control is the caller's business. */
  public void data(int streamId, boolean endStream, byte[] b, int off, int len) throws IOException {
    checkStream(streamId);
    if (len > maxFrameSize) {
      throw new IllegalArgumentException("DATA of " + len + " bytes exceeds the frame size " + maxFrameSize);
    }
    frameHeader(len, Frame.TYPE_DATA, endStream ? Frame.FLAG_END_STREAM : 0, streamId);
    out.write(b, off, len);
  }

  /** HEADERS carrying an encoded field block, followed by CONTINUATION frames when it is large. */
  public void headers(int streamId, boolean endStream, byte[] block, int off, int len) throws IOException {
    checkStream(streamId);
    int first = Math.min(len, maxFrameSize);
    int flags = (endStream ? Frame.FLAG_END_STREAM : 0) | (first == len ? Frame.FLAG_END_HEADERS : 0);
    frameHeader(first, Frame.TYPE_HEADERS, flags, streamId);
    out.write(block, off, first);
    continuations(streamId, block, off + first, len - first);
  }

  /** PUSH_PROMISE promising {@code promisedStreamId}, with CONTINUATION frames when needed. */
  public void pushPromise(int streamId, int promisedStreamId, byte[] block, int off, int len) throws IOException {
    checkStream(streamId);
    checkStream(promisedStreamId);
    int first = Math.min(len, maxFrameSize - 4);
    frameHeader(first + 4, Frame.TYPE_PUSH_PROMISE, first == len ? Frame.FLAG_END_HEADERS : 0, streamId);
    putInt(scratch, 0, promisedStreamId);
    out.write(scratch, 0, 4);
    out.write(block, off, first);
    continuations(streamId, block, off + first, len - first);
  }

  public void priority(int streamId, Frame.Priority priority) throws IOException {
    checkStream(streamId);
    frameHeader(5, Frame.TYPE_PRIORITY, 0, streamId);
    putInt(scratch, 0, priority.streamDependency() | (priority.exclusive() ? 0x80000000 : 0));
    scratch[4] = (byte) (priority.weight() - 1);
    out.write(scratch, 0, 5);
  }

  public void rstStream(int streamId, ErrorCode code) throws IOException {
    checkStream(streamId);
    frameHeader(4, Frame.TYPE_RST_STREAM, 0, streamId);
    putInt(scratch, 0, code.code);
    out.write(scratch, 0, 4);
  }

  /** SETTINGS with these values (in order); values are not validated here. */
  public void settings(List<Frame.Setting> values) throws IOException {
    frameHeader(values.size() * 6, Frame.TYPE_SETTINGS, 0, 0);
    for (Frame.Setting s : values) {
      scratch[0] = (byte) (s.id() >>> 8);
      scratch[1] = (byte) s.id();
      putInt(scratch, 2, (int) s.value());
      out.write(scratch, 0, 6);
    }
  }

  public void settingsAck() throws IOException {
    frameHeader(0, Frame.TYPE_SETTINGS, Frame.FLAG_ACK, 0);
  }

  public void ping(boolean ack, long opaque) throws IOException {
    frameHeader(8, Frame.TYPE_PING, ack ? Frame.FLAG_ACK : 0, 0);
    putInt(scratch, 0, (int) (opaque >>> 32));
    putInt(scratch, 4, (int) opaque);
    out.write(scratch, 0, 8);
  }

  /** GOAWAY; {@code debugData} (may be empty) must fit one frame and must not carry secrets. */
  public void goAway(int lastStreamId, ErrorCode code, byte[] debugData) throws IOException {
    if (8 + debugData.length > maxFrameSize) {
      throw new IllegalArgumentException("GOAWAY debug data of " + debugData.length + " bytes exceeds the frame size");
    }
    frameHeader(8 + debugData.length, Frame.TYPE_GOAWAY, 0, 0);
    putInt(scratch, 0, lastStreamId & 0x7fffffff);
    putInt(scratch, 4, code.code);
    out.write(scratch, 0, 8);
    out.write(debugData);
  }

  /** WINDOW_UPDATE of 1 to 2^31-1 bytes for a stream, or for the connection with stream 0. */
  public void windowUpdate(int streamId, int increment) throws IOException {
    if (streamId < 0 || increment <= 0) {
      throw new IllegalArgumentException("WINDOW_UPDATE stream " + streamId + " increment " + increment);
    }
    frameHeader(4, Frame.TYPE_WINDOW_UPDATE, 0, streamId);
    putInt(scratch, 0, increment);
    out.write(scratch, 0, 4);
  }

  /** A frame header of any type; the caller writes exactly {@code length} payload bytes next. */
  public void frameHeader(int length, int type, int flags, int streamId) throws IOException {
    header[0] = (byte) (length >>> 16);
    header[1] = (byte) (length >>> 8);
    header[2] = (byte) length;
    header[3] = (byte) type;
    header[4] = (byte) flags;
    putInt(header, 5, streamId & 0x7fffffff);
    out.write(header);
  }

  /** The raw stream, for a payload after {@link #frameHeader}. */
  public OutputStream out() {
    return out;
  }

  public void flush() throws IOException {
    out.flush();
  }

  private void continuations(int streamId, byte[] block, int off, int len) throws IOException {
    while (len > 0) {
      int n = Math.min(len, maxFrameSize);
      frameHeader(n, Frame.TYPE_CONTINUATION, n == len ? Frame.FLAG_END_HEADERS : 0, streamId);
      out.write(block, off, n);
      off += n;
      len -= n;
    }
  }

  private static void checkStream(int streamId) {
    if (streamId <= 0) {
      throw new IllegalArgumentException("stream id must be positive: " + streamId);
    }
  }

  private static void putInt(byte[] b, int pos, int v) {
    b[pos] = (byte) (v >>> 24);
    b[pos + 1] = (byte) (v >>> 16);
    b[pos + 2] = (byte) (v >>> 8);
    b[pos + 3] = (byte) v;
  }
}
