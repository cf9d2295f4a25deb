package io.httpdiag.agent.report;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A problem found by a detector. The JFR stack of this event would be the detector's, so the stack
 * where the problem began is carried as text in {@link #callStack} (first frame: the call site).
 */
@Name(FindingEvent.NAME)
@Label("HTTP Finding")
@Category({"HTTP Diagnostics", "Findings"})
@Description("A problem found by httpdiag: a leaked or early-closed body, a client built per request, a missing "
    + "timeout, a stuck exchange, pool churn")
@StackTrace(false)
public final class FindingEvent extends Event {
  public static final String NAME = "httpdiag.Finding";

  @Label("Kind") @Description("BODY_NOT_CLOSED, BODY_CLOSED_EARLY, CLIENT_PER_REQUEST, MISSING_TIMEOUT, ...")
  public String kind;
  @Label("Title") @Description("What happened, with the exchange or component") public String title;
  @Label("Call Site") @Description("The first frame in the application's code") public String callSite;
  @Label("Details") public String details;
  @Label("Fix") public String fix;
  @Label("Call Stack") @Description("Frames from the call site, one per line (the event's own stack would be the detector's)") public String callStack;
  @Label("Count") @Description("Occurrences so far at this call site") public long count;
}
