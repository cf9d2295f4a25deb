package io.httpdiag.http.internal.http2;

/** The error codes of RFC 9113 section 7, carried by RST_STREAM and GOAWAY. */
public enum ErrorCode {
  NO_ERROR(0x0),
  PROTOCOL_ERROR(0x1),
  INTERNAL_ERROR(0x2),
  FLOW_CONTROL_ERROR(0x3),
  SETTINGS_TIMEOUT(0x4),
  STREAM_CLOSED(0x5),
  FRAME_SIZE_ERROR(0x6),
  REFUSED_STREAM(0x7),
  CANCEL(0x8),
  COMPRESSION_ERROR(0x9),
  CONNECT_ERROR(0xa),
  ENHANCE_YOUR_CALM(0xb),
  INADEQUATE_SECURITY(0xc),
  HTTP_1_1_REQUIRED(0xd);

  private static final ErrorCode[] BY_CODE = values();

  /** The 32-bit value on the wire. */
  public final int code;

  ErrorCode(int code) {
    this.code = code;
  }

  /**
   * The name of a code read off the wire. Unknown codes are legal (section 7: they must not
   * trigger special behaviour) and are shown in hex.
   */
  public static String name(int code) {
    ErrorCode known = of(code);
    return known != null ? known.name() : "0x" + Integer.toHexString(code);
  }

  /** The code for a wire value, or null when the value is not one RFC 9113 defines. */
  public static ErrorCode of(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
