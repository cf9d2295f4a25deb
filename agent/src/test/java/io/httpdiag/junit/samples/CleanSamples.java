package io.httpdiag.junit.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.httpdiag.http.Response;
import io.httpdiag.http.Server;
import io.httpdiag.junit.HttpLeakCheck;
import io.httpdiag.junit.LeakKind;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** Tests that must pass under {@link HttpLeakCheck}: clean ones, late-but-clean teardown, and ignore options. */
@HttpLeakCheck
class CleanSamples {
  static Server server;
  static final CountDownLatch stop = new CountDownLatch(1);
  private CountDownLatch testReturned;

  @BeforeAll
  static void startServer() throws Exception {
    server = SampleServer.start();
  }

  @AfterAll
  static void stopServer() {
    stop.countDown();
    server.close();
  }

  @Test
  void bodyReadAndClosed() throws Exception {
    try (Response r = SampleServer.CLIENT.get(server.url("/big"))) {
      assertEquals(1 << 20, r.body().readAllBytes().length);
    }
  }

  /**
   * Asynchronous teardown: the body is read and closed by another thread that starts only once the
   * test method has returned (and its @AfterEach ran), racing the leak check, which must wait for it.
   */
  @RepeatedTest(100)
  void bodyClosedByAnotherThreadAfterTheTestReturns() throws Exception {
    Response r = SampleServer.CLIENT.get(server.url("/big"));
    testReturned = new CountDownLatch(1);
    CountDownLatch go = testReturned;
    new Thread(() -> {
      try (Response closing = r; InputStream in = closing.body()) {
        go.await();
        in.readAllBytes();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "async-teardown").start();
  }

  @AfterEach
  void releaseTeardown() {
    if (testReturned != null) testReturned.countDown();
  }

  @Test
  void threadJoinedBeforeTheEnd() throws Exception {
    Thread t = new Thread(() -> {}, "short-lived");
    t.start();
    t.join();
  }

  @Test
  @HttpLeakCheck(ignoreThreads = "tolerated-.*")
  void threadIgnoredByName() {
    new Thread(this::awaitStop, "tolerated-1").start();
  }

  @Test
  @HttpLeakCheck(ignoreTopFrames = "java.lang.Thread.sleep")
  void threadIgnoredByTopFrame() {
    new Thread(() -> {
      while (stop.getCount() > 0) {
        try {
          Thread.sleep(20); // a poller: its top frame is Thread.sleep (sleep0 on 21+)
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "poller").start();
  }

  @Test
  @HttpLeakCheck(check = LeakKind.BODIES)
  void threadNotCheckedWhenOnlyBodiesAre() {
    new Thread(this::awaitStop, "unchecked").start();
  }

  /** Class identity: the API's runtime is the agent's boot-loaded copy, the extension the class path's. */
  @Test
  void runtimeIsTheBootLoadedCopy() throws Exception {
    assertNull(Class.forName("io.httpdiag.agent.runtime.Events").getClassLoader(), "Events from the boot loader");
    java.lang.reflect.Method m = Class.forName("io.httpdiag.junit.RuntimeBridge").getDeclaredMethod("runtimeLoader");
    m.setAccessible(true);
    assertNull(m.invoke(null), "the extension's view of the runtime is the boot copy");
    assertNotNull(HttpLeakCheck.class.getClassLoader(), "the extension itself comes from the class path");
    try {
      Class.forName("io.httpdiag.junit.HttpLeakExtension", false, null);
      throw new AssertionError("the extension must not be on the boot class path");
    } catch (ClassNotFoundException expected) {
      // the agent put a boot copy without io.httpdiag.junit on the boot path
    }
  }

  private void awaitStop() {
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
