package io.httpdiag.agent.runtime;

/**
 * One problem found, in a form readable without the agent's sources: what ({@link #title}), where
 * ({@link #callSite} and {@link #stack}), how much ({@link #details}) and the {@link #fix}.
 * Repeats of the same kind at the same call site (and subject, e.g. host) aggregate into one
 * finding with a count. Immutable but for the evidence (updated under this object's lock) and the
 * aggregate counters (count and last seen: lock-free, see {@link Findings}).
 */
public final class Finding {
  /** The kinds of finding, with the word the log line starts with. */
  public enum Kind {
    BODY_NOT_CLOSED("LEAK"),
    BODY_CLOSED_LATE("INFO"),
    BODY_CLOSED_EARLY("WASTE"),
    CLIENT_PER_REQUEST("MISUSE"),
    CLIENT_NOT_CLOSED("LEAK"),
    MISSING_TIMEOUT("RISK"),
    STUCK_EXCHANGE("STUCK"),
    POOL_CHURN("CHURN"),
    /** Requests waited for a connection because the pool's per-route (per-host) or total limit was reached. */
    POOL_EXHAUSTED("EXHAUSTED"),
    THREAD_LEAK("LEAK"),
    VIRTUAL_THREAD_PINNED("PINNED");

    public final String tag;

    Kind(String tag) {
      this.tag = tag;
    }
  }

  public final Kind kind;
  /** Aggregation key: kind + subject, or kind + call site when there is no subject. */
  final String key;
  /** The key without its kind: the subject, or the call site ("null" when neither), as {@link Findings#repeat} is given it. */
  final String subjectOrCallSite;
  // The evidence below is the latest occurrence's; guarded by this.
  private String title;
  private String callSite;
  private String callSiteLabel;
  private String[] details;
  private String fix;
  private String[] stack;

  // count and lastSeenMillis change on every occurrence, possibly on many threads at once: updated
  // without a lock (see Findings.occurred), so a repeat on the request path never waits for a monitor.
  volatile long count;
  long sequence;
  long firstSeenMillis;
  volatile long lastSeenMillis;
  static final java.util.concurrent.atomic.AtomicLongFieldUpdater<Finding> COUNT =
      java.util.concurrent.atomic.AtomicLongFieldUpdater.newUpdater(Finding.class, "count");

  public Finding(Kind kind, String subject, String title, String callSiteLabel, String callSite, String[] details,
      String fix, String[] stack) {
    this.kind = kind;
    this.subjectOrCallSite = String.valueOf(subject != null ? subject : callSite);
    this.key = kind + "|" + subjectOrCallSite;
    this.title = title;
    this.callSiteLabel = callSiteLabel;
    this.callSite = callSite;
    this.details = details == null ? new String[0] : details;
    this.fix = fix;
    this.stack = stack == null ? new String[0] : stack;
  }

  /** Takes the evidence of a newer occurrence (the aggregate shows the latest numbers). */
  synchronized void update(Finding newer) {
    title = newer.title;
    callSite = newer.callSite;
    callSiteLabel = newer.callSiteLabel;
    details = newer.details;
    fix = newer.fix;
    stack = newer.stack;
  }

  /** One line: what happened, with the exchange or component it happened to. */
  public synchronized String title() {
    return title;
  }

  /** Where it began, e.g. {@code com.acme.Inventory.refresh(Inventory.java:88)}. */
  public synchronized String callSite() {
    return callSite;
  }

  /** Extra lines of evidence (may be empty). */
  public synchronized String[] details() {
    return details.clone();
  }

  public synchronized String fix() {
    return fix;
  }

  /** Frames from the call site down (may be empty). */
  public synchronized String[] stack() {
    return stack.clone();
  }

  /** Order of first occurrence. */
  synchronized long sequence() {
    return sequence;
  }

  public synchronized long count() {
    return count;
  }

  public synchronized long firstSeenMillis() {
    return firstSeenMillis;
  }

  public synchronized long lastSeenMillis() {
    return lastSeenMillis;
  }

  /** The finding as the log shows it: a title line, the call site, details, the fix. */
  public synchronized String text() {
    StringBuilder sb = new StringBuilder();
    sb.append("httpdiag ").append(kind.tag).append(' ').append(title);
    long n = count;
    if (n > 1) sb.append(" [seen ").append(n).append(" times]");
    sb.append("\n  ").append(callSiteLabel).append(' ').append(callSite);
    for (String d : details) sb.append("\n  ").append(d);
    if (stack.length > 0 && !kind.tag.equals("INFO")) {
      for (String frame : stack) sb.append("\n    at ").append(frame);
    }
    if (fix != null) sb.append("\n  fix: ").append(fix);
    return sb.toString();
  }

  @Override
  public String toString() {
    return text();
  }
}
