package io.httpdiag.http;

import java.io.InputStream;

/**
 * A client response, like Go's {@code http.Response}: returned once the headers arrive; the body
 * streams from the connection.
 *
 * <p>Who closes what: the caller must read {@link #body()} to the end or {@link #close()} it.
 * Reading to the end returns the connection to the idle pool at once (closing afterwards is a
 * no-op). Closing before the end closes the connection, unless the rest of the body is already
 * buffered: draining an unknown remainder could block forever, so Go does not and neither do we.
 * A body never closed holds its connection ({@code Transport.stats()} shows it in use).
 *
 * <p>Over HTTP/2 the body is one stream of a shared connection: reading to the end frees the
 * stream's slot; closing before the end resets the stream (RST_STREAM CANCEL) and the connection
 * goes on; a body never closed holds its stream slot and its flow-control window
 * ({@code Transport.stats().activeStreams()}).
 *
 * <p>Status and headers are immutable after return; the body belongs to one reading thread.
 */
public final class Response implements AutoCloseable {
  private final Request request;
  private final int status;
  private final String reason;
  private final String protocol;
  private final Headers headers;
  private final InputStream body;
  private final long contentLength;

  Response(Request request, int status, String reason, String protocol, Headers headers, InputStream body,
      long contentLength) {
    this.request = request;
    this.status = status;
    this.reason = reason;
    this.protocol = protocol;
    this.headers = headers;
    this.body = body;
    this.contentLength = contentLength;
  }

  /** The status code, e.g. 200. */
  public int status() {
    return status;
  }

  /** The reason phrase as sent, possibly empty. */
  public String reason() {
    return reason;
  }

  /** "HTTP/1.1" or "HTTP/1.0", or "HTTP/2.0" for an exchange on an HTTP/2 connection (one stream). */
  public String protocol() {
    return protocol;
  }

  public Headers headers() {
    return headers;
  }

  /**
   * The body; empty (not null) for HEAD, 204 and 304. An I/O error, truncation or bad framing
   * surfaces as an {@code IOException} from {@code read}, and a timeout as an
   * {@link HttpTimeoutException}.
   */
  public InputStream body() {
    return body;
  }

  /**
   * The body's length: the Content-Length, or -1 when unknown (chunked, or delimited by the
   * connection's close); 0 for 1xx, 204 and 304. For a HEAD request, the Content-Length field as
   * sent (the length a GET would get), or -1 without one; the body itself is empty. As Go.
   */
  public long contentLength() {
    return contentLength;
  }

  /** The request that produced this response: after redirects, the last one. */
  public Request request() {
    return request;
  }

  /** Closes the body (see the class comment for what that does to the connection). Idempotent. */
  @Override
  public void close() {
    try {
      body.close();
    } catch (java.io.IOException impossible) {
      throw new IllegalStateException(impossible); // ClientBody.close does not throw
    }
  }

  @Override
  public String toString() {
    return protocol + " " + status + " " + reason + " (" + request + ")";
  }
}
