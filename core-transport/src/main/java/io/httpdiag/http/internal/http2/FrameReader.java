package io.httpdiag.http.internal.http2;

import static io.httpdiag.http.internal.http2.ErrorCode.ENHANCE_YOUR_CALM;
import static io.httpdiag.http.internal.http2.ErrorCode.FLOW_CONTROL_ERROR;
import static io.httpdiag.http.internal.http2.ErrorCode.FRAME_SIZE_ERROR;
import static io.httpdiag.http.internal.http2.ErrorCode.PROTOCOL_ERROR;
import static io.httpdiag.http.internal.http2.Http2Exception.connectionError;
import static io.httpdiag.http.internal.http2.Http2Exception.streamError;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads HTTP/2 frames (RFC 9113 sections 4 and 6) and enforces every rule that needs no stream
 * state: frame sizes, stream-0 rules, padding, SETTINGS values, zero WINDOW_UPDATE increments and
 * CONTINUATION sequencing. Each violation is an {@link Http2Exception} with the code the RFC names.
 *
 * <p>Bounded: a payload is allocated only after its length was checked against
 * SETTINGS_MAX_FRAME_SIZE, and a field block (HEADERS or PUSH_PROMISE plus CONTINUATION frames)
 * is refused with ENHANCE_YOUR_CALM as soon as its next fragment would take it past
 * {@code maxFieldBlockBytes}, before that fragment is read (CVE-2024-27316, the CONTINUATION
 * flood). Empty CONTINUATION frames are capped as well, since they cost work but no bytes.
 *
 * <p>Not thread-safe: one reader per connection, used by the connection's reading thread.
 */
public final class FrameReader {
  /** Empty CONTINUATION frames accepted in one field block; a peer has no reason to send any. */
  static final int MAX_EMPTY_CONTINUATIONS = 8;

  private final InputStream in;
  private final int maxFieldBlockBytes;
  private final boolean pushAllowed;
  private final byte[] header = new byte[Http2.FRAME_HEADER_LENGTH];
  private final byte[] scratch = new byte[8];
  private int maxFrameSize = Http2.DEFAULT_MAX_FRAME_SIZE;
  private Runnable fieldBlockContinues; // may be null

  /**
   * @param maxFieldBlockBytes largest encoded field block accepted, across CONTINUATION frames
   * @param pushAllowed whether PUSH_PROMISE may arrive: false on a server (a client cannot push,
   *     section 8.4) and on a client that sent SETTINGS_ENABLE_PUSH 0; then it is a PROTOCOL_ERROR
   */
  public FrameReader(InputStream in, int maxFieldBlockBytes, boolean pushAllowed) {
    if (maxFieldBlockBytes <= 0) {
      throw new IllegalArgumentException("maxFieldBlockBytes <= 0: " + maxFieldBlockBytes);
    }
    this.in = in;
    this.maxFieldBlockBytes = maxFieldBlockBytes;
    this.pushAllowed = pushAllowed;
  }

  /**
   * The largest frame payload accepted: our SETTINGS_MAX_FRAME_SIZE, to be raised only once the
   * peer acknowledged the SETTINGS frame that announced it. Default 16384.
   */
  public void maxFrameSize(int size) {
    if (size < Http2.DEFAULT_MAX_FRAME_SIZE || size > Http2.MAX_MAX_FRAME_SIZE) {
      throw new IllegalArgumentException("maxFrameSize out of range: " + size);
    }
    this.maxFrameSize = size;
  }

  /**
   * Called (on the reading thread) when a HEADERS or PUSH_PROMISE frame without END_HEADERS was
   * read, before waiting for its CONTINUATION frames: a server arms its header deadline here, since
   * a field block left open blocks every other frame (section 6.10). Null for none.
   */
  public void onFieldBlockContinues(Runnable callback) {
    this.fieldBlockContinues = callback;
  }

