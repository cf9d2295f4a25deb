package io.httpdiag.http;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An HTTP request, on either side, like Go's {@code http.Request}.
 *
 * <p>Client side: build one with {@link #builder}; the transport writes it and closes a stream
 * body. Server side: the server builds it; the handler reads {@link #body()} (the server closes it
 * and drains what is left). The request's body, path values and cancellation belong to the thread
 * handling it; {@link #cancel()}, {@link #isCanceled()} and {@link #onCancel} are thread-safe.
 */
public final class Request {
  private static final InputStream EMPTY = InputStream.nullInputStream();

  private final String method;
  private final URI uri;
  private final String target;
  private final String protocol;
  private final Headers headers;
  private InputStream body;
  private final long contentLength;
  private final byte[] bodyBytes;
  private final String remoteAddress;
  private final Duration timeout;
  private final ClientTrace trace;
  private Map<String, String> pathValues;

  private final Object cancelLock = new Object();
  private volatile boolean canceled;
  private List<Runnable> cancelCallbacks; // guarded by cancelLock
  /** Server side: called once when the handler first shows interest in cancellation. */
  private Runnable cancelInterest;

  private Request(Builder b) {
    this.method = b.method;
    this.uri = b.uri;
    this.target = b.target;
    this.protocol = b.protocol;
    this.headers = b.headers;
    this.bodyBytes = b.bodyBytes;
    this.body = b.bodyBytes != null ? new ByteArrayInputStream(b.bodyBytes) : (b.body != null ? b.body : EMPTY);
    this.contentLength = b.bodyBytes != null ? b.bodyBytes.length : b.contentLength;
    this.remoteAddress = b.remoteAddress;
    this.timeout = b.timeout;
    this.trace = b.trace;
  }

  /** A builder for a client request; {@code uri} must be absolute http or https. */
  public static Builder builder(String method, URI uri) {
    return new Builder(method, uri);
  }

  public static Builder builder(String method, String uri) {
    return new Builder(method, URI.create(uri));
  }

  /** Server side: a request parsed off the wire. */
  static Request forServer(String method, URI uri, String target, String protocol, Headers headers, InputStream body,
      long contentLength, String remoteAddress) {
    Builder b = new Builder(method, uri);
    b.target = target;
    b.protocol = protocol;
    b.headers = headers;
    b.body = body;
    b.contentLength = contentLength;
    b.remoteAddress = remoteAddress;
    return new Request(b);
  }

  /** The method, e.g. "GET". */
  public String method() {
    return method;
  }

  /** The absolute URI. Server side it is rebuilt from the Host header and the request target. */
  public URI uri() {
    return uri;
  }

  /** The request target as on the wire, e.g. "/search?q=x". */
  public String target() {
    return target;
  }

  /** The decoded path, e.g. "/users/42". */
  public String path() {
    String p = uri.getPath();
    return p == null || p.isEmpty() ? "/" : p;
  }

  /** The raw query without '?', or null. */
  public String rawQuery() {
    return uri.getRawQuery();
  }

  /** The first value of query parameter {@code name}, decoded, or null. */
  public String queryParam(String name) {
    String q = uri.getRawQuery();
    if (q == null) {
      return null;
    }
    for (String pair : q.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      if (k.equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  /** "HTTP/1.1" or "HTTP/1.0". */
  public String protocol() {
    return protocol;
  }

  /** The host (and port, if given) this request is for: the Host header on the server side. */
  public String host() {
    String h = headers.get("Host");
    if (h != null) {
      return h;
    }
    return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
  }

  public Headers headers() {
    return headers;
  }

  /** The body; an empty stream when there is none. Never null. */
  public InputStream body() {
    return body;
  }

  /** The body length in bytes, or -1 when unknown (chunked). 0 means no body. */
  public long contentLength() {
    return contentLength;
  }

  /** Client side: the body when given as bytes (replayable on redirect and retry), else null. */
  public byte[] bodyBytes() {
    return bodyBytes;
  }

  /** Server side: the client's address as "ip:port"; null on the client side. */
  public String remoteAddress() {
    return remoteAddress;
  }

  /** Client side: the deadline for this request, or null for none (the client's applies). */
  public Duration timeout() {
    return timeout;
  }

  /** Client side: the trace listener given for this request, or null. */
  public ClientTrace trace() {
    return trace;
  }

  /** The value matched by wildcard {@code {name}} of the {@link ServeMux} pattern, or null. */
  public String pathValue(String name) {
    return pathValues == null ? null : pathValues.get(name);
  }

  /** Sets a path value, as the mux does (Go's {@code Request.SetPathValue}). */
  public void setPathValue(String name, String value) {
    if (pathValues == null) {
      pathValues = new HashMap<>(4);
    }
    pathValues.put(name, value);
  }

  /** Replaces the body stream, as body-limiting middleware does. */
  void replaceBody(InputStream newBody) {
    this.body = newBody;
  }

  /**
   * Cancels the request: the client transport aborts the exchange; on the server side the server
   * calls this when the client disconnects (Go's {@code r.Context().Done()}). Idempotent.
   */
  public void cancel() {
    List<Runnable> callbacks;
    synchronized (cancelLock) {
      if (canceled) {
        return;
      }
      canceled = true;
      callbacks = cancelCallbacks;
      cancelCallbacks = null;
    }
    if (callbacks != null) {
      for (Runnable r : callbacks) {
        r.run();
      }
    }
  }

  public boolean isCanceled() {
    noteCancelInterest();
    return canceled;
  }

  void setCancelInterest(Runnable r) {
    this.cancelInterest = r;
  }

  private void noteCancelInterest() {
    Runnable r = cancelInterest;
    if (r != null) {
      cancelInterest = null;
      r.run();
    }
  }

  /** Runs {@code callback} once on cancellation, at once if already canceled, on the cancelling thread. */
  public void onCancel(Runnable callback) {
    noteCancelInterest();
    synchronized (cancelLock) {
      if (!canceled) {
        if (cancelCallbacks == null) {
          cancelCallbacks = new ArrayList<>(2);
        }
        cancelCallbacks.add(callback);
        return;
      }
    }
    callback.run();
  }

  /**
   * Client side: forgets a callback registered with {@link #onCancel} (identity), so a request
   * sent many times does not accumulate one per exchange.
   */
  void removeOnCancel(Runnable callback) {
    synchronized (cancelLock) {
      if (cancelCallbacks != null) {
        for (int i = cancelCallbacks.size() - 1; i >= 0; i--) {
          if (cancelCallbacks.get(i) == callback) {
            cancelCallbacks.remove(i);
            return;
          }
        }
      }
    }
  }

  @Override
  public String toString() {
    return method + " " + uri;
  }

  /** Builds a client request. Not thread-safe. */
  public static final class Builder {
    private final String method;
    private final URI uri;
    private String target;
    private String protocol = "HTTP/1.1";
    private Headers headers = new Headers();
    private InputStream body;
    private byte[] bodyBytes;
    private long contentLength;
    private String remoteAddress;
    private Duration timeout;
    private ClientTrace trace;

    private Builder(String method, URI uri) {
      if (method == null || method.isEmpty()) {
        throw new IllegalArgumentException("method is empty");
      }
      this.method = method;
      this.uri = uri;
      String path = uri.getRawPath();
      String query = uri.getRawQuery();
      this.target = (path == null || path.isEmpty() ? "/" : path) + (query == null ? "" : "?" + query);
    }

    public Builder header(String name, String value) {
      headers.add(name, value);
      return this;
    }

    /** A body given as bytes; sent with Content-Length and replayable on redirects and retries. */
    public Builder body(byte[] bytes) {
      this.bodyBytes = bytes;
      this.body = null;
      return this;
    }

    public Builder body(String text) {
      return body(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A streamed body of {@code length} bytes, or -1 for unknown (sent chunked). The transport
     * reads it once and closes it; such a request is not retried.
     */
    public Builder body(InputStream stream, long length) {
      if (length < -1) {
        throw new IllegalArgumentException("length < -1: " + length);
      }
      this.body = stream;
      this.bodyBytes = null;
      this.contentLength = length;
      return this;
    }

    /** Deadline for the whole exchange including reading the body. Zero or null means none. */
    public Builder timeout(Duration timeout) {
      if (timeout != null && timeout.isNegative()) {
        throw new IllegalArgumentException("timeout < 0: " + timeout);
      }
      this.timeout = timeout == null || timeout.isZero() ? null : timeout;
      return this;
    }

    public Builder trace(ClientTrace trace) {
      this.trace = trace;
      return this;
    }

    public Request build() {
      return new Request(this);
    }
  }
}
