package io.httpdiag.agent.runtime;

/** Test access to ThreadTracker's package-private attribution rule. */
public final class ThreadTrackerAccess {
  private ThreadTrackerAccess() {}

  public static boolean notTheApplications(Iterable<String> classNamesInnermostFirst) {
    return ThreadTracker.notTheApplications(classNamesInnermostFirst);
  }
}
