package io.httpdiag.callsite.wrapper;

import java.util.function.Supplier;

/**
 * Test fixture: an in-house HTTP wrapper between the application and its client, the kind
 * {@code callsite.skip} is for. {@code capture} stands for the HTTP client the wrapper calls.
 */
public final class ApiClient {
  private ApiClient() {}

  public static String send(Supplier<String> capture) {
    return WireTransport.roundTrip(capture);
  }

  /** A nested class of the wrapper: named by its outer class. */
  public static final class Retrying {
    private Retrying() {}

    public static String send(Supplier<String> capture) {
      return ApiClient.send(capture);
    }
  }
}

/** A second class of the wrapper, farther from the application: never the name. */
final class WireTransport {
  private WireTransport() {}

  static String roundTrip(Supplier<String> capture) {
    return capture.get();
  }
}
