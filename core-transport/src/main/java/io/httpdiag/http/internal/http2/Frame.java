package io.httpdiag.http.internal.http2;

import java.util.List;

/**
 * One HTTP/2 frame as {@link FrameReader} returns it (RFC 9113 section 6). Field blocks arrive
 * whole: a HEADERS or PUSH_PROMISE frame carries its CONTINUATION frames' fragments too. Padding
 * is stripped. Immutable, except that byte arrays are handed over without copying.
 */
public sealed interface Frame {
  int TYPE_DATA = 0x0;
  int TYPE_HEADERS = 0x1;
  int TYPE_PRIORITY = 0x2;
  int TYPE_RST_STREAM = 0x3;
  int TYPE_SETTINGS = 0x4;
  int TYPE_PUSH_PROMISE = 0x5;
  int TYPE_PING = 0x6;
  int TYPE_GOAWAY = 0x7;
  int TYPE_WINDOW_UPDATE = 0x8;
  int TYPE_CONTINUATION = 0x9;

  int FLAG_END_STREAM = 0x1;
  int FLAG_ACK = 0x1;
  int FLAG_END_HEADERS = 0x4;
  int FLAG_PADDED = 0x8;
  int FLAG_PRIORITY = 0x20;

  /** The stream the frame belongs to; zero for the connection. */
  int streamId();

  /**
   * DATA. The body bytes are {@code data[offset, offset+length)}; {@code flowControlledLength} is
   * the whole frame payload, padding included, which is what flow control counts (section 6.1).
   */
  record Data(int streamId, boolean endStream, byte[] data, int offset, int length, int flowControlledLength)
      implements Frame {}

  /** HEADERS with its whole field block (still HPACK-encoded); {@code priority} null when absent. */
  record Headers(int streamId, boolean endStream, Priority priority, byte[] fieldBlock) implements Frame {}

  /** PRIORITY (deprecated by RFC 9113 but still parsed and validated). */
  record PriorityFrame(int streamId, Priority priority) implements Frame {}

  /** RST_STREAM; {@code errorCode} may be a value {@link ErrorCode} does not know. */
  record RstStream(int streamId, int errorCode) implements Frame {}

  /** SETTINGS; an ACK has no values. Values are validated (section 6.5.2); unknown ids are kept. */
  record Settings(boolean ack, List<Setting> values) implements Frame {
    @Override
    public int streamId() {
      return 0;
    }
  }

  /** PUSH_PROMISE with its whole field block; only a client that enabled push ever gets one. */
  record PushPromise(int streamId, int promisedStreamId, byte[] fieldBlock) implements Frame {}

  /** PING with its 8 opaque bytes as a long. */
  record Ping(boolean ack, long opaque) implements Frame {
    @Override
    public int streamId() {
      return 0;
    }
  }

  /** GOAWAY; {@code debugData} is whatever the peer sent, possibly empty. */
  record GoAway(int lastStreamId, int errorCode, byte[] debugData) implements Frame {
    @Override
    public int streamId() {
      return 0;
    }
  }

  /** WINDOW_UPDATE; {@code increment} is 1 to 2^31-1. */
  record WindowUpdate(int streamId, int increment) implements Frame {}

  /** A frame of a type RFC 9113 does not define: its payload was skipped (section 4.1 says ignore it). */
  record Unknown(int streamId, int type, int flags, int length) implements Frame {}

  /** Priority fields of HEADERS and PRIORITY; {@code weight} is 1 to 256. */
  record Priority(int streamDependency, boolean exclusive, int weight) {}

  /** One SETTINGS parameter; {@code value} is the unsigned 32-bit wire value. */
  record Setting(int id, long value) {
    public static final int HEADER_TABLE_SIZE = 0x1;
    public static final int ENABLE_PUSH = 0x2;
    public static final int MAX_CONCURRENT_STREAMS = 0x3;
    public static final int INITIAL_WINDOW_SIZE = 0x4;
    public static final int MAX_FRAME_SIZE = 0x5;
    public static final int MAX_HEADER_LIST_SIZE = 0x6;
  }
}
