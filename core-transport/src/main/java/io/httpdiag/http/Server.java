package io.httpdiag.http;

import io.httpdiag.http.internal.Threads;
import io.httpdiag.http.internal.Trace;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;

/**
 * An HTTP/1.1 server, like Go's {@code http.Server}: one thread per connection (a virtual thread
 * on JDK 21+), keep-alive and pipelining, chunked bodies both ways, {@code Expect: 100-continue},
 * strict parsing (a malformed request gets a precise 4xx/5xx and a closed connection; the handler
 * never sees it), Go's timeouts, graceful shutdown. HTTP/2 too: over TLS when the client picks
 * {@code h2} by ALPN ({@link Builder#http2}, on by default as in Go), in cleartext with prior
 * knowledge when {@link Builder#h2c} is set; each stream runs the same {@link Handler}.
 *
 * <p>Timeouts follow Go: zero means none, which is the default and leaves the server open to
 * slow clients ("slowloris"); set at least {@code readHeaderTimeout} in production.
 *
 * <p>Thread-safe. {@link #close()} or {@link #shutdown} releases the listening socket and every
 * connection.
 */
public final class Server implements AutoCloseable {
  private static final System.Logger log = System.getLogger(Server.class.getName());

  final Handler handler;
  final String host;
  final int port;
  final long readHeaderTimeoutNanos;
  final long readTimeoutNanos;
  final long writeTimeoutNanos;
  final long idleTimeoutNanos;
  final int maxHeaderBytes;
  final SSLContext sslContext;
  final ServerTrace trace;
  final boolean h2c;
  final boolean http2;

  private final Set<ServerConn> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicLong served = new AtomicLong();
  /** Buffers lent to connections while they serve a request; an idle connection holds none. */
  final ServerBuffers buffers = ServerBuffers.forThisMachine();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch shutdownRequested = new CountDownLatch(1); // ends an accept back-off pause
  private volatile ServerSocket listener;
  private volatile boolean shuttingDown;

