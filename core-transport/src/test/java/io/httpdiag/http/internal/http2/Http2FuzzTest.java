package io.httpdiag.http.internal.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzz targets for the HTTP/2 frame reader and the HPACK decoder. In a normal build each runs once
 * on the seeds under {@code Http2FuzzTestInputs/<method>/} (Jazzer's regression mode);
 * {@code FUZZING.md} says how to fuzz them.
 *
 * <p>Invariants: only {@link Http2Exception} (and {@link EOFException} for a truncated frame)
 * escape; nothing read is larger than the limits it was given; a stream error leaves the reader
 * able to go on; whatever HPACK accepts re-encodes to a block that decodes to the same fields.
 */
class Http2FuzzTest {
  private static final int MAX_FIELD_BLOCK = 4096;
  private static final int MAX_FRAMES = 64;

  /** A peer's byte stream, read as frames by a server (push not allowed). */
  @FuzzTest
  void frames(byte[] input) throws IOException {
    FrameReader r = new FrameReader(new ByteArrayInputStream(input), MAX_FIELD_BLOCK, false);
    for (int i = 0; i < MAX_FRAMES; i++) {
      Frame f;
      try {
        f = r.readFrame();
      } catch (Http2Exception e) {
        if (e.isConnectionError()) {
          return;
        }
        continue; // a stream error consumed its frame: the connection goes on
      } catch (EOFException e) {
        return;
      }
      if (f == null) {
        return;
      }
      check(f);
    }
  }

  private static void check(Frame f) {
    if (f instanceof Frame.Data) {
      Frame.Data d = (Frame.Data) f;
      assertTrue(d.streamId() > 0);
      assertTrue(d.length() >= 0 && d.offset() + d.length() <= d.data().length);
      assertTrue(d.flowControlledLength() <= Http2.DEFAULT_MAX_FRAME_SIZE);
    } else if (f instanceof Frame.Headers) {
      Frame.Headers h = (Frame.Headers) f;
      assertTrue(h.streamId() > 0);
      assertTrue(h.fieldBlock().length <= MAX_FIELD_BLOCK);
    } else if (f instanceof Frame.WindowUpdate) {
      assertTrue(((Frame.WindowUpdate) f).increment() > 0);
    } else if (f instanceof Frame.Settings) {
      for (Frame.Setting s : ((Frame.Settings) f).values()) {
        if (s.id() == Frame.Setting.INITIAL_WINDOW_SIZE) {
          assertTrue(s.value() <= Http2.MAX_WINDOW_SIZE);
        }
      }
    }
    assertFalse(f instanceof Frame.PushPromise, "a server never accepts PUSH_PROMISE");
  }

  /** Field blocks decoded one after another by one decoder; the first byte picks the header list limit. */
  @FuzzTest
  void hpack(byte[] input) throws Http2Exception {
    if (input.length == 0) {
      return;
    }
    int limit = 64 << (input[0] & 7);
    HpackDecoder d = new HpackDecoder(4096);
    // Blocks are separated by 0xff 0xfe, so that the dynamic table carries over between them.
    int start = 1;
    for (int end = 1; end <= input.length; end++) {
      boolean last = end == input.length;
      if (!last && !(input[end] == (byte) 0xfe && input[end - 1] == (byte) 0xff)) {
        continue;
      }
      int blockEnd = last ? end : end - 1;
      List<HeaderField> fields = new ArrayList<>();
      long[] size = new long[1];
      boolean complete;
      try {
        complete = d.decode(input, start, blockEnd - start, limit, (n, v, s) -> {
          fields.add(new HeaderField(n, v, s));
          size[0] += n.length() + v.length() + 32;
        });
      } catch (Http2Exception e) {
        assertEquals(ErrorCode.COMPRESSION_ERROR, e.code());
        return;
      }
      assertTrue(size[0] <= limit, "delivered " + size[0] + " over the limit " + limit);
      assertTrue(d.tableSize() <= 4096);
      if (complete) {
        reencode(fields);
      }
      start = end + 1;
    }
  }

  private static void reencode(List<HeaderField> fields) throws Http2Exception {
    for (boolean huffman : new boolean[] {true, false}) {
      ByteSink out = new ByteSink(64);
      new HpackEncoder(4096, huffman).encode(fields, out);
      List<HeaderField> again = new ArrayList<>();
      new HpackDecoder(4096).decode(out.array(), 0, out.size(), Integer.MAX_VALUE,
          (n, v, s) -> again.add(new HeaderField(n, v, s)));
      assertEquals(fields, again, Arrays.toString(out.toByteArray()));
    }
  }
}
