package io.httpdiag.http;

import java.io.IOException;

/**
 * A client timeout fired. {@link #kind()} names the knob, so the caller can tell a slow dial from a
 * slow server: "dialTimeout", "tlsHandshakeTimeout", "responseHeaderTimeout",
 * "timeout" (the {@link Client}'s overall timeout, which covers connect, headers and body) or
 * "requestTimeout" (the {@link Request}'s own timeout). Waiting for a connection under
 * {@code maxConnsPerHost} is bounded by the exchange's deadline and reports that deadline's kind.
 * ("expectContinueTimeout" is only traced: like Go, the body is then sent anyway.)
 *
 * <p>The connection the exchange used is closed; nothing is retried after a timeout.
 */
public final class HttpTimeoutException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String kind;

  public HttpTimeoutException(String kind, String message) {
    super(message);
    this.kind = kind;
  }

  /** The knob whose time ran out, e.g. "responseHeaderTimeout". */
  public String kind() {
    return kind;
  }
}
