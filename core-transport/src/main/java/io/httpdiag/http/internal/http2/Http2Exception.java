package io.httpdiag.http.internal.http2;

import java.io.IOException;

/**
 * A violation of RFC 9113 or RFC 7541 by the peer. A connection error ({@link #streamId()} zero)
 * ends the connection with GOAWAY carrying {@link #code()}; a stream error ends only that stream
 * with RST_STREAM, and the frame that caused it has been read whole, so the connection can go on.
 */
public final class Http2Exception extends IOException {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;
  private final int streamId;

  private Http2Exception(ErrorCode code, int streamId, String message) {
    super(code.name() + ": " + message);
    this.code = code;
    this.streamId = streamId;
  }

  /** An error that ends the whole connection (GOAWAY). */
  public static Http2Exception connectionError(ErrorCode code, String message) {
    return new Http2Exception(code, 0, message);
  }

  /** An error that ends stream {@code streamId} only (RST_STREAM); {@code streamId} is not zero. */
  public static Http2Exception streamError(int streamId, ErrorCode code, String message) {
    if (streamId == 0) {
      throw new IllegalArgumentException("a stream error needs a stream: " + message);
    }
    return new Http2Exception(code, streamId, message);
  }

  public ErrorCode code() {
    return code;
  }

  /** The stream to reset, or zero for a connection error. */
  public int streamId() {
    return streamId;
  }

  public boolean isConnectionError() {
    return streamId == 0;
  }
}
