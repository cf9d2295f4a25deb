package io.httpdiag.http.internal.http2;

/**
 * One field of a field block. Names and values are octets held as ISO-8859-1 strings (one char
 * per octet). {@code sensitive} fields are never put in a compression table (RFC 7541 section
 * 7.1.3): the encoder sends them as never-indexed literals, the decoder marks them so.
 */
public record HeaderField(String name, String value, boolean sensitive) {
  /** Per-entry overhead counted by the table size and the header list size (RFC 7541 section 4.1). */
  public static final int ENTRY_OVERHEAD = 32;

  public HeaderField(String name, String value) {
    this(name, value, false);
  }

  /** Size as RFC 7541 section 4.1 and RFC 9113 SETTINGS_MAX_HEADER_LIST_SIZE count it. */
  public int size() {
    return name.length() + value.length() + ENTRY_OVERHEAD;
  }
}
