package io.httpdiag.bench;

import io.httpdiag.http.Server;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Child-JVM main for the h2 section: one hello-world HTTP/2 server ({@code GET /} → the 13 bytes
 * "Hello, World!") on 127.0.0.1 and a free port. Prints {@code LISTENING <port>}, then obeys stdin:
 * {@code counters} prints {@code COUNTERS jitMs=<JIT CPU ms so far> conns=<TCP connections accepted
 * so far, or -1 when this server cannot tell>}; end of input exits.
 *
 * <pre>java -cp httpdiag-bench.jar io.httpdiag.bench.H2PeerServer core-h2c|jetty-h2c|netty-h2c|jetty-h2-tls [keystore.p12 password]</pre>
 *
 * <p>The h2c servers take prior knowledge (h2load's default for {@code http://}); core-transport and
 * Jetty also serve HTTP/1.1 on the same port, Netty's is h2 only. {@code jetty-h2-tls} negotiates
 * {@code h2} (else {@code http/1.1}) by ALPN with the given PKCS#12 key store.
 */
public final class H2PeerServer {
  /** The h2c servers of the table, in table order. */
  static final List<String> KINDS = List.of("core-h2c", "jetty-h2c", "netty-h2c");
  private static final byte[] HELLO = PeerServer.HELLO;
  private static final AtomicLong CONNECTIONS = new AtomicLong(-1);

  private H2PeerServer() {}

  static String label(String kind) {
    return switch (kind) {
      case "core-h2c" -> "core-transport Server h2c (virtual thread per stream)";
      case "core-h1" -> "core-transport Server, same server, HTTP/1.1 (h2load --h1; context)";
      case "jetty-h2c" -> "Jetty 12 h2c, non-blocking handler";
      case "netty-h2c" -> "Netty 4.1 h2c (Http2FrameCodec, 1 event loop)";
      case "jetty-h2-tls" -> "Jetty 12 h2 over TLS (ALPN)";
      default -> kind;
    };
  }

  public static void main(String[] args) throws Exception {
    int port = switch (args[0]) {
      case "core-h2c" -> core();
      case "jetty-h2c" -> jetty(null, null);
      case "jetty-h2-tls" -> jetty(args[1], args[2]);
      case "netty-h2c" -> netty();
      default -> throw new IllegalArgumentException("unknown server " + args[0] + "; one of " + KINDS + " or jetty-h2-tls");
    };
    System.out.println("LISTENING " + port);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.equals("counters")) {
        System.out.println("COUNTERS jitMs=" + JitCpu.millis() + " conns=" + CONNECTIONS.get()
            + " threads=" + ManagementFactory.getThreadMXBean().getThreadCount());
        System.out.flush();
      }
    }
    System.exit(0);
  }

  private static int core() throws Exception {
    Server s = Server.builder().handler((w, r) -> w.write(HELLO)).port(0).h2c(true).build().start();
    return s.port();
  }

  /** h2c (prior knowledge, HTTP/1.1 on the same port) when {@code keyStore} is null, else h2 over TLS by ALPN. */
  private static int jetty(String keyStore, String password) throws Exception {
    org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server(new QueuedThreadPool());
    HttpConfiguration config = new HttpConfiguration();
    ServerConnector c;
    if (keyStore == null) {
      c = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config), new HTTP2CServerConnectionFactory(config));
    } else {
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStorePath(keyStore);
      ssl.setKeyStorePassword(password);
      ssl.setKeyStoreType("PKCS12");
      // Clients connect to 127.0.0.1: no SNI host to check.
      config.addCustomizer(new SecureRequestCustomizer(false));
      ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
      alpn.setDefaultProtocol("http/1.1");
      c = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn,
          new HTTP2ServerConnectionFactory(config), new HttpConnectionFactory(config));
      CONNECTIONS.set(0);
      // One SslConnection per accepted socket: the client rows show how many connections a client used.
      c.addEventListener(new Connection.Listener() {
        @Override
        public void onOpened(Connection connection) {
          if (connection instanceof SslConnection) {
            CONNECTIONS.incrementAndGet();
          }
        }
      });
    }
    c.setHost("127.0.0.1");
    c.setPort(0);
    server.addConnector(c);
    server.setHandler(new Handler.Abstract.NonBlocking() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, HELLO.length);
        response.write(true, ByteBuffer.wrap(HELLO), callback);
        return true;
      }
    });
    server.start();
    return c.getLocalPort();
  }

  /** Netty's own h2 server shape: Http2FrameCodec on the connection, the handler answering each stream's end. */
  private static int netty() throws Exception {
    EventLoopGroup group = new NioEventLoopGroup(1);
    ByteBuf hello = Unpooled.unreleasableBuffer(Unpooled.directBuffer(HELLO.length).writeBytes(HELLO));
    Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            c.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof Http2HeadersFrame h) {
                  if (h.isEndStream()) {
                    respond(ctx, h.stream());
                  }
                } else if (msg instanceof Http2DataFrame d) {
                  int consumed = d.initialFlowControlledBytes();
                  Http2FrameStream stream = d.stream();
                  boolean end = d.isEndStream();
                  d.release();
                  if (consumed > 0) {
                    ctx.write(new DefaultHttp2WindowUpdateFrame(consumed).stream(stream));
                  }
                  if (end) {
                    respond(ctx, stream);
                  }
                } else {
                  ReferenceCountUtil.release(msg);
                }
              }

              private void respond(ChannelHandlerContext ctx, Http2FrameStream stream) {
                Http2Headers headers = new DefaultHttp2Headers().status("200")
                    .set("content-type", "text/plain").setInt("content-length", HELLO.length);
                ctx.write(new DefaultHttp2HeadersFrame(headers).stream(stream));
                ctx.write(new DefaultHttp2DataFrame(hello.duplicate(), true).stream(stream));
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
}
