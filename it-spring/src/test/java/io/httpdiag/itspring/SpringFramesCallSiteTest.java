package io.httpdiag.itspring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import io.httpdiag.agent.runtime.CallSite;
import io.httpdiag.agent.runtime.Config;
import io.httpdiag.itspring.fixture.CapturingHttpClient;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * The call site through Spring's real classes, in process: RestClient, RestTemplate and an
 * {@code @HttpExchange} interface client (a Spring AOP proxy) over JdkClientHttpRequestFactory, against
 * a loopback server. The capture is {@link CapturingHttpClient}, where the agent's JDK advice captures.
 */
class SpringFramesCallSiteTest {
  private static HttpServer server;
  private static String url;
  private final CapturingHttpClient client = new CapturingHttpClient();
  private final JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(client);

  /** An HTTP interface client: Spring builds it as an AOP proxy. */
  interface Greeting {
    @GetExchange("/hello")
    String hello();
  }

  @BeforeAll
  static void start() throws Exception {
    Method configure = CallSite.class.getDeclaredMethod("configure", Config.class);
    configure.setAccessible(true);
    configure.invoke(null, Config.parse("stacks=all,callsite.skip=io.httpdiag.itspring.fixture.", null));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/plain");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort() + "/hello";
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  @Test
  void restClientIsSkippedAndNamed() {
    RestClient restClient = RestClient.builder().requestFactory(factory).build();
    int line = line(); String body = restClient.get().uri(url).retrieve().body(String.class);
    assertEquals("hello", body);
    assertEquals(site("restClientIsSkippedAndNamed", line) + " via RestClient", client.lastCallSite);
  }

  @Test
  void restTemplateIsSkippedAndNamed() {
    RestTemplate restTemplate = new RestTemplate(factory);
    int line = line(); String body = restTemplate.getForObject(url, String.class);
    assertEquals("hello", body);
    assertEquals(site("restTemplateIsSkippedAndNamed", line) + " via RestTemplate", client.lastCallSite);
  }

  @Test
  void anHttpInterfaceClientsProxyIsSkippedAndTheInvokerNamed() {
    RestClient restClient = RestClient.builder().requestFactory(factory).baseUrl(url.replace("/hello", "")).build();
    Greeting greeting = HttpServiceProxyFactory.builderFor(RestClientAdapter.create(restClient)).build().createClient(Greeting.class);
    int line = line(); String body = greeting.hello();
    assertEquals("hello", body);
    assertEquals(site("anHttpInterfaceClientsProxyIsSkippedAndTheInvokerNamed", line) + " via HttpServiceProxyFactory",
        client.lastCallSite);
  }

  private static String site(String method, int line) {
    return SpringFramesCallSiteTest.class.getName() + "." + method + "(SpringFramesCallSiteTest.java:" + line + ")";
  }

  /** The caller's line. */
  private static int line() {
    return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow()).getLineNumber();
  }
}
