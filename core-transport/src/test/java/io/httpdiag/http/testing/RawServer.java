package io.httpdiag.http.testing;

import io.httpdiag.http.internal.Threads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A byte-scripted HTTP server on loopback for protocol faults: each accepted connection runs
 * {@link Script#run} on its own thread with the connection's index (0 for the first). Records the
 * client ports it saw, the requests it read and how many connections are still open.
 */
public final class RawServer implements AutoCloseable {
  /** What one connection does. Return to close the connection. */
  @FunctionalInterface
  public interface Script {
    void run(Conn c, int index) throws Exception;
  }

  private final ServerSocket listener;
  private final Script script;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final Set<Integer> remotePorts = ConcurrentHashMap.newKeySet();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<String> heads = new CopyOnWriteArrayList<>();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;

  public RawServer(Script script) throws IOException {
    this.script = script;
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    acceptor = Threads.start("raw-accept", this::acceptLoop);
  }

  public String url(String path) {
    return "http://127.0.0.1:" + listener.getLocalPort() + path;
  }

  public int port() {
    return listener.getLocalPort();
  }

  public int accepted() {
    return accepted.get();
  }

  public int openConnections() {
    return open.get();
  }

  public int distinctRemotePorts() {
    return remotePorts.size();
  }

  /** Request heads read so far, "METHOD target", in order. */
  public List<String> requests() {
    return requests;
  }

  /** Whole request heads read so far, in order. */
  public List<String> heads() {
    return heads;
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      Socket s;
      try {
        s = listener.accept();
      } catch (IOException e) {
        return;
      }
      int index = accepted.getAndIncrement();
      open.incrementAndGet();
      sockets.add(s);
      remotePorts.add(s.getPort());
      Threads.start("raw-conn-" + index, () -> {
        try (s) {
          script.run(new Conn(s), index);
        } catch (Exception e) {
          // the script's peer went away; that is what many scripts test
        } finally {
          sockets.remove(s);
          open.decrementAndGet();
        }
      });
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      s.close();
    }
  }

  /** One accepted connection with helpers to read requests and write raw bytes. */
  public final class Conn {
    public final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Conn(Socket socket) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
    }

    /**
     * Reads one request head and a Content-Length body; returns the head, or null on EOF. Records
     * "METHOD target".
     */
    public String readRequest() throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int state = 0;
      while (state < 4) {
        int c = in.read();
        if (c < 0) {
          return null;
        }
        head.write(c);
        state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
      }
      String h = head.toString(StandardCharsets.ISO_8859_1);
      String first = h.substring(0, h.indexOf("\r\n"));
      requests.add(first.substring(0, first.lastIndexOf(' ')));
      heads.add(h);
      for (String line : h.split("\r\n")) {
        if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
          in.readNBytes(Integer.parseInt(line.substring(15).trim()));
        }
      }
      return h;
    }

    public Conn write(String s) throws IOException {
      return write(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    public Conn write(byte[] b) throws IOException {
      out.write(b);
      out.flush();
      return this;
    }

    /** Half-closes: the client reads EOF after what was written; its requests can still be read. */
    public Conn shutdownOutput() throws IOException {
      socket.shutdownOutput();
      return this;
    }

    /** Writes a 200 with {@code body} and Content-Length. */
    public Conn ok(String body) throws IOException {
      return write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    }

    /** Blocks until the client closes the connection (or the server is closed). */
    public void awaitClose() throws IOException {
      while (in.read() >= 0) {
        // discard
      }
    }
  }
}
