package io.httpdiag.http.internal.http2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The frame layer against RFC 9113 sections 4 and 6: every frame type written and read back, and
 * every error the sections name, with its code and whether it ends the stream or the connection.
 * Malformed frames are typed as bytes.
 */
class FrameReaderTest {
  private static final int LIMIT = 1 << 16;

  /** A frame header (section 4.1) followed by {@code payload}. */
  static byte[] frame(int length, int type, int flags, int streamId, int... payload) {
    byte[] b = new byte[9 + payload.length];
    b[0] = (byte) (length >>> 16);
    b[1] = (byte) (length >>> 8);
    b[2] = (byte) length;
    b[3] = (byte) type;
    b[4] = (byte) flags;
    b[5] = (byte) (streamId >>> 24);
    b[6] = (byte) (streamId >>> 16);
    b[7] = (byte) (streamId >>> 8);
    b[8] = (byte) streamId;
    for (int i = 0; i < payload.length; i++) {
      b[9 + i] = (byte) payload[i];
    }
    return b;
  }

  /** A frame whose length field matches its payload. */
  static byte[] full(int type, int flags, int streamId, int... payload) {
    return frame(payload.length, type, flags, streamId, payload);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static FrameReader reader(byte[] bytes) {
    return new FrameReader(new ByteArrayInputStream(bytes), LIMIT, false);
  }

  static Frame readOne(byte[] bytes) throws IOException {
    return reader(bytes).readFrame();
  }

  // ------------------------------------------------------------------ round trips

  @Test
  void everyFrameTypeWrittenIsReadBack() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    FrameWriter w = new FrameWriter(buf);
    w.data(1, true, new byte[] {1, 2, 3}, 0, 3);
    w.headers(3, false, new byte[] {(byte) 0x82, (byte) 0x86}, 0, 2);
    w.priority(5, new Frame.Priority(3, true, 256));
    w.rstStream(7, ErrorCode.CANCEL);
    w.settings(List.of(new Frame.Setting(Frame.Setting.MAX_CONCURRENT_STREAMS, 250),
        new Frame.Setting(Frame.Setting.INITIAL_WINDOW_SIZE, Integer.MAX_VALUE),
        new Frame.Setting(Frame.Setting.MAX_HEADER_LIST_SIZE, 0xffffffffL)));
    w.settingsAck();
    w.ping(false, 0x0102030405060708L);
    w.ping(true, -1L);
    w.goAway(9, ErrorCode.ENHANCE_YOUR_CALM, new byte[] {'x'});
    w.windowUpdate(0, Integer.MAX_VALUE);
    w.windowUpdate(1, 1);
    w.pushPromise(1, 2, new byte[] {(byte) 0x82}, 0, 1);
    FrameReader r = new FrameReader(new ByteArrayInputStream(buf.toByteArray()), LIMIT, true);

    Frame.Data data = (Frame.Data) r.readFrame();
    assertEquals(1, data.streamId());
    assertTrue(data.endStream());
    assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOfRange(data.data(), data.offset(), data.offset() + data.length()));
    assertEquals(3, data.flowControlledLength());
    Frame.Headers headers = (Frame.Headers) r.readFrame();
    assertEquals(3, headers.streamId());
    assertFalse(headers.endStream());
    assertNull(headers.priority());
    assertArrayEquals(new byte[] {(byte) 0x82, (byte) 0x86}, headers.fieldBlock());
    assertEquals(new Frame.PriorityFrame(5, new Frame.Priority(3, true, 256)), r.readFrame());
    assertEquals(new Frame.RstStream(7, ErrorCode.CANCEL.code), r.readFrame());
    assertEquals(new Frame.Settings(false, List.of(new Frame.Setting(3, 250), new Frame.Setting(4, Integer.MAX_VALUE),
        new Frame.Setting(6, 0xffffffffL))), r.readFrame());
    assertEquals(new Frame.Settings(true, List.of()), r.readFrame());
    assertEquals(new Frame.Ping(false, 0x0102030405060708L), r.readFrame());
    assertEquals(new Frame.Ping(true, -1L), r.readFrame());
    Frame.GoAway goAway = (Frame.GoAway) r.readFrame();
    assertEquals(9, goAway.lastStreamId());
    assertEquals(ErrorCode.ENHANCE_YOUR_CALM.code, goAway.errorCode());
    assertArrayEquals(new byte[] {'x'}, goAway.debugData());
    assertEquals(new Frame.WindowUpdate(0, Integer.MAX_VALUE), r.readFrame());
    assertEquals(new Frame.WindowUpdate(1, 1), r.readFrame());
    Frame.PushPromise push = (Frame.PushPromise) r.readFrame();
    assertEquals(2, push.promisedStreamId());
    assertArrayEquals(new byte[] {(byte) 0x82}, push.fieldBlock());
    assertNull(r.readFrame(), "a clean end between frames");
  }

  @Test
  void aFieldBlockLargerThanTheFrameSizeIsSplitIntoContinuationsAndReassembled() throws IOException {
    byte[] block = new byte[40_000];
    for (int i = 0; i < block.length; i++) {
      block[i] = (byte) i;
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    FrameWriter w = new FrameWriter(buf);
    w.headers(1, true, block, 0, block.length);
    w.ping(false, 1);
    byte[] wire = buf.toByteArray();
    assertEquals(3 * 9 + 40_000 + 9 + 8, wire.length, "HEADERS + 2 CONTINUATION + PING");
    assertEquals(Frame.TYPE_CONTINUATION, wire[9 + 16384 + 3]);

    FrameReader r = reader(wire);
    Frame.Headers h = (Frame.Headers) r.readFrame();
    assertTrue(h.endStream());
    assertArrayEquals(block, h.fieldBlock());
    assertEquals(new Frame.Ping(false, 1), r.readFrame());
  }

  @Test
  void paddingIsStrippedFromDataAndHeadersAndCountedForFlowControl() throws IOException {
    // DATA, PADDED, pad length 2: "hi" then two zero octets.
    Frame.Data d = (Frame.Data) readOne(full(0, 0x8 | 0x1, 1, 2, 'h', 'i', 0, 0));
    assertEquals("hi", new String(d.data(), d.offset(), d.length(), java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(5, d.flowControlledLength());
    // HEADERS, PADDED|PRIORITY|END_HEADERS, pad 1, exclusive dependency on 3, weight 16, block 0x82.
    Frame.Headers h = (Frame.Headers) readOne(full(1, 0x8 | 0x20 | 0x4, 5, 1, 0x80, 0, 0, 3, 15, 0x82, 0));
    assertEquals(new Frame.Priority(3, true, 16), h.priority());
    assertArrayEquals(new byte[] {(byte) 0x82}, h.fieldBlock());
    // Padding that leaves an empty body is allowed (pad length = payload length - 1).
    Frame.Data empty = (Frame.Data) readOne(full(0, 0x8, 1, 3, 0, 0, 0));
    assertEquals(0, empty.length());
  }

  @Test
  void unknownFrameTypesAreSkippedAndTheNextFrameIsRead() throws IOException {
    FrameReader r = reader(concat(full(0xfa, 0xff, 3, 1, 2, 3, 4), full(6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7)));
    assertEquals(new Frame.Unknown(3, 0xfa, 0xff, 4), r.readFrame());
    assertEquals(new Frame.Ping(false, 7), r.readFrame());
  }

  @Test
  void theReservedBitOfTheStreamIdIsIgnored() throws IOException {
    assertEquals(new Frame.RstStream(1, 8), readOne(full(3, 0, 0x80000001, 0, 0, 0, 8)));
  }

  @Test
  void anEndInsideAFrameIsAnEofNotACleanEnd() {
    assertThrows(EOFException.class, () -> readOne(new byte[] {0, 0, 8, 6}));
    assertThrows(EOFException.class, () -> readOne(frame(8, 6, 0, 0, 1, 2, 3)));
    assertThrows(EOFException.class, () -> readOne(full(1, 0, 1, 0x82)), "HEADERS without END_HEADERS, then the end");
  }

  // ------------------------------------------------------------------ errors

  static Stream<Arguments> connectionErrors() {
    return Stream.of(
        // section 4.2
        Arguments.of("DATA longer than SETTINGS_MAX_FRAME_SIZE", frame(16385, 0, 0, 1), ErrorCode.FRAME_SIZE_ERROR),
        Arguments.of("unknown type longer than SETTINGS_MAX_FRAME_SIZE", frame(1 << 20, 0x20, 0, 0), ErrorCode.FRAME_SIZE_ERROR),
        // section 6.1
        Arguments.of("DATA on stream 0", full(0, 0, 0, 1), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("DATA padding as long as the payload", full(0, 0x8, 1, 3, 0, 0), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("DATA PADDED with an empty payload", full(0, 0x8, 1), ErrorCode.FRAME_SIZE_ERROR),
        // section 6.2
        Arguments.of("HEADERS on stream 0", full(1, 0x4, 0, 0x82), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("HEADERS padding longer than the payload", full(1, 0x4 | 0x8, 1, 5, 0x82), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("HEADERS padding eating the priority fields", full(1, 0x4 | 0x8 | 0x20, 1, 2, 0, 0, 0, 3, 0), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("HEADERS PRIORITY too short for its fields", full(1, 0x4 | 0x20, 1, 0, 0, 3), ErrorCode.FRAME_SIZE_ERROR),
        // section 6.3
        Arguments.of("PRIORITY on stream 0", full(2, 0, 0, 0, 0, 0, 1, 15), ErrorCode.PROTOCOL_ERROR),
        // section 6.4
        Arguments.of("RST_STREAM on stream 0", full(3, 0, 0, 0, 0, 0, 8), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("RST_STREAM of 3 bytes", full(3, 0, 1, 0, 0, 8), ErrorCode.FRAME_SIZE_ERROR),
        Arguments.of("RST_STREAM of 5 bytes", full(3, 0, 1, 0, 0, 0, 8, 0), ErrorCode.FRAME_SIZE_ERROR),
        // section 6.5
        Arguments.of("SETTINGS on stream 1", full(4, 0, 1), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("SETTINGS ACK with a payload", full(4, 0x1, 0, 0, 3, 0, 0, 0, 100), ErrorCode.FRAME_SIZE_ERROR),
        Arguments.of("SETTINGS of 5 bytes", full(4, 0, 0, 0, 3, 0, 0, 0), ErrorCode.FRAME_SIZE_ERROR),
        Arguments.of("SETTINGS_ENABLE_PUSH 2", full(4, 0, 0, 0, 2, 0, 0, 0, 2), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("SETTINGS_INITIAL_WINDOW_SIZE 2^31", full(4, 0, 0, 0, 4, 0x80, 0, 0, 0), ErrorCode.FLOW_CONTROL_ERROR),
        Arguments.of("SETTINGS_MAX_FRAME_SIZE 2^14-1", full(4, 0, 0, 0, 5, 0, 0, 0x3f, 0xff), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("SETTINGS_MAX_FRAME_SIZE 2^24", full(4, 0, 0, 0, 5, 1, 0, 0, 0), ErrorCode.PROTOCOL_ERROR),
        // section 6.6 and 8.4
        Arguments.of("PUSH_PROMISE to a server", full(5, 0x4, 1, 0, 0, 0, 2, 0x82), ErrorCode.PROTOCOL_ERROR),
        // section 6.7
        Arguments.of("PING on stream 1", full(6, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("PING of 7 bytes", full(6, 0, 0, 0, 0, 0, 0, 0, 0, 0), ErrorCode.FRAME_SIZE_ERROR),
        Arguments.of("PING ACK of 9 bytes", full(6, 0x1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), ErrorCode.FRAME_SIZE_ERROR),
        // section 6.8
        Arguments.of("GOAWAY on stream 1", full(7, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("GOAWAY of 7 bytes", full(7, 0, 0, 0, 0, 0, 0, 0, 0, 0), ErrorCode.FRAME_SIZE_ERROR),
        // section 6.9
        Arguments.of("WINDOW_UPDATE of 0 on the connection", full(8, 0, 0, 0, 0, 0, 0), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("WINDOW_UPDATE of 0 with only the reserved bit", full(8, 0, 0, 0x80, 0, 0, 0), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("WINDOW_UPDATE of 3 bytes", full(8, 0, 1, 0, 0, 1), ErrorCode.FRAME_SIZE_ERROR),
        // section 6.10
        Arguments.of("CONTINUATION with no HEADERS before it", full(9, 0x4, 1, 0x82), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("CONTINUATION on another stream", concat(full(1, 0, 1, 0x82), full(9, 0x4, 3, 0x86)), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("another frame inside a field block", concat(full(1, 0, 1, 0x82), full(6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
            ErrorCode.PROTOCOL_ERROR),
        Arguments.of("DATA inside a field block", concat(full(1, 0, 1, 0x82), full(0, 0, 1, 'x')), ErrorCode.PROTOCOL_ERROR));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("connectionErrors")
  void connectionErrorsCarryTheirCode(String what, byte[] wire, ErrorCode code) {
    Http2Exception e = assertThrows(Http2Exception.class, () -> readOne(wire), what);
    assertEquals(code, e.code(), e.getMessage());
    assertTrue(e.isConnectionError(), e.getMessage());
  }

  static Stream<Arguments> streamErrors() {
    return Stream.of(
        Arguments.of("PRIORITY of 4 bytes", full(2, 0, 3, 0, 0, 0, 1), ErrorCode.FRAME_SIZE_ERROR),
        Arguments.of("PRIORITY of 6 bytes", full(2, 0, 3, 0, 0, 0, 1, 15, 0), ErrorCode.FRAME_SIZE_ERROR),
        Arguments.of("PRIORITY depending on its own stream", full(2, 0, 3, 0, 0, 0, 3, 15), ErrorCode.PROTOCOL_ERROR),
        Arguments.of("WINDOW_UPDATE of 0 on a stream", full(8, 0, 3, 0, 0, 0, 0), ErrorCode.PROTOCOL_ERROR));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("streamErrors")
  void streamErrorsConsumeTheFrameSoTheConnectionGoesOn(String what, byte[] wire, ErrorCode code) throws IOException {
    FrameReader r = reader(concat(wire, full(6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9)));
    Http2Exception e = assertThrows(Http2Exception.class, r::readFrame, what);
    assertEquals(code, e.code(), e.getMessage());
    assertEquals(3, e.streamId(), e.getMessage());
    assertEquals(new Frame.Ping(false, 9), r.readFrame(), "the next frame");
  }

  @Test
  void anOversizedFrameIsRefusedBeforeItsPayloadIsRead() {
    CountingInput in = new CountingInput(concat(frame(16385, 0, 0, 1), new byte[16385]));
    FrameReader r = new FrameReader(in, LIMIT, false);
    Http2Exception e = assertThrows(Http2Exception.class, r::readFrame);
    assertEquals(ErrorCode.FRAME_SIZE_ERROR, e.code());
    assertEquals(9, in.consumed, "only the frame header was read");
  }

  @Test
  void aLargerMaxFrameSizeIsHonouredOnceSet() throws IOException {
    FrameReader r = reader(concat(frame(20_000, 0, 0, 1), new byte[20_000]));
    r.maxFrameSize(20_000);
    assertEquals(20_000, ((Frame.Data) r.readFrame()).length());
    assertThrows(IllegalArgumentException.class, () -> r.maxFrameSize(16383));
    assertThrows(IllegalArgumentException.class, () -> r.maxFrameSize(1 << 24));
  }

  @Test
  void aContinuationFloodEndsTheConnectionBeforeTheBlockOutgrowsTheLimit() {
    // CVE-2024-27316: HEADERS without END_HEADERS, then CONTINUATION frames that never end.
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    wire.writeBytes(frame(16384, 1, 0, 1));
    wire.writeBytes(new byte[16384]);
    for (int i = 0; i < 10; i++) {
      wire.writeBytes(frame(16384, 9, 0, 1));
      wire.writeBytes(new byte[16384]);
    }
    CountingInput in = new CountingInput(wire.toByteArray());
    FrameReader r = new FrameReader(in, 40_000, false);
    Http2Exception e = assertThrows(Http2Exception.class, r::readFrame);
    assertEquals(ErrorCode.ENHANCE_YOUR_CALM, e.code());
    assertTrue(e.isConnectionError());
    assertEquals(3 * 9 + 2 * 16384, in.consumed, "the fragment that would pass the limit was not read");
  }

  @Test
  void aFloodOfEmptyContinuationFramesEndsTheConnection() {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    wire.writeBytes(full(1, 0, 1, 0x82));
    for (int i = 0; i < 1000; i++) {
      wire.writeBytes(frame(0, 9, 0, 1));
    }
    Http2Exception e = assertThrows(Http2Exception.class, () -> readOne(wire.toByteArray()));
    assertEquals(ErrorCode.ENHANCE_YOUR_CALM, e.code());
  }

  @Test
  void aClientThatEnabledPushReadsPushPromiseWithPadding() throws IOException {
    // PADDED|END_HEADERS, pad 1, promised stream 2 (reserved bit set, ignored), block 0x82.
    byte[] wire = full(5, 0x8 | 0x4, 1, 1, 0x80, 0, 0, 2, 0x82, 0);
    Frame.PushPromise p = (Frame.PushPromise) new FrameReader(new ByteArrayInputStream(wire), LIMIT, true).readFrame();
    assertEquals(1, p.streamId());
    assertEquals(2, p.promisedStreamId());
    assertArrayEquals(new byte[] {(byte) 0x82}, p.fieldBlock());
    Http2Exception e = assertThrows(Http2Exception.class,
        () -> new FrameReader(new ByteArrayInputStream(full(5, 0x4, 0, 0, 0, 0, 2)), LIMIT, true).readFrame());
    assertEquals(ErrorCode.PROTOCOL_ERROR, e.code(), "PUSH_PROMISE on stream 0");
  }

  @Test
  void unknownSettingsAreKeptAndDoNotFail() throws IOException {
    Frame.Settings s = (Frame.Settings) readOne(full(4, 0, 0, 0, 0x99, 0xff, 0xff, 0xff, 0xff));
    assertEquals(List.of(new Frame.Setting(0x99, 0xffffffffL)), s.values());
  }

  @Test
  void theHeadersPriorityFlagCarriesAWeight() throws IOException {
    Frame.Headers h = (Frame.Headers) readOne(full(1, 0x4 | 0x20, 1, 0, 0, 0, 0, 255, 0x82));
    assertInstanceOf(Frame.Headers.class, h);
    assertEquals(new Frame.Priority(0, false, 256), h.priority());
  }

  /** An input that counts the bytes taken from it. */
  static final class CountingInput extends InputStream {
    private final byte[] bytes;
    int consumed;

    CountingInput(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read() {
      return consumed < bytes.length ? bytes[consumed++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (consumed >= bytes.length) {
        return -1;
      }
      int n = Math.min(len, bytes.length - consumed);
      System.arraycopy(bytes, consumed, b, off, n);
      consumed += n;
      return n;
    }
  }
}
