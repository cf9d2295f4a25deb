package io.httpdiag.http.internal.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every example of RFC 7541 Appendix C, both ways: the decoder turns the example's bytes into its
 * header list and leaves the dynamic table the example shows; the encoder turns the header list
 * into the example's bytes. The bytes, lists and tables are typed from the RFC.
 */
class HpackRfcExamplesTest {
  private static final String DATE_21 = "Mon, 21 Oct 2013 20:13:21 GMT";
  private static final String DATE_22 = "Mon, 21 Oct 2013 20:13:22 GMT";
  private static final String COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
  /** A dynamic table size update to 256 (0x3f, then 256 - 31 = 225 as 0xe1 0x01). */
  private static final String SIZE_UPDATE_256 = "3fe101";

  static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replaceAll("\\s", ""));
  }

  static List<HeaderField> list(String... nameValues) {
    List<HeaderField> fields = new ArrayList<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      fields.add(new HeaderField(nameValues[i], nameValues[i + 1]));
    }
    return fields;
  }

  static List<HeaderField> decode(HpackDecoder d, byte[] block) throws Http2Exception {
    List<HeaderField> out = new ArrayList<>();
    boolean complete = d.decode(block, 0, block.length, Integer.MAX_VALUE, (n, v, s) -> out.add(new HeaderField(n, v, s)));
    assertEquals(true, complete);
    return out;
  }

  /** The dynamic table as "name: value" lines, newest first, then its size. */
  static List<String> table(HpackDecoder d) {
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < d.tableEntries(); i++) {
      HeaderField f = d.tableEntry(i);
      rows.add(f.name() + ": " + f.value());
    }
    rows.add("size " + d.tableSize());
    return rows;
  }

  static String encode(HpackEncoder e, List<HeaderField> fields) {
    ByteSink out = new ByteSink(64);
    e.encode(fields, out);
    return HexFormat.of().formatHex(out.toByteArray());
  }

  // ------------------------------------------------------------- C.1 integers

  @Test
  void c1IntegerRepresentation() {
    ByteSink out = new ByteSink(8);
    HpackEncoder.integer(out, 0, 5, 10);
    HpackEncoder.integer(out, 0, 5, 1337);
    HpackEncoder.integer(out, 0, 8, 42);
    assertEquals("0a1f9a0a2a", HexFormat.of().formatHex(out.toByteArray()));
  }

  // ------------------------------------------------------------- C.2 single fields

  @Test
  void c2_1LiteralWithIndexing() throws Http2Exception {
    HpackDecoder d = new HpackDecoder(4096);
    byte[] block = hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
    assertEquals(list("custom-key", "custom-header"), decode(d, block));
    assertEquals(List.of("custom-key: custom-header", "size 55"), table(d));
    assertEquals(HexFormat.of().formatHex(block), encode(new HpackEncoder(4096, false), list("custom-key", "custom-header")));
  }

  @Test
  void c2_2LiteralWithoutIndexing() throws Http2Exception {
    HpackDecoder d = new HpackDecoder(4096);
    assertEquals(list(":path", "/sample/path"), decode(d, hex("040c 2f73 616d 706c 652f 7061 7468")));
    assertEquals(List.of("size 0"), table(d));
  }

  @Test
  void c2_3LiteralNeverIndexed() throws Http2Exception {
    HpackDecoder d = new HpackDecoder(4096);
    byte[] block = hex("1008 7061 7373 776f 7264 0673 6563 7265 74");
    assertEquals(List.of(new HeaderField("password", "secret", true)), decode(d, block));
    assertEquals(List.of("size 0"), table(d));
    HpackEncoder e = new HpackEncoder(4096, false);
    assertEquals(HexFormat.of().formatHex(block), encode(e, List.of(new HeaderField("password", "secret", true))));
    assertEquals(0, e.tableSize(), "a sensitive field never enters the table");
  }

  @Test
  void c2_4IndexedField() throws Http2Exception {
    HpackDecoder d = new HpackDecoder(4096);
    assertEquals(list(":method", "GET"), decode(d, hex("82")));
    assertEquals(List.of("size 0"), table(d));
    assertEquals("82", encode(new HpackEncoder(4096, false), list(":method", "GET")));
  }

  // ------------------------------------------------------------- C.3 / C.4 requests

  static final List<HeaderField> REQUEST_1 = list(":method", "GET", ":scheme", "http", ":path", "/",
      ":authority", "www.example.com");
  static final List<HeaderField> REQUEST_2 = list(":method", "GET", ":scheme", "http", ":path", "/",
      ":authority", "www.example.com", "cache-control", "no-cache");
  static final List<HeaderField> REQUEST_3 = list(":method", "GET", ":scheme", "https", ":path", "/index.html",
      ":authority", "www.example.com", "custom-key", "custom-value");
  static final List<String> TABLE_1 = List.of(":authority: www.example.com", "size 57");
  static final List<String> TABLE_2 = List.of("cache-control: no-cache", ":authority: www.example.com", "size 110");
  static final List<String> TABLE_3 = List.of("custom-key: custom-value", "cache-control: no-cache",
      ":authority: www.example.com", "size 164");

  @Test
  void c3RequestsWithoutHuffman() throws Http2Exception {
    requests(false, "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65");
  }

  @Test
  void c4RequestsWithHuffman() throws Http2Exception {
    requests(true, "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf");
  }

  private static void requests(boolean huffman, String first, String second, String third) throws Http2Exception {
    HpackDecoder d = new HpackDecoder(4096);
    HpackEncoder e = new HpackEncoder(4096, huffman);
    assertEquals(REQUEST_1, decode(d, hex(first)));
    assertEquals(TABLE_1, table(d));
    assertEquals(HexFormat.of().formatHex(hex(first)), encode(e, REQUEST_1));
    assertEquals(REQUEST_2, decode(d, hex(second)));
    assertEquals(TABLE_2, table(d));
    assertEquals(HexFormat.of().formatHex(hex(second)), encode(e, REQUEST_2));
    assertEquals(REQUEST_3, decode(d, hex(third)));
    assertEquals(TABLE_3, table(d));
    assertEquals(HexFormat.of().formatHex(hex(third)), encode(e, REQUEST_3));
    assertEquals(164, e.tableSize());
  }

  // ------------------------------------------------------------- C.5 / C.6 responses, 256-octet table

  static final List<HeaderField> RESPONSE_1 = list(":status", "302", "cache-control", "private", "date", DATE_21,
      "location", "https://www.example.com");
  static final List<HeaderField> RESPONSE_2 = list(":status", "307", "cache-control", "private", "date", DATE_21,
      "location", "https://www.example.com");
  static final List<HeaderField> RESPONSE_3 = list(":status", "200", "cache-control", "private", "date", DATE_22,
      "location", "https://www.example.com", "content-encoding", "gzip", "set-cookie", COOKIE);
  static final List<String> RTABLE_1 = List.of("location: https://www.example.com", "date: " + DATE_21,
      "cache-control: private", ":status: 302", "size 222");
  static final List<String> RTABLE_2 = List.of(":status: 307", "location: https://www.example.com",
      "date: " + DATE_21, "cache-control: private", "size 222");
  static final List<String> RTABLE_3 = List.of("set-cookie: " + COOKIE, "content-encoding: gzip",
      "date: " + DATE_22, "size 215");

  @Test
  void c5ResponsesWithoutHuffman() throws Http2Exception {
    responses(false, """
        4803 3330 3258 0770 7269 7661 7465 611d
        4d6f 6e2c 2032 3120 4f63 7420 3230 3133
        2032 303a 3133 3a32 3120 474d 546e 1768
        7474 7073 3a2f 2f77 7777 2e65 7861 6d70
        6c65 2e63 6f6d""",
        "4803 3330 37c1 c0bf", """
        88c1 611d 4d6f 6e2c 2032 3120 4f63 7420
        3230 3133 2032 303a 3133 3a32 3220 474d
        54c0 5a04 677a 6970 7738 666f 6f3d 4153
        444a 4b48 514b 425a 584f 5157 454f 5049
        5541 5851 5745 4f49 553b 206d 6178 2d61
        6765 3d33 3630 303b 2076 6572 7369 6f6e
        3d31""");
  }

  @Test
  void c6ResponsesWithHuffman() throws Http2Exception {
    responses(true, """
        4882 6402 5885 aec3 771a 4b61 96d0 7abe
        9410 54d4 44a8 2005 9504 0b81 66e0 82a6
        2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8
        e9ae 82ae 43d3""",
        "4883 640e ffc1 c0bf", """
        88c1 6196 d07a be94 1054 d444 a820 0595
        040b 8166 e084 a62d 1bff c05a 839b d9ab
        77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b
        3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
        9587 3160 65c0 03ed 4ee5 b106 3d50 07""");
  }

  private static void responses(boolean huffman, String first, String second, String third) throws Http2Exception {
    HpackDecoder d = new HpackDecoder(256);
    assertEquals(RESPONSE_1, decode(d, hex(first)));
    assertEquals(RTABLE_1, table(d));
    assertEquals(RESPONSE_2, decode(d, hex(second)));
    assertEquals(RTABLE_2, table(d));
    assertEquals(RESPONSE_3, decode(d, hex(third)));
    assertEquals(RTABLE_3, table(d));

    // The examples assume both sides already agreed on 256 octets; an encoder capped at 256
    // starts from the protocol's 4096, so its first block announces 256 before the example bytes.
    HpackEncoder e = new HpackEncoder(256, huffman);
    assertEquals(SIZE_UPDATE_256 + HexFormat.of().formatHex(hex(first)), encode(e, RESPONSE_1));
    assertEquals(HexFormat.of().formatHex(hex(second)), encode(e, RESPONSE_2));
    assertEquals(HexFormat.of().formatHex(hex(third)), encode(e, RESPONSE_3));
    assertEquals(215, e.tableSize());
  }
}
