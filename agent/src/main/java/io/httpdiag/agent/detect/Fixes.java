package io.httpdiag.agent.detect;

import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.HttpLibrary;

/**
 * The fix of every finding kind, in the words of the library it was found on: a JDK HttpClient
 * user is never told about core-transport's builders, nor the other way round. Kinds that occur on
 * one transport only (a handler is core-transport's, {@code close()} of a client is the JDK's) have
 * one text that names no transport. The other libraries' texts live in one class each
 * ({@link OkHttpFixes}, {@link Apache5Fixes}, {@link Apache4Fixes}, {@link UrlConnectionFixes}).
 */
final class Fixes {

  static final String STUCK_HANDLER =
      "bound the handler's work: give its own calls timeouts, or wrap it in Middleware.timeout(...)";
  static final String THREAD_LEAK_HANDLER = "stop what the handler starts before it returns (join it, cancel it, or "
      + "use an executor owned by the application and shut down at stop), and pass work that must outlive the "
      + "request to such an executor";
  static final String THREAD_LEAK_CLIENT = "stop what is started around a request before its response is done with "
      + "(join it, cancel it, or use an executor owned by the application and shut down at stop)";
  static final String PINNED = "do not block on HTTP inside a class initializer (static { ... }) or below a native "
      + "frame: initialize lazily, after the class is loaded; on JDK 21-23 also replace synchronized around the call "
      + "with a ReentrantLock (JDK 24+ no longer pins on monitors)";
  static final String CLIENT_NOT_CLOSED = "share one HttpClient for the application's lifetime and close() it at "
      + "shutdown; one that must be short-lived belongs in try-with-resources (JDK 21+)";

  private Fixes() {}

  /** The fix for {@code kind} found on {@code library}; never null nor empty. */
  static String of(Finding.Kind kind, HttpLibrary library) {
    switch (library) {
      case OKHTTP: return OkHttpFixes.of(kind);
      case APACHE5: return Apache5Fixes.of(kind);
      case APACHE4: return Apache4Fixes.of(kind);
      case URLCONNECTION: return UrlConnectionFixes.of(kind);
      default: break;
    }
    boolean jdk = library == HttpLibrary.JDK;
    switch (kind) {
      case BODY_NOT_CLOSED:
        return jdk ? "close the body stream (try-with-resources on response.body()) or read it to the end, or use a "
            + "handler that reads it for you (BodyHandlers.ofString(), ofByteArray(), discarding()); the connection "
            + "returns to the pool only then"
            : "close the body (try-with-resources on the Response) or read it to the end; the connection returns to "
            + "the pool only then";
      case BODY_CLOSED_LATE:
        return (jdk ? "close the body stream (try-with-resources on response.body())"
            : "close the body (try-with-resources on the Response)")
            + " as soon as it is read: until then its connection is held and cannot serve another request";
      case BODY_CLOSED_EARLY:
        return jdk ? "read the body stream to the end before closing it (or ask for less: HEAD, Range, a smaller "
            + "page, or BodyHandlers.discarding() when the body is not wanted); closing it early throws the "
            + "connection away"
            : "read the body to the end before closing it (or ask for less: HEAD, Range, a smaller page); closing "
            + "early throws the connection away";
      case CLIENT_PER_REQUEST:
        return jdk ? "build one HttpClient at start-up and share it: it is thread-safe"
            : "build one Transport (or Client) at start-up and share it: both are thread-safe";
      case CLIENT_NOT_CLOSED: // the JDK's only today (core-transport's Transport has no finalization to see)
        return jdk ? CLIENT_NOT_CLOSED : "share one Transport for the application's lifetime and close() it at shutdown";
      case MISSING_TIMEOUT:
      case STUCK_EXCHANGE:
        return jdk ? "give every exchange a deadline: HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)) "
            + "(and HttpClient.newBuilder().connectTimeout(...) for the dial)"
            : "give every exchange a deadline: Client.builder().timeout(Duration.ofSeconds(10)) or "
            + "Request.builder(...).timeout(...)";
      case POOL_CHURN:
        return jdk ? "share one HttpClient, read or close every body to the end so its connection returns to the "
            + "pool, and do not lower jdk.httpclient.connectionPoolSize below the concurrency"
            : "share one Transport, read every body to the end, and size the idle pool to the concurrency: "
            + "Transport.builder().maxIdleConnsPerHost(n)";
      case THREAD_LEAK:
        return jdk ? THREAD_LEAK_CLIENT : THREAD_LEAK_HANDLER;
      case VIRTUAL_THREAD_PINNED:
        return PINNED;
      case POOL_EXHAUSTED:
        return jdk ? "the JDK HttpClient does not limit connections per host over HTTP/1.1; over HTTP/2 streams wait "
            + "for the server's concurrent-stream limit: spread the load or lower the concurrency"
            : "raise the limit to the concurrency the host must serve: Transport.builder().maxConnsPerHost(n), and "
            + "read every body to the end so connections come back sooner";
      default:
        throw new IllegalArgumentException("no fix for " + kind); // a new kind needs its fix here
    }
  }

  static String of(Finding.Kind kind, ExchangeState x) {
    if (Http2Fixes.applies(x)) {
      String h2 = Http2Fixes.of(kind);
      if (h2 != null) return h2;
    }
    return of(kind, HttpLibrary.of(x.id));
  }
}
