package io.httpdiag.http.internal.http2;

/**
 * Encodes HPACK field blocks (RFC 7541). A field found whole in the static or dynamic table is
 * sent as an index; otherwise as a literal (with the name indexed when the name is known) that is
 * added to the dynamic table when it fits, as Go's encoder does; a {@link HeaderField#sensitive()}
 * field is sent never-indexed and never enters the table. Strings are Huffman-coded when that is
 * no longer, unless Huffman was turned off.
 *
 * <p>The table size is the smaller of our own cap and the peer's SETTINGS_HEADER_TABLE_SIZE;
 * changes are announced by dynamic table size updates at the start of the next block (the
 * smallest size reached first, then the final one, section 4.2).
 *
 * <p>Not thread-safe: one encoder per connection, and blocks must reach the wire in the order
 * they were encoded.
 */
public final class HpackEncoder {
  private final HpackTable table;
  private final int cap;
  private final boolean huffman;
  private int smallestPending = -1; // -1: no size update to send
  private int finalPending = -1;

  /**
   * @param cap the largest dynamic table this encoder uses, in octets (4096 is the protocol's
   *     initial SETTINGS_HEADER_TABLE_SIZE; 0 disables the dynamic table)
   * @param huffman whether to Huffman-code strings that get no longer by it
   */
  public HpackEncoder(int cap, boolean huffman) {
    if (cap < 0) {
      throw new IllegalArgumentException("cap < 0: " + cap);
    }
    this.cap = cap;
    this.huffman = huffman;
    int initial = Math.min(cap, Http2.DEFAULT_HEADER_TABLE_SIZE);
    this.table = new HpackTable(initial);
    if (initial != Http2.DEFAULT_HEADER_TABLE_SIZE) {
      smallestPending = finalPending = initial; // the decoder starts at 4096: tell it
    }
  }

  /** The peer's SETTINGS_HEADER_TABLE_SIZE (an unsigned 32-bit value) changed. */
  public void peerHeaderTableSize(long settingsValue) {
    int size = (int) Math.min(cap, settingsValue);
    if (size == table.maxSize() && smallestPending < 0) {
      return;
    }
    table.maxSize(size); // evicts now; the decoder evicts when it reads the update
    smallestPending = smallestPending < 0 ? size : Math.min(smallestPending, size);
    finalPending = size;
  }

  /** Current dynamic table size in octets. */
  public int tableSize() {
    return table.size();
  }

  /**
   * Appends one whole field block to {@code out}: any pending dynamic table size update first,
   * then the fields in order. The block must be sent before the next one is encoded.
   */
  public void encode(Iterable<HeaderField> fields, ByteSink out) {
    if (smallestPending >= 0) {
      if (smallestPending < finalPending) {
        integer(out, 0x20, 5, smallestPending);
      }
      integer(out, 0x20, 5, finalPending);
      smallestPending = finalPending = -1;
    }
    for (HeaderField f : fields) {
      field(f, out);
    }
  }

  private void field(HeaderField field, ByteSink out) {
    int nameIndex = 0;
    for (int i = 1; i <= HpackTable.STATIC_LENGTH + table.dynamicCount(); i++) {
      HeaderField t = table.get(i);
      if (t.name().equals(field.name())) {
        if (!field.sensitive() && t.value().equals(field.value())) {
          integer(out, 0x80, 7, i); // 6.1 indexed
          return;
        }
        if (nameIndex == 0) {
          nameIndex = i;
        }
      }
    }
    if (field.sensitive()) {
      integer(out, 0x10, 4, nameIndex); // 6.2.3 never indexed
    } else if (field.size() <= table.maxSize()) {
      integer(out, 0x40, 6, nameIndex); // 6.2.1 with incremental indexing
      table.add(new HeaderField(field.name(), field.value()));
    } else {
      integer(out, 0x00, 4, nameIndex); // 6.2.2 without indexing: it would only empty the table
    }
    if (nameIndex == 0) {
      string(out, field.name());
    }
    string(out, field.value());
  }

  private void string(ByteSink out, String s) {
    if (huffman) {
      int encoded = Huffman.encodedLength(s);
      if (encoded <= s.length()) { // ties go to Huffman, as in RFC 7541 C.6.2 (":status: 307")
        integer(out, 0x80, 7, encoded);
        Huffman.encode(s, out);
        return;
      }
    }
    integer(out, 0, 7, s.length());
    for (int i = 0; i < s.length(); i++) {
      out.write(s.charAt(i));
    }
  }

  /** An integer with an {@code n}-bit prefix after the {@code pattern} bits (section 5.1). */
  static void integer(ByteSink out, int pattern, int n, int value) {
    int max = (1 << n) - 1;
    if (value < max) {
      out.write(pattern | value);
      return;
    }
    out.write(pattern | max);
    value -= max;
    while (value >= 0x80) {
      out.write((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }
}
