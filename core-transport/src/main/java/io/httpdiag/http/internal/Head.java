package io.httpdiag.http.internal;

import io.httpdiag.http.Headers;

/**
 * A parsed request or response head. For a request: method, target, version. For a response:
 * status and reason. {@code contentLength} is -1 when absent; {@code chunked} when
 * Transfer-Encoding is chunked (the parser has already rejected every other transfer coding).
 */
public final class Head {
  public String method;
  public String target;
  public int status;
  public String reason;
  public int major;
  public int minor;
  public final Headers headers = new Headers();
  public long contentLength = -1;
  public boolean chunked;

  /** "HTTP/1.1" etc. */
  public String protocol() {
    return major == 1 && minor == 1 ? "HTTP/1.1" : major == 1 && minor == 0 ? "HTTP/1.0" : "HTTP/" + major + "." + minor;
  }

  /** Whether the message asks to keep the connection open after it (RFC 9112 section 9.3). */
  public boolean keepAlive() {
    if (headers.containsToken("Connection", "close")) {
      return false;
    }
    if (major == 1 && minor == 0) {
      return headers.containsToken("Connection", "keep-alive");
    }
    return true;
  }
}