  private Server(Builder b) {
    this.handler = b.handler;
    this.host = b.host;
    this.port = b.port;
    this.readHeaderTimeoutNanos = b.readHeaderTimeout.toNanos();
    this.readTimeoutNanos = b.readTimeout.toNanos();
    this.writeTimeoutNanos = b.writeTimeout.toNanos();
    this.idleTimeoutNanos = b.idleTimeout.toNanos();
    this.maxHeaderBytes = b.maxHeaderBytes;
    this.sslContext = b.sslContext;
    this.trace = b.trace;
    this.h2c = b.h2c;
    this.http2 = b.http2;
    Trace.serverCreated(this, readHeaderTimeoutNanos, readTimeoutNanos, writeTimeoutNanos, idleTimeoutNanos,
        maxHeaderBytes);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this server's settings. */
  public Builder newBuilder() {
    Builder b = new Builder();
    b.handler = handler;
    b.host = host;
    b.port = port;
    b.readHeaderTimeout = Duration.ofNanos(readHeaderTimeoutNanos);
    b.readTimeout = Duration.ofNanos(readTimeoutNanos);
    b.writeTimeout = Duration.ofNanos(writeTimeoutNanos);
    b.idleTimeout = Duration.ofNanos(idleTimeoutNanos);
    b.maxHeaderBytes = maxHeaderBytes;
    b.sslContext = sslContext;
    b.trace = trace;
    b.h2c = h2c;
    b.http2 = http2;
    return b;
  }

  /** Binds the configured address and serves on the calling thread until closed. */
  public void listenAndServe() throws IOException {
    serve(bind());
  }

  /**
   * Binds the configured address (port 0 picks a free port) and serves on a new thread; returns
   * once the socket is bound, so {@link #port()} and {@link #url} work at once.
   */
  public Server start() throws IOException {
    ServerSocket socket = bind();
    this.listener = socket;
    Threads.start("httpdiag-accept", () -> {
      try {
        serve(socket);
      } catch (IOException e) {
        log.log(System.Logger.Level.ERROR, "accept loop failed", e);
      }
    });
    return this;
  }

  /**
   * Serves connections accepted on {@code socket} on the calling thread until the server is
   * closed or shut down; the server owns and closes the socket. When accept fails the loop pauses
   * before trying again, like Go: 5 ms, doubling up to 1 s, reset by a successful accept;
   * interrupting the thread during such a pause ends serving.
   */
  public void serve(ServerSocket socket) throws IOException {
    serve(socket, socket::accept);
  }

  /** {@link #serve(ServerSocket)} with the accept call as a seam, so a test can make it fail. */
  void serve(ServerSocket socket, Acceptor acceptor) throws IOException {
    this.listener = socket;
    AcceptBackoff backoff = new AcceptBackoff();
    try {
      while (!shuttingDown) {
        Socket s;
        try {
          s = acceptor.accept();
        } catch (IOException e) {
          if (shuttingDown || socket.isClosed()) {
            return;
          }
          // Go's Server.Serve: accept fails again at once while its cause lasts (out of file
          // descriptors), so pause instead of spinning a core and flooding the log.
          long pause = backoff.next();
          log.log(System.Logger.Level.WARNING, "accept failed; retrying in " + pause + " ms", e);
          try {
            if (shutdownRequested.await(pause, TimeUnit.MILLISECONDS)) {
              return;
            }
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt(); // the caller of serve wants it to end
            return;
          }
          continue;
        }
        backoff.reset();
        ServerConn conn = new ServerConn(this, s);
        connections.add(conn);
        if (shuttingDown) { // raced with shutdown: it may have missed this connection
          conn.closeNow("shutdown");
        }
        Threads.start("httpdiag-conn", conn);
      }
    } finally {
      stopped.countDown();
    }
  }

  /** The bound port, or -1 before the server is listening. */
  public int port() {
    ServerSocket s = listener;
    return s == null ? -1 : s.getLocalPort();
  }

  /** "http://127.0.0.1:PORT" + {@code path} (https with TLS), for the bound address. */
  public String url(String path) {
    ServerSocket s = listener;
    String h = s == null ? host : s.getInetAddress().getHostAddress();
    if (h.indexOf(':') >= 0) {
      h = "[" + h + "]";
    }
    return (sslContext != null ? "https://" : "http://") + h + ":" + port() + path;
  }

  /** The effective settings, one line, zero durations spelled "none". */
  public String settings() {
    return "readHeaderTimeout=" + show(readHeaderTimeoutNanos) + " readTimeout=" + show(readTimeoutNanos)
        + " writeTimeout=" + show(writeTimeoutNanos) + " idleTimeout=" + show(idleTimeoutNanos)
        + " maxHeaderBytes=" + maxHeaderBytes + " tls=" + (sslContext != null)
        + " threads=" + (Threads.virtual() ? "virtual" : "platform");
  }

  private static String show(long nanos) {
    return nanos == 0 ? "none" : Duration.ofNanos(nanos).toString().substring(2).toLowerCase(java.util.Locale.ROOT);
  }

  /** Open connections. */
  public int openConnections() {
    return connections.size();
  }

  /** Connections with a request in progress. */
  public int activeConnections() {
    return active.get();
  }

  /** Connections waiting for their next request. */
  public int idleConnections() {
    int n = 0;
    for (ServerConn c : connections) {
      if (c.state() == ServerConn.State.IDLE) {
        n++;
      }
    }
    return n;
  }

  /** Requests whose handler has completed, since start. */
  public long requestsServed() {
    return served.get();
  }

  /**
   * Graceful shutdown, like Go's {@code Server.Shutdown}: stops accepting, closes idle
   * connections, lets active requests finish (their connections close afterwards) until
   * {@code timeout}, then force-closes what is left. Returns the number of connections
   * force-closed (0 when everything finished in time). Zero timeout forces at once.
   */
  public int shutdown(Duration timeout) {
    shuttingDown = true;
    shutdownRequested.countDown();
    closeListener();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (ServerConn c : connections) {
        c.closeIfIdle();
      }
      if (connections.isEmpty() || System.nanoTime() - deadline >= 0) {
        break;
      }
      // Polling, like Go's Shutdown (which backs off up to 500 ms); 10 ms keeps tests quick.
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    List<ServerConn> forced = new ArrayList<>(connections);
    for (ServerConn c : forced) {
      c.closeNow("shutdownForced");
    }
    if (!forced.isEmpty() && !timeout.isZero()) {
      log.log(System.Logger.Level.WARNING, "shutdown: force-closed {0} active connection(s) after {1}",
          forced.size(), timeout);
    }
    return forced.size();
  }

  /** Closes the listener and every connection at once, active or not (Go's {@code Server.Close}). */
  @Override
  public void close() {
    shutdown(Duration.ZERO);
  }

  /** Blocks until the accept loop has exited, up to {@code timeout}. */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  boolean shuttingDown() {
    return shuttingDown;
  }

  void connectionActive(boolean nowActive) {
    active.addAndGet(nowActive ? 1 : -1);
  }

  void requestServed() {
    served.incrementAndGet();
  }

  void connectionClosed(ServerConn conn) {
    connections.remove(conn);
  }

  private ServerSocket bind() throws IOException {
    ServerSocket socket;
    if (sslContext != null) {
      SSLServerSocket ssl = (SSLServerSocket) sslContext.getServerSocketFactory().createServerSocket();
      SSLParameters params = ssl.getSSLParameters();
      // RFC 9113 section 3.2: h2 first, so a client offering both gets HTTP/2 (the server's order wins in JSSE).
      params.setApplicationProtocols(http2 ? new String[] {"h2", "http/1.1"} : new String[] {"http/1.1"});
      ssl.setSSLParameters(params);
      socket = ssl;
    } else {
      socket = new ServerSocket();
    }
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1024);
    return socket;
  }

