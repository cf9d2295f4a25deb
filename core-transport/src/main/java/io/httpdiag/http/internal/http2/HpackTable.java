package io.httpdiag.http.internal.http2;

/**
 * The HPACK index space (RFC 7541 section 2.3): the static table at 1..61, then the dynamic
 * table, newest entry first. The dynamic table is a ring bounded by its maximum size in octets;
 * adding evicts the oldest entries, and an entry larger than the maximum empties the table
 * (section 4.4). Not thread-safe: one per decoder or encoder.
 */
final class HpackTable {
  static final HeaderField[] STATIC = {
      null, // index 0 is not used
      f(":authority", ""), f(":method", "GET"), f(":method", "POST"), f(":path", "/"), f(":path", "/index.html"),
      f(":scheme", "http"), f(":scheme", "https"), f(":status", "200"), f(":status", "204"), f(":status", "206"),
      f(":status", "304"), f(":status", "400"), f(":status", "404"), f(":status", "500"), f("accept-charset", ""),
      f("accept-encoding", "gzip, deflate"), f("accept-language", ""), f("accept-ranges", ""), f("accept", ""),
      f("access-control-allow-origin", ""), f("age", ""), f("allow", ""), f("authorization", ""),
      f("cache-control", ""), f("content-disposition", ""), f("content-encoding", ""), f("content-language", ""),
      f("content-length", ""), f("content-location", ""), f("content-range", ""), f("content-type", ""),
      f("cookie", ""), f("date", ""), f("etag", ""), f("expect", ""), f("expires", ""), f("from", ""), f("host", ""),
      f("if-match", ""), f("if-modified-since", ""), f("if-none-match", ""), f("if-range", ""),
      f("if-unmodified-since", ""), f("last-modified", ""), f("link", ""), f("location", ""), f("max-forwards", ""),
      f("proxy-authenticate", ""), f("proxy-authorization", ""), f("range", ""), f("referer", ""), f("refresh", ""),
      f("retry-after", ""), f("server", ""), f("set-cookie", ""), f("strict-transport-security", ""),
      f("transfer-encoding", ""), f("user-agent", ""), f("vary", ""), f("via", ""), f("www-authenticate", ""),
  };
  static final int STATIC_LENGTH = STATIC.length - 1;

  private HeaderField[] ring = new HeaderField[8];
  private int newest = -1; // ring index of the newest entry
  private int count;
  private int size;
  private int maxSize;

  HpackTable(int maxSize) {
    this.maxSize = maxSize;
  }

  /** The field at a 1-based HPACK index, or null when the index is 0 or past the table. */
  HeaderField get(int index) {
    if (index <= 0) {
      return null;
    }
    if (index <= STATIC_LENGTH) {
      return STATIC[index];
    }
    int i = index - STATIC_LENGTH - 1;
    return i < count ? dynamic(i) : null;
  }

  /** Dynamic entry {@code i}, 0 being the newest. */
  HeaderField dynamic(int i) {
    return ring[Math.floorMod(newest - i, ring.length)];
  }

  int dynamicCount() {
    return count;
  }

  /** Current size in octets (section 4.1). */
  int size() {
    return size;
  }

  int maxSize() {
    return maxSize;
  }

  /** Sets the maximum size, evicting as needed (section 4.3). */
  void maxSize(int max) {
    this.maxSize = max;
    evictTo(max);
  }

  /** Adds an entry as the newest, evicting the oldest until it fits (section 4.4). */
  void add(HeaderField field) {
    int need = field.size();
    if (need > maxSize) {
      evictTo(0); // not an error: the table ends up empty
      return;
    }
    evictTo(maxSize - need);
    if (count == ring.length) {
      HeaderField[] bigger = new HeaderField[ring.length * 2];
      for (int i = 0; i < count; i++) {
        bigger[count - 1 - i] = dynamic(i);
      }
      ring = bigger;
      newest = count - 1;
    }
    newest = (newest + 1) % ring.length;
    ring[newest] = field;
    count++;
    size += need;
  }

  private void evictTo(int target) {
    while (size > target && count > 0) {
      int oldest = Math.floorMod(newest - count + 1, ring.length);
      size -= ring[oldest].size();
      ring[oldest] = null;
      count--;
    }
  }

  private static HeaderField f(String name, String value) {
    return new HeaderField(name, value);
  }
}
