package io.httpdiag.bench;

import java.util.List;

/**
 * Latencies in nanoseconds, log-linear buckets (64 sub-buckets per power of two: under 1.6% error).
 * Not thread-safe: one per thread, then {@link #merge}.
 */
final class Histogram {
  private static final int SUB_BITS = 6;
  private static final int SUB = 1 << SUB_BITS;
  private final long[] counts = new long[64 * SUB];
  private long count;

  void record(long nanos) {
    counts[index(Math.max(1, nanos))]++;
    count++;
  }

  long count() {
    return count;
  }

  /** The value at percentile {@code p} (0-100), in nanoseconds; 0 when empty. */
  double percentile(double p) {
    long rank = (long) Math.ceil(p / 100.0 * count);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank && counts[i] > 0) {
        return value(i);
      }
    }
    return 0;
  }

  static Histogram merge(List<Histogram> parts) {
    Histogram all = new Histogram();
    for (Histogram h : parts) {
      for (int i = 0; i < h.counts.length; i++) {
        all.counts[i] += h.counts[i];
      }
      all.count += h.count;
    }
    return all;
  }

  private static int index(long v) {
    int exp = 63 - Long.numberOfLeadingZeros(v);
    if (exp < SUB_BITS) {
      return (int) v;
    }
    int sub = (int) (v >>> (exp - SUB_BITS)) & (SUB - 1);
    return (exp - SUB_BITS + 1) * SUB + sub;
  }

  private static double value(int index) {
    int block = index / SUB;
    int sub = index % SUB;
    if (block == 0) {
      return sub;
    }
    int exp = block + SUB_BITS - 1;
    long lo = ((long) (SUB + sub)) << (exp - SUB_BITS);
    long width = 1L << (exp - SUB_BITS);
    return lo + width / 2.0; // bucket midpoint
  }
}
