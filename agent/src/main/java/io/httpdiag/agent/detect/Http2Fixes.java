package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Ids;

/**
 * What a mistake costs when the exchange ran on an HTTP/2 stream of core-transport, in the fix's
 * words: an unclosed body holds a stream, not a connection; closing a body early resets the stream
 * (RST_STREAM CANCEL) and keeps the connection. The kinds stay the HTTP/1.1 ones (same mistake, same
 * remedy: close or read the body), so the leak assertions and the demo that look for them see them.
 */
final class Http2Fixes {
  /** Why an open HTTP/2 body costs anything: said once, in the finding's title and its fix. */
  static final String STREAM_HELD = "a concurrent-stream slot and its flow-control window held";

  private Http2Fixes() {}

  /** Whether {@code x} ran on an HTTP/2 stream whose fixes are core-transport's. */
  static boolean applies(ExchangeState x) {
    return x.streamId != 0 && Ids.isCore(x.id);
  }

  /** The HTTP/2 fix for {@code kind}, or null when the HTTP/1.1 one says it. */
  static String of(Finding.Kind kind) {
    switch (kind) {
      case BODY_NOT_CLOSED:
        return "close the body (try-with-resources on the Response) or read it to the end: over HTTP/2 an open body "
            + "holds one of the connection's concurrent streams (the server's MAX_CONCURRENT_STREAMS) and its "
            + "flow-control window, and its unread bytes count against the window every stream on the connection "
            + "shares; once the slots run out, requests wait or the transport dials another connection";
      case BODY_CLOSED_LATE:
        return "close the body (try-with-resources on the Response) as soon as it is read: until then its HTTP/2 "
            + "stream holds one of the connection's concurrent-stream slots";
      case BODY_CLOSED_EARLY:
        return "read the body to the end before closing it (or ask for less: HEAD, Range, a smaller page); over "
            + "HTTP/2 closing early resets only the stream (RST_STREAM CANCEL), but here the connection was lost too";
      default:
        return null;
    }
  }
}
