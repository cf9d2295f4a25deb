package io.httpdiag.http.internal.http2;

import java.nio.charset.StandardCharsets;

/** Protocol constants of RFC 9113. */
public final class Http2 {
  /** The client connection preface (section 3.4), sent before the client's SETTINGS. */
  public static final byte[] CLIENT_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  public static final int FRAME_HEADER_LENGTH = 9;
  /** Initial and smallest SETTINGS_MAX_FRAME_SIZE (section 6.5.2). */
  public static final int DEFAULT_MAX_FRAME_SIZE = 1 << 14;
  /** Largest SETTINGS_MAX_FRAME_SIZE a peer may announce: 2^24-1. */
  public static final int MAX_MAX_FRAME_SIZE = (1 << 24) - 1;
  /** Initial flow-control window of the connection and of every stream (section 6.9.2). */
  public static final int DEFAULT_INITIAL_WINDOW_SIZE = 65_535;
  /** Largest flow-control window: 2^31-1 (section 6.9.1). */
  public static final int MAX_WINDOW_SIZE = Integer.MAX_VALUE;
  /** Initial SETTINGS_HEADER_TABLE_SIZE (section 6.5.2). */
  public static final int DEFAULT_HEADER_TABLE_SIZE = 4096;

  private Http2() {}
}
