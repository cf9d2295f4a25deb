package io.httpdiag.agent.testapp;

import io.httpdiag.http.Server;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.Handshake;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A fixed script of OkHttp calls that prints everything the application sees (statuses, bodies,
 * redirects, exceptions and their messages, what its own EventListener and interceptors were told),
 * one {@code seen:} line each, ports left out. Run with and without the agent: the lines must be the
 * same (OkHttpSemanticsIT).
 */
public final class OkHttpSemantics {
  private static final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private static final List<String> intercepted = Collections.synchronizedList(new ArrayList<>());
  private static Server server;

  private OkHttpSemantics() {}

  public static void main(String[] args) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch stallReached = new CountDownLatch(1);
    server = Server.builder().readHeaderTimeout(Duration.ofSeconds(5)).handler((w, r) -> {
      switch (r.path()) {
        case "/missing":
          w.writeHeader(404);
          w.write("no such thing");
          break;
        case "/redirect":
          w.headers().set("Location", "/hello");
          w.writeHeader(302);
          break;
        case "/stall":
          stallReached.countDown();
          release.await(5, TimeUnit.SECONDS);
          w.write("late");
          break;
        default:
          w.write("Hello, World!");
      }
    }).build().start();
    OkHttpClient client = null;
    try (ServerSocket dropping = droppingServer()) {
      client = new OkHttpClient.Builder()
          .eventListenerFactory(call -> new Recording())
          .addInterceptor(chain -> {
            Response response = chain.proceed(chain.request());
            intercepted.add("app " + chain.request().method() + " " + chain.request().url().encodedPath() + " -> "
                + response.code());
            return response;
          })
          .addNetworkInterceptor(chain -> {
            intercepted.add("network " + chain.request().url().encodedPath() + " headers=" + chain.request().headers().names());
            return chain.proceed(chain.request());
          })
          .build();
      sync(client, "success", "/hello");
      sync(client, "notFound", "/missing");
      sync(client, "redirect", "/redirect");
      String drop = "http://127.0.0.1:" + dropping.getLocalPort() + "/drop";
      sync(client, "fresh", drop);
      sync(client, "retryOnDroppedConnection", drop); // the pooled connection is dead: OkHttp retries on a new one
      sync(client.newBuilder().readTimeout(Duration.ofMillis(200)).build(), "readTimeout", "/stall");
      sync(client.newBuilder().callTimeout(Duration.ofMillis(200)).build(), "callTimeout", "/stall");
      Call canceledEarly = client.newCall(request("/hello"));
      canceledEarly.cancel();
      run("canceledBeforeExecute", canceledEarly);
      canceledWhileWaiting(client, stallReached);
      // A pool of their own: what the canceled call left in the shared pool is a matter of timing.
      OkHttpClient fresh = client.newBuilder().connectionPool(new okhttp3.ConnectionPool()).build();
      async(fresh, "async", "/hello");
      async(fresh, "asyncNotFound", "/missing");
    } finally {
      release.countDown();
      if (client != null) { // the Dispatcher's threads are not daemons: the JVM would wait a minute for them
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }
      server.close();
    }
    SimulatedTraffic.report();
  }

  private static Request request(String pathOrUrl) {
    return new Request.Builder().url(pathOrUrl.startsWith("http") ? pathOrUrl : server.url(pathOrUrl)).build();
  }

  private static void sync(OkHttpClient client, String name, String path) {
    run(name, client.newCall(request(path)));
  }

  private static void run(String name, Call call) {
    events.clear();
    intercepted.clear();
    // Timeouts race in OkHttp itself, agent or not: the socket's SO_TIMEOUT ("Read timed out") against
    // Okio's watchdog ("timeout"), the watchdog's cancel against the reader's failure. Their order and
    // message are left out; which events and which exception type are not.
    boolean racy = name.endsWith("Timeout");
    try (Response r = call.execute()) {
      seen(name, describe(r) + " body=" + r.body().string());
    } catch (IOException e) {
      seen(name, "threw " + e.getClass().getName() + (racy ? "" : ": " + e.getMessage()));
    }
    if (name.equals("callTimeout")) {
      // Okio's watchdog cancels the call (the `canceled` event) on its own thread, and the caller can
      // see its failure first: wait for the event, which OkHttp always sends on a call timeout.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!events.contains("canceled") && System.nanoTime() < deadline) java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    List<String> seenEvents = new ArrayList<>(events);
    if (racy) Collections.sort(seenEvents);
    seen(name, "events " + seenEvents);
    seen(name, "intercepted " + intercepted);
  }

  /** Canceled from another thread once the server holds the request: the caller sees a failure and isCanceled. */
  private static void canceledWhileWaiting(OkHttpClient client, CountDownLatch stallReached) throws Exception {
    Call call = client.newCall(request("/stall"));
    Thread canceler = new Thread(() -> {
      try {
        if (stallReached.await(5, TimeUnit.SECONDS)) call.cancel();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    canceler.start();
    try (Response r = call.execute()) {
      seen("canceledWhileWaiting", describe(r));
    } catch (IOException e) {
      seen("canceledWhileWaiting", "threw IOException, isCanceled=" + call.isCanceled());
    }
    canceler.join();
  }

  private static void async(OkHttpClient client, String name, String path) throws Exception {
    events.clear();
    intercepted.clear();
    CountDownLatch done = new CountDownLatch(1);
    List<String> outcome = Collections.synchronizedList(new ArrayList<>());
    client.newCall(request(path)).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        outcome.add("onFailure " + e);
        done.countDown();
      }

      @Override
      public void onResponse(Call call, Response response) throws IOException {
        try (Response r = response) {
          String body = r.body().string();
          outcome.add("onResponse " + describe(r) + " body=" + body);
        } finally {
          done.countDown();
        }
      }
    });
    if (!done.await(10, TimeUnit.SECONDS)) seen(name, "no callback");
    // The listener's last event (callEnd/callFailed) comes after the callback returns: wait for it.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!last(events).equals("callEnd") && !last(events).equals("callFailed") && System.nanoTime() < deadline) {
      synchronized (events) {
        events.wait(10);
      }
    }
    seen(name, "outcome " + outcome);
    seen(name, "events " + events);
    seen(name, "intercepted " + intercepted);
  }

  private static String last(List<String> list) {
    synchronized (list) {
      return list.isEmpty() ? "" : list.get(list.size() - 1);
    }
  }

  private static String describe(Response r) {
    Response prior = r.priorResponse();
    return "status=" + r.code() + " message=" + r.message() + " path=" + r.request().url().encodedPath()
        + " contentLength=" + r.header("Content-Length") + (prior == null ? "" : " prior=" + prior.code());
  }

  private static void seen(String name, String what) {
    System.out.println("seen: " + name + " " + what);
  }

  /** Answers every request on a connection it then closes without saying so (no Connection: close). */
  private static ServerSocket droppingServer() throws IOException {
    ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!ss.isClosed()) {
        try (Socket s = ss.accept()) {
          InputStream in = s.getInputStream();
          int matched = 0;
          while (matched < 4) { // up to the end of the request head
            int b = in.read();
            if (b < 0) break;
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
          }
          if (matched < 4) continue; // the client gave up on this connection
          OutputStream out = s.getOutputStream();
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        } catch (IOException e) {
          // closed
        }
      }
    }, "dropping-server");
    t.setDaemon(true);
    t.start();
    return ss;
  }

  /** Records the names of the events OkHttp reports to the application's own listener. */
  static final class Recording extends EventListener {
    private void add(String name) {
      synchronized (events) {
        events.add(name);
        events.notifyAll();
      }
    }

    @Override public void callStart(Call call) { add("callStart"); }
    @Override public void dnsStart(Call call, String domainName) { add("dnsStart"); }
    @Override public void dnsEnd(Call call, String domainName, List<InetAddress> list) { add("dnsEnd"); }
    @Override public void connectStart(Call call, java.net.InetSocketAddress a, java.net.Proxy p) { add("connectStart"); }
    @Override public void secureConnectStart(Call call) { add("secureConnectStart"); }
    @Override public void secureConnectEnd(Call call, Handshake handshake) { add("secureConnectEnd"); }
    @Override public void connectEnd(Call call, java.net.InetSocketAddress a, java.net.Proxy p, Protocol protocol) {
      add("connectEnd");
    }
    @Override public void connectFailed(Call call, java.net.InetSocketAddress a, java.net.Proxy p, Protocol protocol,
        IOException e) {
      add("connectFailed");
    }
    @Override public void connectionAcquired(Call call, Connection connection) { add("connectionAcquired"); }
    @Override public void connectionReleased(Call call, Connection connection) { add("connectionReleased"); }
    @Override public void requestHeadersStart(Call call) { add("requestHeadersStart"); }
    @Override public void requestHeadersEnd(Call call, Request request) { add("requestHeadersEnd"); }
    @Override public void requestFailed(Call call, IOException ioe) { add("requestFailed"); }
    @Override public void responseHeadersStart(Call call) { add("responseHeadersStart"); }
    @Override public void responseHeadersEnd(Call call, Response response) { add("responseHeadersEnd"); }
    @Override public void responseBodyStart(Call call) { add("responseBodyStart"); }
    @Override public void responseBodyEnd(Call call, long byteCount) { add("responseBodyEnd " + byteCount); }
    @Override public void responseFailed(Call call, IOException ioe) { add("responseFailed"); }
    @Override public void callEnd(Call call) { add("callEnd"); }
    @Override public void callFailed(Call call, IOException ioe) { add("callFailed"); }
    @Override public void canceled(Call call) { add("canceled"); }
  }
}
