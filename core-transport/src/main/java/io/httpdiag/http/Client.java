package io.httpdiag.http;

import io.httpdiag.http.internal.Trace;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;

/**
 * An HTTP client, like Go's {@code http.Client}: redirects, default headers, an overall timeout
 * and a trace listener over a {@link Transport}. Immutable and thread-safe: build one and share
 * it. The transport is not closed by the client; whoever built it closes it.
 *
 * <pre>{@code
 * try (Response r = client.get("http://example.com/")) {
 *   byte[] body = r.body().readAllBytes(); // read to the end: the connection is reused
 * }
 * }</pre>
 */
public final class Client {
  private static final Object DEFAULT_LOCK = new Object();
  private static Transport defaultTransport; // guarded by DEFAULT_LOCK

  private final Builder config;
  private final Transport transport;
  private final long timeoutNanos;
  private final int maxRedirects;
  private final Headers defaultHeaders;
  private final ClientTrace trace;

  private Client(Builder b) {
    this.config = b.copy();
    this.transport = b.transport != null ? b.transport : defaultTransport();
    this.timeoutNanos = b.timeout.toNanos();
    this.maxRedirects = b.maxRedirects;
    this.defaultHeaders = b.headers.isEmpty() ? null : b.headers.copy();
    this.trace = b.trace;
    Trace.clientCreated(this, transport, timeoutNanos);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this client's settings. */
  public Builder newBuilder() {
    return config.copy();
  }

  public Transport transport() {
    return transport;
  }

  /**
   * Sends {@code request}, following redirects, and returns the final response once its headers
   * arrive. 4xx and 5xx are responses, not exceptions. The caller must read the body to the end or
   * close the response. The client's timeout and the request's (the shorter wins) bound the whole
   * exchange, redirects and reading the body included.
   *
   * @throws HttpTimeoutException naming the timeout that fired
   * @throws RequestCanceledException when the request was canceled
   * @throws IOException on failure or after too many redirects
   */
  public Response send(Request request) throws IOException {
    long budget = timeoutNanos;
    String kind = "timeout";
    Duration rt = request.timeout();
    if (rt != null && (budget == 0 || rt.toNanos() < budget)) {
      budget = rt.toNanos();
      kind = "requestTimeout";
    }
    Deadline deadline = Deadline.after(kind, budget);
    ClientTrace tr = TraceChain.of(trace, request.trace());
    String originalHost = request.uri().getHost();
    Request current = request;
    for (int redirects = 0; ; redirects++) {
      Headers defaults = sameOrSubdomain(current.uri().getHost(), originalHost) ? defaultHeaders
          : withoutCredentials(defaultHeaders);
      Response r = transport.exchange(new Call(current, request, defaults, tr, deadline));
      String location = r.headers().get("Location");
      if (maxRedirects == 0 || location == null || !isRedirect(r.status())) {
        return r;
      }
      Request next = redirect(current, r.status(), location, originalHost);
      if (next == null) {
        return r; // a 307/308 whose streamed body cannot be sent again: the caller decides
      }
      discard(r);
      if (redirects >= maxRedirects) {
        throw new IOException("stopped after " + maxRedirects + " redirects: " + request.method() + " " + request.uri());
      }
      current = next;
    }
  }

  /** A GET. */
  public Response get(String url) throws IOException {
    return send(Request.builder("GET", url).build());
  }

  /** A POST of {@code body} with the given Content-Type. */
  public Response post(String url, String contentType, byte[] body) throws IOException {
    return send(Request.builder("POST", url).header("Content-Type", contentType).body(body).build());
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  /** Go's {@code redirectBehavior}: 301/302/303 become GET without a body (HEAD stays HEAD); 307/308 repeat. */
  private static Request redirect(Request from, int status, String location, String originalHost) throws IOException {
    URI target;
    try {
      target = from.uri().resolve(location);
    } catch (IllegalArgumentException e) {
      throw new IOException("bad Location in " + status + " response: \"" + location + "\"", e);
    }
    String method = from.method();
    boolean keepBody = status == 307 || status == 308;
    if (!keepBody && !method.equals("GET") && !method.equals("HEAD")) {
      method = "GET";
    }
    if (keepBody && from.bodyBytes() == null && from.contentLength() != 0) {
      return null;
    }
    Request.Builder b = Request.builder(method, target);
    boolean sameHost = sameOrSubdomain(target.getHost(), originalHost);
    Headers h = from.headers();
    for (int i = 0; i < h.size(); i++) {
      String name = h.name(i);
      if (name.equalsIgnoreCase("Host") || (!sameHost && isCredential(name))
          || (!keepBody && (name.equalsIgnoreCase("Content-Type") || name.equalsIgnoreCase("Content-Length")))) {
        continue;
      }
      b.header(name, h.value(i));
    }
    if (keepBody && from.bodyBytes() != null) {
      b.body(from.bodyBytes());
    }
    return b.build();
  }

  /** Go's {@code shouldCopyHeaderOnRedirect}: credentials follow only to the same domain or a subdomain. */
  private static boolean sameOrSubdomain(String host, String original) {
    if (host == null || original == null) {
      return false;
    }
    return host.equalsIgnoreCase(original)
        || (host.length() > original.length() && host.regionMatches(true, host.length() - original.length(), original, 0,
            original.length()) && host.charAt(host.length() - original.length() - 1) == '.');
  }

  private static boolean isCredential(String name) {
    return name.equalsIgnoreCase("Authorization") || name.equalsIgnoreCase("Www-Authenticate")
        || name.equalsIgnoreCase("Cookie") || name.equalsIgnoreCase("Cookie2")
        || name.equalsIgnoreCase("Proxy-Authorization");
  }

  private static Headers withoutCredentials(Headers h) {
    if (h == null) {
      return null;
    }
    Headers copy = new Headers();
    for (int i = 0; i < h.size(); i++) {
      if (!isCredential(h.name(i))) {
        copy.add(h.name(i), h.value(i));
      }
    }
    return copy;
  }

  /** Like Go: read up to 2 KiB of a redirect's body so a small one leaves its connection reusable. */
  private static void discard(Response r) {
    try (InputStream in = r.body()) {
      in.readNBytes(2048);
    } catch (IOException ignored) {
      // the connection is discarded; the redirect proceeds on another one
    } finally {
      r.close();
    }
  }

  private static Transport defaultTransport() {
    synchronized (DEFAULT_LOCK) {
      if (defaultTransport == null) {
        defaultTransport = Transport.builder().build();
      }
      return defaultTransport;
    }
  }

  /** Client settings. Not thread-safe. */
  public static final class Builder {
    private Transport transport;
    private Duration timeout = Duration.ZERO;
    private int maxRedirects = 10;
    private Headers headers = new Headers();
    private ClientTrace trace;

    private Builder() {}

    /** The transport; null (the default) means one JVM-wide default transport, never closed (Go's DefaultTransport). */
    public Builder transport(Transport transport) {
      this.transport = transport;
      return this;
    }

    /**
     * Limit on the whole exchange: connecting, redirects, waiting for headers and reading the
     * body. Default zero: no timeout (Go's default, which the agent flags).
     */
    public Builder timeout(Duration timeout) {
      if (timeout == null || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout < 0: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** Redirects followed before giving up with an IOException. Default 10. Zero means return 3xx as is. */
    public Builder maxRedirects(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxRedirects < 0: " + n);
      }
      this.maxRedirects = n;
      return this;
    }

    /** A header sent with every request that does not set it. Credentials are not sent to another host on redirect. */
    public Builder header(String name, String value) {
      headers.add(name, value);
      return this;
    }

    /** A listener for every exchange of this client; a request's own trace is called after it. */
    public Builder trace(ClientTrace trace) {
      this.trace = trace;
      return this;
    }

    public Client build() {
      return new Client(this);
    }

    Builder copy() {
      Builder b = new Builder();
      b.transport = transport;
      b.timeout = timeout;
      b.maxRedirects = maxRedirects;
      b.headers = headers.copy();
      b.trace = trace;
      return b;
    }
  }
}