  /**
   * Reads and validates the next frame. Returns null when the stream ends cleanly between frames;
   * an end inside a frame is an {@link EOFException}. After a stream error the frame was consumed
   * whole and reading may go on; after a connection error it must not.
   */
  public Frame readFrame() throws IOException {
    if (!readHeader(true)) {
      return null;
    }
    int length = length();
    int type = header[3] & 0xff;
    int flags = header[4] & 0xff;
    int streamId = streamId();
    switch (type) {
      case Frame.TYPE_DATA:
        return readData(length, flags, streamId);
      case Frame.TYPE_HEADERS:
        return readHeaders(length, flags, streamId);
      case Frame.TYPE_PRIORITY:
        return readPriority(length, streamId);
      case Frame.TYPE_RST_STREAM:
        requireStream(streamId, "RST_STREAM");
        requireLength(length, 4, "RST_STREAM");
        readFully(scratch, 4);
        return new Frame.RstStream(streamId, getInt(scratch, 0));
      case Frame.TYPE_SETTINGS:
        return readSettings(length, flags, streamId);
      case Frame.TYPE_PUSH_PROMISE:
        return readPushPromise(length, flags, streamId);
      case Frame.TYPE_PING:
        requireConnection(streamId, "PING");
        requireLength(length, 8, "PING");
        readFully(scratch, 8);
        return new Frame.Ping((flags & Frame.FLAG_ACK) != 0, ((long) getInt(scratch, 0) << 32) | (getInt(scratch, 4) & 0xffffffffL));
      case Frame.TYPE_GOAWAY:
        return readGoAway(length, streamId);
      case Frame.TYPE_WINDOW_UPDATE:
        return readWindowUpdate(length, streamId);
      case Frame.TYPE_CONTINUATION:
        throw connectionError(PROTOCOL_ERROR, "CONTINUATION on stream " + streamId + " without HEADERS before it");
      default:
        skip(length);
        return new Frame.Unknown(streamId, type, flags, length);
    }
  }

  private Frame readData(int length, int flags, int streamId) throws IOException {
    requireStream(streamId, "DATA");
    byte[] payload = readPayload(length);
    int padding = padding(payload, flags, 0, "DATA");
    int offset = (flags & Frame.FLAG_PADDED) != 0 ? 1 : 0;
    return new Frame.Data(streamId, (flags & Frame.FLAG_END_STREAM) != 0, payload, offset,
        length - offset - padding, length);
  }

  private Frame readHeaders(int length, int flags, int streamId) throws IOException {
    requireStream(streamId, "HEADERS");
    boolean hasPriority = (flags & Frame.FLAG_PRIORITY) != 0;
    byte[] payload = readPayload(length);
    int padding = padding(payload, flags, hasPriority ? 5 : 0, "HEADERS");
    int pos = (flags & Frame.FLAG_PADDED) != 0 ? 1 : 0;
    Frame.Priority priority = null;
    if (hasPriority) {
      // A stream depending on itself is a stream error (section 5.3.1); the connection checks it
      // after decoding the field block, which must be decoded anyway to keep HPACK in step.
      priority = priority(payload, pos);
      pos += 5;
    }
    byte[] block = fieldBlock(payload, pos, length - pos - padding, flags, streamId);
    return new Frame.Headers(streamId, (flags & Frame.FLAG_END_STREAM) != 0, priority, block);
  }

  private Frame readPriority(int length, int streamId) throws IOException {
    requireStream(streamId, "PRIORITY");
    if (length != 5) {
      skip(length);
      throw streamError(streamId, FRAME_SIZE_ERROR, "PRIORITY of " + length + " bytes, not 5");
    }
    readFully(scratch, 5);
    Frame.Priority priority = priority(scratch, 0);
    if (priority.streamDependency() == streamId) {
      throw streamError(streamId, PROTOCOL_ERROR, "stream " + streamId + " depends on itself");
    }
    return new Frame.PriorityFrame(streamId, priority);
  }

  private Frame readSettings(int length, int flags, int streamId) throws IOException {
    requireConnection(streamId, "SETTINGS");
    boolean ack = (flags & Frame.FLAG_ACK) != 0;
    if (ack && length != 0) {
      throw connectionError(FRAME_SIZE_ERROR, "SETTINGS ACK with a " + length + "-byte payload");
    }
    if (length % 6 != 0) {
      throw connectionError(FRAME_SIZE_ERROR, "SETTINGS of " + length + " bytes, not a multiple of 6");
    }
    if (ack) {
      return new Frame.Settings(true, List.of());
    }
    List<Frame.Setting> values = new ArrayList<>(length / 6);
    for (int i = 0; i < length; i += 6) {
      readFully(scratch, 6);
      int id = ((scratch[0] & 0xff) << 8) | (scratch[1] & 0xff);
      long value = getInt(scratch, 2) & 0xffffffffL;
      checkSetting(id, value);
      values.add(new Frame.Setting(id, value));
    }
    return new Frame.Settings(false, List.copyOf(values));
  }

