package io.httpdiag.agent.testapp;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The servlets both containers serve in {@link ServletApp}: clean ones (hello, async, an error page)
 * and the mistakes the agent must find at their own lines (a thread or virtual thread left running
 * by a request, a handler that hangs). Every line an IT names is marked {@code // SITE:}.
 */
public final class Servlets {
  /** Lets the stuck handler go once its finding was seen (or at its deadline). */
  static final CountDownLatch RELEASE = new CountDownLatch(1);
  /** Lets the leaked threads go at the end, so the JVM exits by itself. */
  static final CountDownLatch STOP_LEAKS = new CountDownLatch(1);

  private Servlets() {}

  /** Path → servlet; the async ones need asyncSupported. */
  static Map<String, HttpServlet> all() {
    return Map.of("/hello", new Hello(), "/leak", new Leak(), "/leakVirtual", new LeakVirtual(), "/stuck", new Stuck(),
        "/async", new Async(), "/boom", new Boom());
  }

  static boolean async(String path) {
    return path.equals("/async");
  }

  static final class Hello extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.getWriter().write("hello " + req.getQueryString() + "\n");
    }
  }

  /** Starts a worker per request and returns: the worker outlives the request. */
  static final class Leak extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      Thread t = new Thread(Servlets::parkUntilStopped, "leaky-worker");
      t.setDaemon(true);
      t.start(); // SITE: leak
      resp.getWriter().write("started\n");
    }
  }

  /** The same with a virtual thread (JDK 21+; by reflection, the tests compile for 17). */
  static final class LeakVirtual extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      try {
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class)
            .invoke(builder, (Runnable) Servlets::parkUntilStopped); // SITE: leakVirtual
      } catch (ReflectiveOperationException e) {
        throw new IOException(e);
      }
      resp.getWriter().write("started\n");
    }
  }

  /** Hangs until released: the agent must report it while it runs. */
  static final class Stuck extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      try {
        RELEASE.await(30, TimeUnit.SECONDS); // SITE: stuck
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      resp.getWriter().write("released\n");
    }
  }

  /** Goes asynchronous; a short-lived thread completes it. */
  static final class Async extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      AsyncContext ctx = req.startAsync();
      Thread t = new Thread(() -> {
        try {
          Thread.sleep(50); // completes after the servlet returned
          ctx.getResponse().getWriter().write("async done\n");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        } finally {
          ctx.complete();
        }
      }, "async-finisher");
      t.start();
    }
  }

  /** Throws: the container's error page (500). */
  static final class Boom extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      throw new IllegalStateException("boom");
    }
  }

  private static void parkUntilStopped() {
    try {
      STOP_LEAKS.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
