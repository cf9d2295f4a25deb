package io.httpdiag.callsite.app;

import io.httpdiag.callsite.wrapper.ApiClient;
import java.util.function.Supplier;

/**
 * Test fixture: an application class (its package is nobody's framework) whose methods reach a
 * capture through an in-house HTTP wrapper. Each method returns the capture and the line it made
 * the call on, taken on that same line.
 */
public final class Orders {
  private Orders() {}

  /** Through the wrapper: the capture should name this line, via ApiClient. */
  public static Site load(Supplier<String> capture) {
    return new Site(ApiClient.send(capture), Site.line());
  }

  /** Straight to the capture: no framework in between. */
  public static Site direct(Supplier<String> capture) {
    return new Site(capture.get(), Site.line());
  }

  /** Through the wrapper and a nested helper of it: the frame nearest this one names the route. */
  public static Site retried(Supplier<String> capture) {
    return new Site(ApiClient.Retrying.send(capture), Site.line());
  }

  /** Two captures from two lines of one method: each should name its own line. */
  public static Site[] twoLines(Supplier<String> capture) {
    Site first = new Site(capture.get(), Site.line());
    Site second = new Site(capture.get(), Site.line());
    return new Site[] {first, second};
  }

  /** Runs {@code work} inside the wrapper and returns nothing: a thread's entry point. */
  public static void inside(Supplier<String> work) {
    ApiClient.send(work);
  }

  /** What a capture returned, and the fixture's line that made the call. */
  public static final class Site {
    public final String captured;
    public final int line;

    Site(String captured, int line) {
      this.captured = captured;
      this.line = line;
    }

    static int line() {
      return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow()).getLineNumber();
    }
  }
}