  private static void checkSetting(int id, long value) throws Http2Exception {
    switch (id) {
      case Frame.Setting.ENABLE_PUSH:
        if (value > 1) {
          throw connectionError(PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH " + value + ", not 0 or 1");
        }
        break;
      case Frame.Setting.INITIAL_WINDOW_SIZE:
        if (value > Http2.MAX_WINDOW_SIZE) {
          throw connectionError(FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE " + value + " > 2^31-1");
        }
        break;
      case Frame.Setting.MAX_FRAME_SIZE:
        if (value < Http2.DEFAULT_MAX_FRAME_SIZE || value > Http2.MAX_MAX_FRAME_SIZE) {
          throw connectionError(PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE " + value + " outside 2^14..2^24-1");
        }
        break;
      default:
        break; // the others take any 32-bit value; unknown ids are ignored (section 6.5.2)
    }
  }

  private Frame readPushPromise(int length, int flags, int streamId) throws IOException {
    if (!pushAllowed) {
      throw connectionError(PROTOCOL_ERROR, "PUSH_PROMISE on stream " + streamId + " but push is not enabled");
    }
    requireStream(streamId, "PUSH_PROMISE");
    byte[] payload = readPayload(length);
    int padding = padding(payload, flags, 4, "PUSH_PROMISE");
    int pos = (flags & Frame.FLAG_PADDED) != 0 ? 1 : 0;
    int promised = getInt(payload, pos) & 0x7fffffff;
    pos += 4;
    byte[] block = fieldBlock(payload, pos, length - pos - padding, flags, streamId);
    return new Frame.PushPromise(streamId, promised, block);
  }

  private Frame readGoAway(int length, int streamId) throws IOException {
    requireConnection(streamId, "GOAWAY");
    if (length < 8) {
      throw connectionError(FRAME_SIZE_ERROR, "GOAWAY of " + length + " bytes, less than 8");
    }
    byte[] payload = readPayload(length);
    return new Frame.GoAway(getInt(payload, 0) & 0x7fffffff, getInt(payload, 4), Arrays.copyOfRange(payload, 8, length));
  }

  private Frame readWindowUpdate(int length, int streamId) throws IOException {
    requireLength(length, 4, "WINDOW_UPDATE");
    readFully(scratch, 4);
    int increment = getInt(scratch, 0) & 0x7fffffff;
    if (increment == 0) {
      if (streamId == 0) {
        throw connectionError(PROTOCOL_ERROR, "WINDOW_UPDATE with increment 0 on the connection");
      }
      throw streamError(streamId, PROTOCOL_ERROR, "WINDOW_UPDATE with increment 0 on stream " + streamId);
    }
    return new Frame.WindowUpdate(streamId, increment);
  }

  /**
   * The field block starting in {@code payload[pos, pos+len)}, with the fragments of the
   * CONTINUATION frames that must follow until END_HEADERS (section 6.10: no other frame may come
   * in between).
   */
  private byte[] fieldBlock(byte[] payload, int pos, int len, int flags, int streamId) throws IOException {
    if (len > maxFieldBlockBytes) {
      throw tooLarge(streamId, len);
    }
    byte[] block = Arrays.copyOfRange(payload, pos, pos + len);
    int size = len;
    int empty = 0;
    if ((flags & Frame.FLAG_END_HEADERS) == 0 && fieldBlockContinues != null) {
      fieldBlockContinues.run();
    }
    while ((flags & Frame.FLAG_END_HEADERS) == 0) {
      if (!readHeader(false)) {
        throw new EOFException("connection ended inside the field block of stream " + streamId);
      }
      int type = header[3] & 0xff;
      int fragmentLength = length();
      if (type != Frame.TYPE_CONTINUATION || streamId() != streamId) {
        throw connectionError(PROTOCOL_ERROR, "frame type " + type + " on stream " + streamId()
            + " inside the field block of stream " + streamId + " (CONTINUATION expected)");
      }
      flags = header[4] & 0xff;
      if (fragmentLength > maxFieldBlockBytes - size) {
        throw tooLarge(streamId, (long) size + fragmentLength);
      }
      if (fragmentLength == 0 && (flags & Frame.FLAG_END_HEADERS) == 0 && ++empty > MAX_EMPTY_CONTINUATIONS) {
        throw connectionError(ENHANCE_YOUR_CALM, "more than " + MAX_EMPTY_CONTINUATIONS
            + " empty CONTINUATION frames on stream " + streamId);
      }
      if (size + fragmentLength > block.length) {
        block = Arrays.copyOf(block, (int) Math.min(maxFieldBlockBytes, Math.max((long) block.length * 2, size + fragmentLength)));
      }
      readFully(block, size, fragmentLength);
      size += fragmentLength;
    }
    return size == block.length ? block : Arrays.copyOf(block, size);
  }

  private Http2Exception tooLarge(int streamId, long size) {
    return connectionError(ENHANCE_YOUR_CALM, "field block of stream " + streamId + " exceeds " + maxFieldBlockBytes
        + " bytes (" + size + " so far)");
  }

  /**
   * The pad length of a frame with the PADDED flag (0 without it), checked against the payload:
   * padding that leaves no room for the pad-length octet and {@code fixed} bytes of fields is a
   * PROTOCOL_ERROR (sections 6.1, 6.2, 6.6).
   */
  private static int padding(byte[] payload, int flags, int fixed, String frame) throws Http2Exception {
    int prefix = (flags & Frame.FLAG_PADDED) != 0 ? 1 : 0;
    if (payload.length < prefix + fixed) {
      throw connectionError(FRAME_SIZE_ERROR, frame + " of " + payload.length + " bytes is too short for its fields");
    }
    if (prefix == 0) {
      return 0;
    }
    int padLength = payload[0] & 0xff;
    if (padLength > payload.length - 1 - fixed) {
      throw connectionError(PROTOCOL_ERROR, frame + " padding of " + padLength + " bytes in a "
          + payload.length + "-byte payload");
    }
    return padLength;
  }

  private static Frame.Priority priority(byte[] b, int pos) {
    int word = getInt(b, pos);
    return new Frame.Priority(word & 0x7fffffff, word < 0, (b[pos + 4] & 0xff) + 1);
  }

  private static void requireStream(int streamId, String frame) throws Http2Exception {
    if (streamId == 0) {
      throw connectionError(PROTOCOL_ERROR, frame + " on stream 0");
    }
  }

  private static void requireConnection(int streamId, String frame) throws Http2Exception {
    if (streamId != 0) {
      throw connectionError(PROTOCOL_ERROR, frame + " on stream " + streamId + ", not 0");
    }
  }

  private static void requireLength(int length, int expected, String frame) throws Http2Exception {
    if (length != expected) {
      throw connectionError(FRAME_SIZE_ERROR, frame + " of " + length + " bytes, not " + expected);
    }
  }

  /** Reads the 9-byte frame header and checks the length. False at a clean end of stream, if allowed. */
  private boolean readHeader(boolean endAllowed) throws IOException {
    int n = 0;
    while (n < header.length) {
      int r = in.read(header, n, header.length - n);
      if (r < 0) {
        if (n == 0 && endAllowed) {
          return false;
        }
        throw new EOFException("connection ended inside a frame header");
      }
      n += r;
    }
    int length = length();
    if (length > maxFrameSize) {
      throw connectionError(FRAME_SIZE_ERROR, "frame of type " + (header[3] & 0xff) + " with a " + length
          + "-byte payload, more than SETTINGS_MAX_FRAME_SIZE " + maxFrameSize);
    }
    return true;
  }

  private int length() {
    return ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
  }

  private int streamId() {
    return getInt(header, 5) & 0x7fffffff; // the reserved bit is ignored (section 4.1)
  }

  /** The payload; {@code length} was checked against maxFrameSize by {@link #readHeader}. */
  private byte[] readPayload(int length) throws IOException {
    byte[] payload = new byte[length];
    readFully(payload, 0, length);
    return payload;
  }

  private void readFully(byte[] b, int len) throws IOException {
    readFully(b, 0, len);
  }

  private void readFully(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int r = in.read(b, off, len);
      if (r < 0) {
        throw new EOFException("connection ended inside a frame payload");
      }
      off += r;
      len -= r;
    }
  }

  private void skip(int length) throws IOException {
    byte[] sink = new byte[Math.min(length, 4096)];
    while (length > 0) {
      int n = Math.min(length, sink.length);
      readFully(sink, n);
      length -= n;
    }
  }

  static int getInt(byte[] b, int pos) {
    return ((b[pos] & 0xff) << 24) | ((b[pos + 1] & 0xff) << 16) | ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
  }
}
