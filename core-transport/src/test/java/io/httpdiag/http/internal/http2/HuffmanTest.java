package io.httpdiag.http.internal.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The Huffman code rebuilt from its lengths against codes typed from RFC 7541 Appendix B. */
class HuffmanTest {
  @Test
  void codesMatchAppendixB() {
    assertCode(0, 0x1ff8, 13);
    assertCode(' ', 0x14, 6);
    assertCode('0', 0x0, 5);
    assertCode('a', 0x3, 5);
    assertCode('z', 0x7b, 7);
    assertCode('~', 0x1ffd, 13);
    assertCode(127, 0xffffffc, 28);
    assertCode(128, 0xfffe6, 20);
    assertCode(255, 0x3ffffee, 26);
    assertCode(Huffman.EOS, 0x3fffffff, 30);
  }

  @Test
  void theCodeIsComplete() {
    double kraft = 0;
    for (int s = 0; s <= Huffman.EOS; s++) {
      kraft += Math.pow(2, -Huffman.LENGTHS_BY_SYMBOL[s]);
    }
    assertEquals(1.0, kraft, 1e-12, "every bit string is a prefix of some code");
  }

  @Test
  void everyOctetSurvivesEncodingAndDecoding() throws Http2Exception {
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 256; i++) {
      all.append((char) i);
      String one = String.valueOf((char) i);
      assertEquals(one, decode(one));
    }
    assertEquals(all.toString(), decode(all.toString()));
    assertEquals("", decode(""));
  }

  @Test
  void aDecodedEosIsAnErrorEvenWhenTheBytesAreAllOnes() {
    byte[] ones = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    assertEquals(ErrorCode.COMPRESSION_ERROR, assertThrows(Http2Exception.class, () -> Huffman.decode(ones, 0, 4)).code());
  }

  private static String decode(String s) throws Http2Exception {
    ByteSink out = new ByteSink(16);
    Huffman.encode(s, out);
    assertEquals(Huffman.encodedLength(s), out.size());
    return Huffman.decode(out.array(), 0, out.size());
  }

  private static void assertCode(int symbol, int code, int length) {
    assertEquals(length, Huffman.LENGTHS_BY_SYMBOL[symbol], "length of " + symbol);
    assertEquals(Integer.toHexString(code), Integer.toHexString(Huffman.CODES[symbol]), "code of " + symbol);
  }
}