  private void closeListener() {
    ServerSocket s = listener;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  /**
   * Go's pause between failing accepts: 5 ms after the first failure, doubling up to 1 s, back to
   * 5 ms after a success. Confined to the accept loop's thread.
   */
  static final class AcceptBackoff {
    private static final long FIRST_MILLIS = 5;
    private static final long MAX_MILLIS = 1000;
    private long delayMillis;

    /** The pause after one more failure, in milliseconds. */
    long next() {
      delayMillis = delayMillis == 0 ? FIRST_MILLIS : Math.min(delayMillis * 2, MAX_MILLIS);
      return delayMillis;
    }

    void reset() {
      delayMillis = 0;
    }
  }

  /** The accept call of the serve loop: {@code ServerSocket::accept} except in tests. */
  @FunctionalInterface
  interface Acceptor {
    Socket accept() throws IOException;
  }

  /** Server settings. Durations: zero means no timeout. Not thread-safe. */
  public static final class Builder {
    private Handler handler = (w, r) -> {
      w.writeHeader(404);
      w.write("404 page not found\n");
    };
    private String host = "127.0.0.1";
    private int port;
    private Duration readHeaderTimeout = Duration.ZERO;
    private Duration readTimeout = Duration.ZERO;
    private Duration writeTimeout = Duration.ZERO;
    private Duration idleTimeout = Duration.ZERO;
    private int maxHeaderBytes = 1 << 20;
    private SSLContext sslContext;
    private ServerTrace trace;
    private boolean h2c;
    private boolean http2 = true;

    private Builder() {}

    /** The handler for every request (typically a {@link ServeMux}). Default: 404 for everything. */
    public Builder handler(Handler handler) {
      if (handler == null) {
        throw new NullPointerException("handler");
      }
      this.handler = handler;
      return this;
    }

    /** Address to bind; default 127.0.0.1. Use "0.0.0.0" to listen on every interface. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Port to bind; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Time allowed to read a request's headers, counted from the request's first byte, as one
     * absolute deadline (a client trickling bytes does not extend it). Zero falls back to
     * {@link #readTimeout}; both zero means no limit.
     */
    public Builder readHeaderTimeout(Duration d) {
      this.readHeaderTimeout = nonNegative("readHeaderTimeout", d);
      return this;
    }

    /** Time allowed to read a whole request, headers and body, from its first byte. Zero means none. */
    public Builder readTimeout(Duration d) {
      this.readTimeout = nonNegative("readTimeout", d);
      return this;
    }

    /**
     * Time allowed from the end of reading the request headers to the end of writing the
     * response; past it the connection is closed. Zero means none.
     */
    public Builder writeTimeout(Duration d) {
      this.writeTimeout = nonNegative("writeTimeout", d);
      return this;
    }

    /** Time a keep-alive connection may wait for its next request. Zero falls back to readTimeout; both zero: forever. */
    public Builder idleTimeout(Duration d) {
      this.idleTimeout = nonNegative("idleTimeout", d);
      return this;
    }

    /** Largest request line plus header section, in bytes; 431 past it (414 for the request line). Default 1 MiB. */
    public Builder maxHeaderBytes(int n) {
      if (n <= 0) {
        throw new IllegalArgumentException("maxHeaderBytes <= 0: " + n);
      }
      this.maxHeaderBytes = n;
      return this;
    }

    /**
     * Serve HTTPS with this context (ALPN offers h2 and http/1.1, or http/1.1 alone with
     * {@code http2(false)}). Null (default) serves plain HTTP.
     */
    public Builder tls(SSLContext context) {
      this.sslContext = context;
      return this;
    }

    /** Listener for connection states and exchange steps; null for none. */
    public Builder trace(ServerTrace trace) {
      this.trace = trace;
      return this;
    }

    /**
     * Also serve HTTP/2 over cleartext TCP to clients that start with the HTTP/2 preface ("prior
     * knowledge", RFC 9113 section 3.3, like {@code curl --http2-prior-knowledge}); HTTP/1.1
     * clients are served on the same port as before. Ignored with TLS. Default false, as in Go.
     * The upgrade from HTTP/1.1 ({@code Upgrade: h2c}) is not supported (RFC 9113 deprecated it).
     */
    public Builder h2c(boolean enabled) {
      this.h2c = enabled;
      return this;
    }

    /**
     * Serve HTTP/2 over TLS to clients that pick {@code h2} by ALPN (RFC 9113 section 3.2); clients
     * that offer only {@code http/1.1}, or no ALPN, get HTTP/1.1 on the same port. Default true,
     * as in Go (its {@code Protocols.SetHTTP2}); false offers {@code http/1.1} alone. No effect
     * without {@link #tls}; cleartext HTTP/2 is {@link #h2c}.
     */
    public Builder http2(boolean enabled) {
      this.http2 = enabled;
      return this;
    }

    public Server build() {
      return new Server(this);
    }

    private static Duration nonNegative(String name, Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(name + " < 0: " + d);
      }
      return d;
    }
  }
}
