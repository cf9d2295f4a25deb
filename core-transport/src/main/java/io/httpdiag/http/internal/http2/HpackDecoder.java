package io.httpdiag.http.internal.http2;

import static io.httpdiag.http.internal.http2.ErrorCode.COMPRESSION_ERROR;
import static io.httpdiag.http.internal.http2.Http2Exception.connectionError;

import java.nio.charset.StandardCharsets;

/**
 * Decodes HPACK field blocks (RFC 7541). Malformed input is a connection error of type
 * COMPRESSION_ERROR (RFC 9113 section 4.3): an index of 0 or past the table, a truncated integer
 * or string, an integer past 2^31-1, a dynamic table size update above our
 * SETTINGS_HEADER_TABLE_SIZE or after the first field, bad Huffman padding or a decoded EOS.
 *
 * <p>Bounded: the dynamic table never exceeds the size we announced, and the decoded header list
 * (RFC 9113 SETTINGS_MAX_HEADER_LIST_SIZE accounting: name + value + 32 per field) is capped by
 * the caller's limit. Past the limit the rest of the block is still decoded, so the dynamic table
 * stays in step with the peer's encoder, but no more fields are delivered or copied; the caller
 * answers the too-large outcome (431 on a server). That is what stops an HPACK bomb (a block of
 * one-byte references to a large table entry): memory stays at the limit, and work at the size of
 * the block, itself bounded by {@link FrameReader}.
 *
 * <p>Not thread-safe: one decoder per connection, fed the blocks in the order they arrived.
 */
public final class HpackDecoder {
  /** Receives the fields of a block, in order. */
  @FunctionalInterface
  public interface FieldSink {
    void field(String name, String value, boolean sensitive);
  }

  private final HpackTable table;
  private int maxTableSizeLimit;

  /** @param headerTableSize our SETTINGS_HEADER_TABLE_SIZE (4096 unless we announced another) */
  public HpackDecoder(int headerTableSize) {
    if (headerTableSize < 0) {
      throw new IllegalArgumentException("headerTableSize < 0: " + headerTableSize);
    }
    this.table = new HpackTable(headerTableSize);
    this.maxTableSizeLimit = headerTableSize;
  }

  /**
   * Our SETTINGS_HEADER_TABLE_SIZE, once the peer acknowledged it: the largest table size the
   * peer's encoder may choose with a size update from now on.
   */
  public void headerTableSizeLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit < 0: " + limit);
    }
    this.maxTableSizeLimit = limit;
  }

  /** Current dynamic table size in octets (RFC 7541 section 4.1). */
  public int tableSize() {
    return table.size();
  }

  /** Dynamic table entry {@code i}, 0 being the newest; for tests and diagnostics. */
  HeaderField tableEntry(int i) {
    return table.dynamic(i);
  }

  int tableEntries() {
    return table.dynamicCount();
  }

  /**
   * Decodes one whole field block. Returns true when every field was delivered to {@code sink};
   * false when the decoded list passed {@code maxHeaderListSize} octets, in which case the fields
   * before the one that passed it were delivered and the rest decoded but dropped.
   */
  public boolean decode(byte[] block, int off, int len, int maxHeaderListSize, FieldSink sink) throws Http2Exception {
    Cursor c = new Cursor(block, off, off + len);
    long listSize = 0;
    boolean fieldSeen = false;
    boolean within = true;
    while (c.pos < c.end) {
      int b = block[c.pos] & 0xff;
      if ((b & 0x80) != 0) { // 6.1 indexed field
        int index = c.integer(7);
        HeaderField f = field(index);
        listSize += f.size();
        within = deliver(within, listSize, maxHeaderListSize, f.name(), f.value(), false, sink);
        fieldSeen = true;
      } else if ((b & 0xc0) == 0x40) { // 6.2.1 literal with incremental indexing
        HeaderField f = literal(c, 6, false);
        table.add(f);
        listSize += f.size();
        within = deliver(within, listSize, maxHeaderListSize, f.name(), f.value(), false, sink);
        fieldSeen = true;
      } else if ((b & 0xe0) == 0x20) { // 6.3 dynamic table size update
        if (fieldSeen) {
          throw connectionError(COMPRESSION_ERROR, "dynamic table size update after a field (RFC 9113 4.3.1)");
        }
        int size = c.integer(5);
        if (size > maxTableSizeLimit) {
          throw connectionError(COMPRESSION_ERROR, "dynamic table size update to " + size
              + " above SETTINGS_HEADER_TABLE_SIZE " + maxTableSizeLimit);
        }
        table.maxSize(size);
      } else { // 6.2.2 without indexing (0000), 6.2.3 never indexed (0001)
        boolean never = (b & 0x10) != 0;
        HeaderField f = literal(c, 4, never);
        listSize += f.size();
        within = deliver(within, listSize, maxHeaderListSize, f.name(), f.value(), never, sink);
        fieldSeen = true;
      }
    }
    return within;
  }

  private static boolean deliver(boolean within, long listSize, int max, String name, String value, boolean sensitive,
      FieldSink sink) {
    if (!within || listSize > max) {
      return false;
    }
    sink.field(name, value, sensitive);
    return true;
  }

  private HeaderField field(int index) throws Http2Exception {
    HeaderField f = table.get(index);
    if (f == null) {
      throw connectionError(COMPRESSION_ERROR, "index " + index + " is not in the table (1.."
          + (HpackTable.STATIC_LENGTH + table.dynamicCount()) + ")");
    }
    return f;
  }

  /** A literal field whose first byte has a {@code prefix}-bit name index (0: a literal name follows). */
  private HeaderField literal(Cursor c, int prefix, boolean sensitive) throws Http2Exception {
    int nameIndex = c.integer(prefix);
    String name = nameIndex == 0 ? c.string() : field(nameIndex).name();
    return new HeaderField(name, c.string(), sensitive);
  }

  /** A read position in one block. */
  private static final class Cursor {
    final byte[] b;
    final int end;
    int pos;

    Cursor(byte[] b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    /** An integer with an {@code n}-bit prefix (RFC 7541 section 5.1), at most 2^31-1. */
    int integer(int n) throws Http2Exception {
      int max = (1 << n) - 1;
      int value = b[pos++] & max;
      if (value < max) {
        return value;
      }
      long v = value;
      for (int shift = 0; ; shift += 7) {
        if (pos >= end) {
          throw connectionError(COMPRESSION_ERROR, "field block ends inside an integer");
        }
        int next = b[pos++] & 0xff;
        v += (long) (next & 0x7f) << shift;
        if (v > Integer.MAX_VALUE || shift > 28) {
          throw connectionError(COMPRESSION_ERROR, "integer past 2^31-1 in a field block");
        }
        if ((next & 0x80) == 0) {
          return (int) v;
        }
      }
    }

    /** A string literal (section 5.2), Huffman-coded or not, as ISO-8859-1. */
    String string() throws Http2Exception {
      if (pos >= end) {
        throw connectionError(COMPRESSION_ERROR, "field block ends before a string");
      }
      boolean huffman = (b[pos] & 0x80) != 0;
      int len = integer(7);
      if (len > end - pos) {
        throw connectionError(COMPRESSION_ERROR, "string of " + len + " bytes with " + (end - pos) + " left in the block");
      }
      String s = huffman ? Huffman.decode(b, pos, len) : new String(b, pos, len, StandardCharsets.ISO_8859_1);
      pos += len;
      return s;
    }
  }
}
