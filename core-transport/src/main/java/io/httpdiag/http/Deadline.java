package io.httpdiag.http;

/**
 * An absolute point in {@code System.nanoTime()} terms together with the knob that set it and that
 * knob's length, so whoever hits it can say which timeout fired ("responseHeaderTimeout (2s)
 * elapsed ..."). {@link #NONE} means no deadline. Immutable.
 *
 * @param atNanos the {@code System.nanoTime()} value past which the work fails; 0 for none
 * @param kind the knob's name, as {@link HttpTimeoutException#kind()} reports it
 * @param budgetNanos the knob's length, for the message
 */
record Deadline(long atNanos, String kind, long budgetNanos) {
  static final Deadline NONE = new Deadline(0, null, 0);

  /** A deadline {@code budgetNanos} from now; {@link #NONE} when the budget is zero (no timeout). */
  static Deadline after(String kind, long budgetNanos) {
    return budgetNanos == 0 ? NONE : new Deadline(System.nanoTime() + budgetNanos, kind, budgetNanos);
  }

  boolean isSet() {
    return atNanos != 0;
  }

  /** Nanoseconds left, zero or negative once passed; meaningless when not set. */
  long remainingNanos() {
    return atNanos - System.nanoTime();
  }

  /**
   * This deadline or one of {@code budgetNanos} from now named {@code kind}, whichever comes first
   * (a knob bounding one step never extends the exchange's deadline). A zero budget keeps this one.
   */
  Deadline orSooner(String kind, long budgetNanos) {
    if (budgetNanos <= 0) {
      return this;
    }
    long at = System.nanoTime() + budgetNanos;
    return isSet() && atNanos - at <= 0 ? this : new Deadline(at, kind, budgetNanos);
  }

  /** The exception for running out of time while doing {@code what}. */
  HttpTimeoutException expired(String what) {
    return new HttpTimeoutException(kind, kind + " (" + format(budgetNanos) + ") elapsed " + what);
  }

  /** "1.5s", "250ms". */
  static String format(long nanos) {
    if (nanos % 1_000_000_000L == 0) {
      return nanos / 1_000_000_000L + "s";
    }
    return nanos >= 1_000_000 ? nanos / 1_000_000 + "ms" : nanos + "ns";
  }
}
