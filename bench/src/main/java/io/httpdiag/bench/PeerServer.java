package io.httpdiag.bench;

import com.sun.net.httpserver.HttpServer;
import io.helidon.webserver.WebServer;
import io.httpdiag.http.Server;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Child-JVM main: one hello-world server ({@code GET /} → the 13 bytes "Hello, World!", keep-alive)
 * on 127.0.0.1 and a free port. Prints {@code LISTENING <port>}, then obeys stdin: {@code stats}
 * prints {@code STATS heapUsed=<bytes> threads=<n>} after a GC; {@code counters} prints {@code COUNTERS
 * jitMs=<JIT compiler threads' CPU ms so far> allocBytes=<bytes allocated by all threads so far>}; end of input exits.
 *
 * <pre>java -cp httpdiag-bench.jar io.httpdiag.bench.PeerServer core|jdk-vt|jdk-fixed|jetty|jetty-nb|jetty-vt|netty|helidon|tomcat</pre>
 */
public final class PeerServer {
  static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
  /** Server kinds that run in a JVM, in table order; "nginx" is launched separately. */
  static final List<String> KINDS = List.of("core", "jdk-vt", "jdk-fixed", "jetty-nb", "jetty", "jetty-vt", "netty", "helidon");
  /** Threads of the JDK HttpServer's fixed pool. */
  static final int JDK_FIXED_THREADS = 8;

  private PeerServer() {}

  static String label(String kind) {
    return switch (kind) {
      case "core" -> "core-transport Server (virtual thread per connection)";
      case "jdk-vt" -> "JDK HttpServer, virtual-thread executor";
      case "jdk-fixed" -> "JDK HttpServer, fixed pool of " + JDK_FIXED_THREADS;
      case "jetty-nb" -> "Jetty 12 non-blocking handler";
      case "jetty" -> "Jetty 12 blocking handler, platform threads";
      case "jetty-vt" -> "Jetty 12 blocking handler, virtual threads";
      case "tomcat" -> "embedded Tomcat 10.1, a servlet (NIO connector)";
      case "netty" -> "Netty 4.1 (NIO, 1 event loop)";
      case "helidon" -> "Helidon 4 WebServer";
      case "nginx" -> "nginx (ceiling; 1 worker)";
      default -> kind;
    };
  }

  public static void main(String[] args) throws Exception {
    int port = switch (args[0]) {
      case "core" -> core();
      case "jdk-vt" -> jdk(true);
      case "jdk-fixed" -> jdk(false);
      case "jetty-nb" -> jetty(true, false);
      case "jetty" -> jetty(false, false);
      case "jetty-vt" -> jetty(false, true);
      case "tomcat" -> tomcat();
      case "netty" -> netty();
      case "helidon" -> helidon();
      default -> throw new IllegalArgumentException("unknown server " + args[0] + "; one of " + KINDS);
    };
    System.out.println("LISTENING " + port);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.equals("stats")) {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        System.out.println("STATS heapUsed=" + (rt.totalMemory() - rt.freeMemory())
            + " threads=" + ManagementFactory.getThreadMXBean().getThreadCount());
        System.out.flush();
      } else if (line.equals("counters")) {
        // The overhead section's warm-up and allocation per request (no GC: the counters only grow).
        System.out.println("COUNTERS jitMs=" + JitCpu.millis()
            + " allocBytes=" + SteadyClient.totalAllocatedBytes((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()));
        System.out.flush();
      }
    }
    System.exit(0);
  }

  private static int core() throws Exception {
    Server s = Server.builder().handler((w, r) -> w.write(HELLO)).port(0).build().start();
    return s.port();
  }

  private static int jdk(boolean virtual) throws Exception {
    HttpServer hs = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    hs.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.getResponseHeaders().set("Content-Type", "text/plain");
      ex.sendResponseHeaders(200, HELLO.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(HELLO);
      }
    });
    hs.setExecutor(virtual ? Executors.newVirtualThreadPerTaskExecutor() : Executors.newFixedThreadPool(JDK_FIXED_THREADS));
    hs.start();
    return hs.getAddress().getPort();
  }

  private static int jetty(boolean nonBlocking, boolean virtual) throws Exception {
    QueuedThreadPool pool = new QueuedThreadPool();
    if (virtual) {
      pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    }
    org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server(pool);
    ServerConnector c = new ServerConnector(server, 1, 1, new HttpConnectionFactory());
    c.setHost("127.0.0.1");
    c.setPort(0);
    server.addConnector(c);
    server.setHandler(nonBlocking ? new Handler.Abstract.NonBlocking() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        return hello(response, callback);
      }
    } : new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        return hello(response, callback);
      }
    });
    server.start();
    return c.getLocalPort();
  }

  /** Embedded Tomcat as Spring Boot builds it: one context, one servlet writing the 13 bytes. */
  private static int tomcat() throws Exception {
    org.apache.catalina.startup.Tomcat tomcat = new org.apache.catalina.startup.Tomcat();
    tomcat.setBaseDir(java.nio.file.Files.createTempDirectory("bench-tomcat").toString());
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    // Keep-alive without a cap (Tomcat closes every 100th response's connection by default), as the other peers.
    tomcat.getConnector().setProperty("maxKeepAliveRequests", "-1");
    org.apache.catalina.Context ctx = tomcat.addContext("", null);
    org.apache.catalina.startup.Tomcat.addServlet(ctx, "hello", new jakarta.servlet.http.HttpServlet() {
      @Override
      protected void doGet(jakarta.servlet.http.HttpServletRequest req, jakarta.servlet.http.HttpServletResponse resp)
          throws java.io.IOException {
        resp.setContentType("text/plain");
        resp.setContentLength(HELLO.length);
        resp.getOutputStream().write(HELLO);
      }
    });
    ctx.addServletMappingDecoded("/", "hello");
    tomcat.start();
    return tomcat.getConnector().getLocalPort();
  }

  private static boolean hello(Response response, Callback callback) {
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, HELLO.length);
    response.write(true, ByteBuffer.wrap(HELLO), callback);
    return true;
  }

  private static int netty() throws Exception {
    EventLoopGroup group = new NioEventLoopGroup(1);
    ByteBuf hello = Unpooled.unreleasableBuffer(Unpooled.directBuffer(HELLO.length).writeBytes(HELLO));
    Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            c.pipeline().addLast(new HttpServerCodec(), new SimpleChannelInboundHandler<HttpObject>() {
              @Override
              protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                if (msg instanceof HttpRequest req) {
                  FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, hello.duplicate());
                  res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                      .setInt(HttpHeaderNames.CONTENT_LENGTH, HELLO.length);
                  if (HttpUtil.isKeepAlive(req)) {
                    ctx.write(res);
                  } else {
                    ctx.write(res).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                  }
                }
              }

              @Override
              public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.flush();
              }
            });
          }
        }).bind("127.0.0.1", 0).sync().channel();
    return ((InetSocketAddress) ch.localAddress()).getPort();
  }

  private static int helidon() {
    WebServer server = WebServer.builder().host("127.0.0.1").port(0)
        .routing(r -> r.get("/", (req, res) -> res.send(HELLO)))
        .build().start();
    return server.port();
  }
}
