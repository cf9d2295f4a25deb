package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.HttpLibrary;

/** Fix texts for handlers that run in a servlet container (Tomcat, Jetty), where core-transport's do not apply. */
final class ServletFixes {
  static final String STUCK_HANDLER = "bound the handler's work: give its own calls timeouts (HTTP clients, database"
      + " queries, locks); work that must take long goes asynchronous with a timeout (AsyncContext.setTimeout, or a"
      + " Spring MVC Callable/DeferredResult with spring.mvc.async.request-timeout)";

  private ServletFixes() {}

  /** Whether the exchange {@code exchangeId} is a servlet container's (Tomcat, Jetty). */
  static boolean container(long exchangeId) {
    HttpLibrary l = HttpLibrary.of(exchangeId);
    return l == HttpLibrary.TOMCAT || l == HttpLibrary.JETTY;
  }

  /** The fix for a stuck handler of the exchange {@code exchangeId}: a servlet container's or core-transport's. */
  static String stuckHandler(long exchangeId) {
    return container(exchangeId) ? STUCK_HANDLER : Fixes.STUCK_HANDLER;
  }
}
