package io.httpdiag.demo;

import io.httpdiag.http.ServeMux;
import io.httpdiag.http.Server;
import java.util.concurrent.TimeUnit;

/**
 * The scenarios' embedded server on 127.0.0.1 (port chosen by the system): {@code GET /} hello,
 * {@code /big} 1 MiB, {@code /stall} waits for the run's release (at most 20 s), {@code /think} 1 ms
 * of work.
 */
final class DemoServer {
  static final int BIG = 1 << 20;

  private DemoServer() {}

  static Server.Builder builder(Run run) {
    ServeMux mux = new ServeMux();
    mux.handle("GET /{$}", (w, r) -> w.write("Hello, World!"));
    mux.handle("GET /big", (w, r) -> {
      w.headers().set("Content-Type", "application/octet-stream");
      w.headers().set("Content-Length", Integer.toString(BIG));
      byte[] chunk = new byte[64 * 1024];
      for (int i = 0; i < BIG / chunk.length; i++) w.write(chunk);
    });
    mux.handle("GET /stall", (w, r) -> {
      run.stalled.countDown();
      run.release.await(20, TimeUnit.SECONDS);
      w.write("late");
    });
    mux.handle("GET /think", (w, r) -> {
      Thread.sleep(1);
      w.write("ok");
    });
    return Server.builder().host("127.0.0.1").port(0).handler(mux);
  }
}
