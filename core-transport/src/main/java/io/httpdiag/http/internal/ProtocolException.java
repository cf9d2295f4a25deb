package io.httpdiag.http.internal;

import java.io.IOException;

/**
 * Malformed HTTP on the wire. {@link #status()} is the response a server sends for it (400, 413,
 * 414, 431, 501, 505, 417). The connection that produced it must not be reused.
 */
public final class ProtocolException extends IOException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public ProtocolException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
