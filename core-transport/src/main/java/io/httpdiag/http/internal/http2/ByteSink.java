package io.httpdiag.http.internal.http2;

import java.util.Arrays;

/** A growable byte array for encoding field blocks; reused across blocks. Not thread-safe. */
public final class ByteSink {
  private byte[] buf;
  private int size;

  public ByteSink(int initialCapacity) {
    this.buf = new byte[Math.max(16, initialCapacity)];
  }

  public void write(int b) {
    if (size == buf.length) {
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    buf[size++] = (byte) b;
  }

  /** The bytes written so far are {@code array()[0, size())}. */
  public byte[] array() {
    return buf;
  }

  public int size() {
    return size;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  public void reset() {
    size = 0;
  }
}
