package io.httpdiag.http.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A byte-scripted client connection for protocol tests: write exact bytes, read what comes back. */
public final class RawConnection implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();

  public RawConnection(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setTcpNoDelay(true);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  public RawConnection send(String s) throws IOException {
    return send(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  public RawConnection send(byte[] b) throws IOException {
    out.write(b);
    out.flush();
    return this;
  }

  /** Half-closes: the peer reads EOF after what was sent, and can still answer. */
  public RawConnection shutdownOutput() throws IOException {
    socket.shutdownOutput();
    return this;
  }

  /** Reads until the peer closes, or {@code timeout} passes; returns everything received so far. */
  public String readUntilClose(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] buf = new byte[8192];
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("connection still open after " + timeout + "; received: " + text());
      }
      socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException e) {
        continue;
      } catch (IOException reset) {
        return text(); // a reset after the answer counts as closed
      }
      if (n < 0) {
        return text();
      }
      received.write(buf, 0, n);
    }
  }

  /** Reads until what was received contains {@code marker} {@code times} times, or fails after {@code timeout}. */
  public String readUntil(String marker, int times, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] buf = new byte[8192];
    while (count(text(), marker) < times) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no " + times + "x '" + marker + "' within " + timeout + "; received: " + text());
      }
      socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException e) {
        continue;
      }
      if (n < 0) {
        throw new AssertionError("closed before " + times + "x '" + marker + "'; received: " + text());
      }
      received.write(buf, 0, n);
    }
    return text();
  }

  /** Whether the peer closed within {@code timeout} (reading and keeping any bytes). */
  public boolean closedWithin(Duration timeout) throws IOException {
    try {
      readUntilClose(timeout);
      return true;
    } catch (AssertionError stillOpen) {
      return false;
    }
  }

  public String text() {
    return received.toString(StandardCharsets.ISO_8859_1);
  }

  private static int count(String s, String marker) {
    int n = 0;
    for (int i = s.indexOf(marker); i >= 0; i = s.indexOf(marker, i + marker.length())) {
      n++;
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
