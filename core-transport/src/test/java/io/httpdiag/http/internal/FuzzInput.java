package io.httpdiag.http.internal;

import java.io.InputStream;
import java.util.Arrays;

/**
 * The connection side of a fuzz target: the fuzzer's bytes after a one-byte configuration header,
 * served in reads of at most {@link #maxRead} bytes (so that every buffer refill path of
 * {@link HttpReader} is taken), counting what the parser has taken from it.
 *
 * <p>Configuration byte: bits 0-3 pick the largest read (0 means no limit, else 1..15 bytes), bits
 * 4-5 the header limit (64, 256, 1024 or 8192 bytes), bit 6 and bit 7 are flags each target
 * interprets (e.g. "the request was HEAD").
 */
final class FuzzInput extends InputStream {
  private static final int[] LIMITS = {64, 256, 1024, 8192};

  final byte[] data;
  final int maxRead;
  final int maxHeaderBytes;
  final boolean flag6;
  final boolean flag7;
  private int pos;

  private FuzzInput(byte[] data, int config) {
    this.data = data;
    this.maxRead = (config & 0x0f) == 0 ? Integer.MAX_VALUE : config & 0x0f;
    this.maxHeaderBytes = LIMITS[(config >> 4) & 3];
    this.flag6 = (config & 0x40) != 0;
    this.flag7 = (config & 0x80) != 0;
  }

  /** Splits the fuzzer's input into its configuration byte (0 when empty) and the wire bytes. */
  static FuzzInput of(byte[] input) {
    if (input.length == 0) {
      return new FuzzInput(input, 0);
    }
    return new FuzzInput(Arrays.copyOfRange(input, 1, input.length), input[0] & 0xff);
  }

  /** Bytes handed out so far. */
  int delivered() {
    return pos;
  }

  @Override
  public int read() {
    return pos < data.length ? data[pos++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    if (pos >= data.length) {
      return -1;
    }
    int n = Math.min(Math.min(len, maxRead), data.length - pos);
    System.arraycopy(data, pos, b, off, n);
    pos += n;
    return n;
  }
}
