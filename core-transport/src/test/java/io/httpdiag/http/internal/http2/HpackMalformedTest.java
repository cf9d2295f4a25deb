package io.httpdiag.http.internal.http2;

import static io.httpdiag.http.internal.http2.HpackRfcExamplesTest.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** HPACK decoding of malformed and hostile blocks, table bounds, and encoder/decoder agreement. */
class HpackMalformedTest {
  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
      "truncated integer, ff",
      "truncated integer continuation, ff80",
      "integer past 2^31-1, ff ff ff ff ff 0f",
      "integer with too many continuation bytes, ff 80 80 80 80 80 80 00",
      "index 0, 80",
      "index past the empty dynamic table, be",
      "index far past the table, ff 80 01",
      "literal name index past the table, 7e 01 61",
      "literal without a name string, 40",
      "literal name longer than the block, 40 0a 63",
      "literal value missing, 40 01 61",
      "literal value longer than the block, 04 05 2f",
      "size update above SETTINGS_HEADER_TABLE_SIZE, 3f e2 1f",
      "size update after a field, 82 20",
      "Huffman EOS in a string, 04 84 ff ff ff ff",
      "Huffman padding longer than 7 bits, 04 82 1f ff",
      "Huffman padding not all ones, 04 81 18",
  })
  void malformedBlocksAreCompressionErrors(String what, String bytes) {
    byte[] block = hex(bytes);
    Http2Exception e = assertThrows(Http2Exception.class,
        () -> new HpackDecoder(4096).decode(block, 0, block.length, 1 << 20, (n, v, s) -> {}), what);
    assertEquals(ErrorCode.COMPRESSION_ERROR, e.code(), e.getMessage());
    assertTrue(e.isConnectionError());
  }

  @Test
  void theControlsOfTheMalformedCasesDecode() throws Http2Exception {
    assertEquals(List.of(new HeaderField(":path", "a")), decodeAll(new HpackDecoder(4096), hex("04 81 1f")),
        "'a' is 00011, padded with 111");
    assertEquals(List.of(), decodeAll(new HpackDecoder(4096), hex("3f e1 1f")), "size update to exactly 4096");
    assertEquals(List.of(), decodeAll(new HpackDecoder(4096), hex("20 3f e1 1f")), "two updates at the start");
  }

  @Test
  void anHpackBombStopsDeliveringAtTheHeaderListLimit() throws Http2Exception {
    // One 4000-byte value enters the table, then 100,000 one-byte references to it: 400 MB decoded.
    ByteSink block = new ByteSink(110_000);
    HpackEncoder.integer(block, 0x40, 6, 0);
    block.write(1);
    block.write('x');
    HpackEncoder.integer(block, 0, 7, 4000);
    for (int i = 0; i < 4000; i++) {
      block.write('v');
    }
    for (int i = 0; i < 100_000; i++) {
      block.write(0x80 | 62);
    }
    long[] delivered = new long[2];
    HpackDecoder d = new HpackDecoder(4096);
    boolean complete = d.decode(block.array(), 0, block.size(), 64 << 10,
        (n, v, s) -> { delivered[0]++; delivered[1] += n.length() + v.length() + 32; });
    assertFalse(complete, "the list is too large");
    assertEquals(16, delivered[0], "fields up to 64 KiB are delivered, then none");
    assertTrue(delivered[1] <= 64 << 10);
    assertEquals(4033, d.tableSize(), "the table is still in step with the encoder");
  }

  @Test
  void anEntryLargerThanTheTableEmptiesItAndASizeUpdateEvicts() throws Http2Exception {
    HpackDecoder d = new HpackDecoder(100);
    decodeAll(d, hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")); // 55 octets
    assertEquals(55, d.tableSize());
    ByteSink big = new ByteSink(128);
    HpackEncoder.integer(big, 0x40, 6, 0);
    big.write(1);
    big.write('n');
    HpackEncoder.integer(big, 0, 7, 70); // 1 + 70 + 32 > 100
    for (int i = 0; i < 70; i++) {
      big.write('v');
    }
    assertEquals(List.of(new HeaderField("n", "v".repeat(70))), decodeAll(d, big.toByteArray()),
        "the field is still delivered");
    assertEquals(0, d.tableSize());
    decodeAll(d, hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
    decodeAll(d, hex("20"));
    assertEquals(0, d.tableSize(), "a size update to 0 evicts everything");
    assertThrows(Http2Exception.class, () -> decodeAll(d, hex("be")), "and index 62 is gone");
  }

  @Test
  void aLoweredLimitBoundsLaterSizeUpdates() throws Http2Exception {
    HpackDecoder d = new HpackDecoder(4096);
    d.headerTableSizeLimit(256);
    assertEquals(List.of(), decodeAll(d, hex("3fe101")), "256 is allowed");
    Http2Exception e = assertThrows(Http2Exception.class, () -> decodeAll(d, hex("3fe201")));
    assertEquals(ErrorCode.COMPRESSION_ERROR, e.code(), "257 is not");
  }

  @Test
  void theEncoderAnnouncesAShrinkingTableBeforeItsNextBlock() throws Http2Exception {
    HpackEncoder e = new HpackEncoder(4096, true);
    HpackDecoder d = new HpackDecoder(4096);
    roundTrip(e, d, List.of(new HeaderField("a", "1"), new HeaderField("b", "2")));
    e.peerHeaderTableSize(0);
    e.peerHeaderTableSize(1000);
    ByteSink out = new ByteSink(16);
    e.encode(List.of(new HeaderField("c", "3")), out);
    assertEquals("203fc907", java.util.HexFormat.of().formatHex(out.toByteArray(), 0, 4),
        "the smallest size (0), then the final one (1000)");
    assertEquals(List.of(new HeaderField("c", "3")), decodeAll(d, out.toByteArray()));
    assertEquals(34, d.tableSize(), "old entries evicted on both sides, the new one added");
  }

  @Test
  void randomHeaderListsSurviveEncodingAndDecodingAcrossManyBlocks() throws Http2Exception {
    Random random = new Random(7541);
    for (boolean huffman : new boolean[] {true, false}) {
      HpackEncoder e = new HpackEncoder(4096, huffman);
      HpackDecoder d = new HpackDecoder(4096);
      for (int block = 0; block < 300; block++) {
        if (block % 50 == 49) {
          e.peerHeaderTableSize(random.nextInt(5000));
        }
        List<HeaderField> fields = new ArrayList<>();
        int n = random.nextInt(20);
        for (int i = 0; i < n; i++) {
          String name = random.nextInt(3) == 0 ? HpackTable.STATIC[1 + random.nextInt(61)].name() : text(random, 1 + random.nextInt(12));
          String value = random.nextInt(4) == 0 ? "same-value" : text(random, random.nextInt(random.nextInt(10) == 0 ? 3000 : 40));
          fields.add(new HeaderField(name, value, random.nextInt(10) == 0));
        }
        roundTrip(e, d, fields);
        assertEquals(e.tableSize(), d.tableSize(), "tables in step after block " + block);
      }
    }
  }

  private static String text(Random random, int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append(random.nextInt(4) == 0 ? (char) random.nextInt(256) : (char) ('a' + random.nextInt(26)));
    }
    return sb.toString();
  }

  private static void roundTrip(HpackEncoder e, HpackDecoder d, List<HeaderField> fields) throws Http2Exception {
    ByteSink out = new ByteSink(256);
    e.encode(fields, out);
    assertEquals(fields, decodeAll(d, out.toByteArray()));
  }

  static List<HeaderField> decodeAll(HpackDecoder d, byte[] block) throws Http2Exception {
    List<HeaderField> out = new ArrayList<>();
    assertTrue(d.decode(block, 0, block.length, Integer.MAX_VALUE, (n, v, s) -> out.add(new HeaderField(n, v, s))));
    return out;
  }
}
