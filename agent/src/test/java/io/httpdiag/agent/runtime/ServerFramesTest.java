package io.httpdiag.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Servlet containers' and Spring MVC's frames are never the application's; their threads are never tracked. */
class ServerFramesTest {
  @Test
  void containerServletApiAndSpringMvcDispatchFramesAreNotCallSites() {
    for (String cls : List.of("org.apache.catalina.core.StandardWrapperValve", "org.apache.coyote.http11.Http11Processor",
        "org.apache.tomcat.util.threads.ThreadPoolExecutor", "org.eclipse.jetty.server.Server",
        "jakarta.servlet.http.HttpServlet", "org.springframework.web.servlet.DispatcherServlet",
        "org.springframework.web.method.support.InvocableHandlerMethod")) {
      assertTrue(CallSite.internal(cls), cls);
    }
    // The controller is the application's, and so is the rest of Spring (its task executors run the app's work).
    assertFalse(CallSite.internal("com.acme.OrderController"));
    assertFalse(CallSite.internal("org.springframework.core.task.SimpleAsyncTaskExecutor"));
  }

  @Test
  void threadsTheContainersStartAreNotTheApplications() {
    // Tomcat growing its worker pool from inside a request (AsyncContext.start), Jetty's QueuedThreadPool.
    assertTrue(ThreadTracker.notTheApplications(List.of("java.lang.Thread", "org.apache.tomcat.util.threads.ThreadPoolExecutor",
        "org.apache.catalina.core.AsyncContextImpl", "com.acme.Servlet")));
    assertTrue(ThreadTracker.notTheApplications(List.of("java.lang.Thread", "org.eclipse.jetty.util.thread.QueuedThreadPool",
        "com.acme.Handler")));
    // A servlet starting its own thread under the container's frames: the application's.
    assertFalse(ThreadTracker.notTheApplications(List.of("java.lang.Thread", "com.acme.Servlet",
        "jakarta.servlet.http.HttpServlet", "org.apache.catalina.core.StandardWrapperValve")));
  }
}
