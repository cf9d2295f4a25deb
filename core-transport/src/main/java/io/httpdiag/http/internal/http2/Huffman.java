package io.httpdiag.http.internal.http2;

import static io.httpdiag.http.internal.http2.ErrorCode.COMPRESSION_ERROR;

/**
 * The static Huffman code of RFC 7541 Appendix B. The code is canonical (codes of one length are
 * consecutive and ordered by symbol, shorter codes first), so the table is kept as its code
 * lengths only and the codes are rebuilt from them; decoding uses the canonical property: the
 * first {@code n} bits of the input are a code of length {@code n} iff they are below
 * {@code limit[n]}. Stateless and thread-safe.
 */
final class Huffman {
  static final int EOS = 256;
  private static final int MIN_LENGTH = 5;
  private static final int MAX_LENGTH = 30;

  /** Code length of each octet (Appendix B), as 'A' + length - 5; EOS (30 bits) follows. */
  private static final String LENGTHS = ""
      + "ISXXXXXXXTZXXZXXXXXXXXZXXXXXXXXXBFFHIBDGFFDGDBBBAAABBBBBBBCDKBHF"
      + "IBCCCCCCCCCCCCCCCCCCCCCCDCDIOIJBKABABABBBACCBBBABCBAABCCCCCKGJIX"
      + "PRPPRRRSRSSSSSTSTTRSTSSSSQRSRSSTRQPRRSSQSRRTQRSSQQRQSRSSPRRRSRRS"
      + "VVPORSRUVVVWWVTUOQVWWVWTQQVVXWWWPTPQRQQSRRUUTTVSVWVVWWWWWXWWWWWV"
      + "Z";

  /** Code of each symbol, right-aligned. */
  static final int[] CODES = new int[257];
  /** Length in bits of each symbol's code. */
  static final byte[] LENGTHS_BY_SYMBOL = new byte[257];
  /** Symbols in canonical order (by code length, then symbol). */
  private static final int[] SYMBOLS = new int[257];
  /** For each length n: one past the last code of length n (a code below it, of n bits, is complete). */
  private static final int[] LIMIT = new int[MAX_LENGTH + 1];
  /** For each length n: the first code of length n. */
  private static final int[] FIRST = new int[MAX_LENGTH + 1];
  /** For each length n: where the symbols of length n start in {@link #SYMBOLS}. */
  private static final int[] OFFSET = new int[MAX_LENGTH + 1];

  static {
    int k = 0;
    for (int len = MIN_LENGTH; len <= MAX_LENGTH; len++) {
      for (int s = 0; s <= EOS; s++) {
        if (LENGTHS.charAt(s) - 'A' + MIN_LENGTH == len) {
          SYMBOLS[k++] = s;
        }
      }
    }
    int code = 0;
    int prevLen = MIN_LENGTH;
    for (int i = 0; i < SYMBOLS.length; i++) {
      int s = SYMBOLS[i];
      int len = LENGTHS.charAt(s) - 'A' + MIN_LENGTH;
      if (i > 0) {
        code = (code + 1) << (len - prevLen);
      }
      if (i == 0 || len != prevLen) {
        FIRST[len] = code;
        OFFSET[len] = i;
      }
      CODES[s] = code;
      LENGTHS_BY_SYMBOL[s] = (byte) len;
      LIMIT[len] = code + 1;
      prevLen = len;
    }
  }

  private Huffman() {}

  /** Length in bytes of the Huffman encoding of {@code s} (octets = chars, ISO-8859-1). */
  static int encodedLength(String s) {
    long bits = 0;
    for (int i = 0; i < s.length(); i++) {
      bits += LENGTHS_BY_SYMBOL[s.charAt(i) & 0xff];
    }
    return (int) ((bits + 7) >>> 3);
  }

  /** Appends the encoding of {@code s}, padded with the most significant bits of EOS (ones). */
  static void encode(String s, ByteSink out) {
    long acc = 0;
    int bits = 0;
    for (int i = 0; i < s.length(); i++) {
      int sym = s.charAt(i) & 0xff;
      acc = (acc << LENGTHS_BY_SYMBOL[sym]) | CODES[sym];
      bits += LENGTHS_BY_SYMBOL[sym];
      while (bits >= 8) {
        bits -= 8;
        out.write((int) (acc >>> bits));
      }
    }
    if (bits > 0) {
      out.write((int) ((acc << (8 - bits)) | (0xff >>> bits)));
    }
  }

  /**
   * Decodes {@code len} bytes into a string. A decoded EOS, padding longer than 7 bits, or
   * padding that is not all ones is a COMPRESSION_ERROR (RFC 7541 section 5.2).
   */
  static String decode(byte[] b, int off, int len) throws Http2Exception {
    char[] out = new char[len * 8 / MIN_LENGTH];
    int n = 0;
    long acc = 0; // the unconsumed bits are the low 'bits' bits
    int bits = 0;
    int pos = off;
    int end = off + len;
    while (true) {
      while (bits <= 56 && pos < end) {
        acc = (acc << 8) | (b[pos++] & 0xff);
        bits += 8;
      }
      if (bits < MIN_LENGTH) {
        break;
      }
      int sym = -1;
      for (int l = MIN_LENGTH; l <= Math.min(bits, MAX_LENGTH); l++) {
        int code = (int) ((acc >>> (bits - l)) & ((1L << l) - 1));
        if (code < LIMIT[l] && LIMIT[l] != 0) {
          sym = SYMBOLS[OFFSET[l] + code - FIRST[l]];
          bits -= l;
          break;
        }
      }
      if (sym < 0) {
        break; // no complete code in what is left: it must be padding
      }
      if (sym == EOS) {
        throw Http2Exception.connectionError(COMPRESSION_ERROR, "Huffman string contains EOS");
      }
      out[n++] = (char) sym;
    }
    if (bits > 7) {
      throw Http2Exception.connectionError(COMPRESSION_ERROR, "Huffman padding longer than 7 bits");
    }
    long mask = (1L << bits) - 1;
    if ((acc & mask) != mask) {
      throw Http2Exception.connectionError(COMPRESSION_ERROR, "Huffman padding is not the prefix of EOS");
    }
    return new String(out, 0, n);
  }
}
