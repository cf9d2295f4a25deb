package io.httpdiag.http;

import java.io.IOException;

/**
 * The request was canceled ({@link Request#cancel()}) before its exchange completed. The message
 * says where: "request canceled while waiting for response headers: GET http://...". The
 * connection the exchange used is closed; nothing is retried after a cancellation.
 */
public final class RequestCanceledException extends IOException {
  private static final long serialVersionUID = 1L;

  public RequestCanceledException(String message, Throwable cause) {
    super(message, cause);
  }
}
