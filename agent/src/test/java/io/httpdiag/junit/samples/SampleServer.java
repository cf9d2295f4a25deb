package io.httpdiag.junit.samples;

import io.httpdiag.http.Client;
import io.httpdiag.http.Server;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A loopback server for the samples: {@code /} 13 bytes, {@code /big} 1 MiB, {@code /stall} waits until released. */
final class SampleServer {
  static final Client CLIENT = Client.builder().timeout(Duration.ofSeconds(20)).build();
  private static volatile CountDownLatch stall = new CountDownLatch(1);

  private SampleServer() {}

  static Server start() throws Exception {
    stall = new CountDownLatch(1);
    return Server.builder().readHeaderTimeout(Duration.ofSeconds(5)).handler((w, r) -> {
      switch (r.path()) {
        case "/big":
          w.headers().set("Content-Length", Integer.toString(1 << 20));
          byte[] chunk = new byte[64 * 1024];
          for (int i = 0; i < 16; i++) w.write(chunk);
          break;
        case "/stall":
          stall.await(20, TimeUnit.SECONDS);
          w.write("late");
          break;
        default:
          w.write("Hello, World!");
      }
    }).build().start();
  }

  static void releaseStalled() {
    stall.countDown();
  }
}
