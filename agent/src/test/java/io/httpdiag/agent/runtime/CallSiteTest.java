package io.httpdiag.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.callsite.app.Orders;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which frames are the user's: a finding's call site is the first one, with the framework it went
 * through. Real frames: the fixtures {@code io.httpdiag.callsite.app} (an application) and
 * {@code io.httpdiag.callsite.wrapper} (an in-house HTTP wrapper, skipped through {@code callsite.skip}).
 */
class CallSiteTest {
  private static final String WRAPPER = "io.httpdiag.callsite.wrapper.";
  private static final String ORDERS = "io.httpdiag.callsite.app.Orders.";

  @AfterEach
  void defaults() {
    CallSite.configure(Config.defaults());
  }

  @Test
  void theAgentsLibraryAdaptersAreNotTheUsersCode() {
    assertTrue(CallSite.isInternalFrame("io.httpdiag.agent.instrument.jdk.JdkClients.clientCreated(JdkClients.java:25)"));
    assertTrue(CallSite.isInternalFrame("io.httpdiag.agent.instrument.core.CoreTransportInstrumentation$GetConn.enter(X.java:1)"));
    assertTrue(CallSite.isInternalFrame("io.httpdiag.agent.runtime.Events.configured(Events.java:9)"));
  }

  @Test
  void applicationsInNeighbouringPackagesAreTheUsersCode() {
    assertFalse(CallSite.isInternalFrame("io.httpdiag.agent.testapp.JdkLeaks.client(JdkLeaks.java:60)"));
    assertFalse(CallSite.isInternalFrame("io.httpdiag.demo.Scenario.run(Scenario.java:3)"));
    assertFalse(CallSite.isInternalFrame("com.acme.Inventory.refresh(Inventory.java:88)"));
    assertFalse(CallSite.isInternalFrame("com.acme.springframework.Orders.load(Orders.java:1)"));
    assertFalse(CallSite.isInternalFrame("com.acme.feign.Orders.load(Orders.java:1)"));
  }

  @Test
  void frameworkFramesAreNotTheUsersCode() {
    // What a stuck thread's stack or a pinned stack shows: the handler site is the first frame after these.
    for (String frame : new String[] {
        "org.springframework.web.client.RestTemplate.getForObject(RestTemplate.java:1)",
        "org.springframework.web.client.DefaultRestClient$DefaultResponseSpec.body(DefaultRestClient.java:1)",
        "org.springframework.web.reactive.function.client.DefaultWebClient.exchange(DefaultWebClient.java:1)",
        "org.springframework.http.client.JdkClientHttpRequestFactory.<init>(JdkClientHttpRequestFactory.java:1)",
        "org.springframework.boot.web.client.RestTemplateBuilder.build(RestTemplateBuilder.java:1)",
        "org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder.build(ClientHttpRequestFactoryBuilder.java:1)",
        "org.springframework.aop.framework.ReflectiveMethodInvocation.proceed(ReflectiveMethodInvocation.java:1)",
        "com.acme.Orders$$SpringCGLIB$$0.load(<generated>)",
        "feign.SynchronousMethodHandler.invoke(SynchronousMethodHandler.java:1)",
        "org.springframework.cloud.openfeign.FeignCircuitBreakerInvocationHandler.invoke(X.java:1)",
        "retrofit2.OkHttpCall.execute(OkHttpCall.java:1)",
        "reactor.core.publisher.Mono.block(Mono.java:1)"}) {
      assertTrue(CallSite.isInternalFrame(frame), frame);
    }
  }

  @Test
  void theNearestFrameworkFrameNamesTheRoute() {
    assertEquals("RestClient", Frameworks.name("org.springframework.web.client.DefaultRestClient$DefaultResponseSpec"));
    assertEquals("RestClient", Frameworks.name("org.springframework.web.client.RestClient"));
    assertEquals("RestTemplate", Frameworks.name("org.springframework.web.client.RestTemplate"));
    assertEquals("WebClient", Frameworks.name("org.springframework.web.reactive.function.client.DefaultWebClient$DefaultRequestBodyUriSpec"));
    assertEquals("JdkClientHttpRequestFactory", Frameworks.name("org.springframework.http.client.JdkClientHttpRequestFactory"));
    assertEquals("RestTemplateBuilder", Frameworks.name("org.springframework.boot.web.client.RestTemplateBuilder"));
    assertEquals("Feign", Frameworks.name("feign.SynchronousMethodHandler"));
    assertEquals("Feign", Frameworks.name("org.springframework.cloud.openfeign.support.SpringDecoder"));
    assertEquals("Retrofit", Frameworks.name("retrofit2.OkHttpCall$1"));
    assertEquals(Frameworks.PLUMBING, Frameworks.kind("org.springframework.aop.framework.CglibAopProxy$DynamicAdvisedInterceptor"));
    assertEquals(Frameworks.PLUMBING, Frameworks.kind("com.acme.Orders$$SpringCGLIB$$0"));
    assertEquals(Frameworks.PLUMBING, Frameworks.kind("reactor.core.publisher.BlockingSingleSubscriber"));
    assertEquals(Frameworks.PLUMBING, Frameworks.kind("com.acme.$Proxy15"), "a JDK proxy of a non-public interface");
    assertEquals(Frameworks.APPLICATION, Frameworks.kind("com.acme.Orders$Proxy"));
    assertEquals(Frameworks.APPLICATION, Frameworks.kind("com.acme.Orders$1"));
  }

  @Test
  void withoutAFrameworkTheCallSiteIsTheFirstApplicationFrame() {
    Orders.Site site = Orders.direct(CallSite::always);
    assertEquals(ORDERS + "direct(Orders.java:" + site.line + ")", site.captured);
  }

  @Test
  void repeatedCapturesNameTheLineEachWasTakenOn() {
    for (int i = 0; i < 3; i++) { // after the first pass the formatted call sites are remembered ones
      Orders.Site[] sites = Orders.twoLines(CallSite::always);
      assertEquals(ORDERS + "twoLines(Orders.java:" + sites[0].line + ")", sites[0].captured);
      assertEquals(ORDERS + "twoLines(Orders.java:" + sites[1].line + ")", sites[1].captured);
    }
  }

  @Test
  void aSkippedPrefixIsPassedOverAndNamedBesideTheApplicationsLine() {
    CallSite.configure(Config.parse("callsite.skip=" + WRAPPER, null));
    Orders.Site site = Orders.load(CallSite::always);
    assertEquals(ORDERS + "load(Orders.java:" + site.line + ") via ApiClient", site.captured);
    Orders.Site sampled = Orders.load(CallSite::sampled);
    assertEquals(ORDERS + "load(Orders.java:" + sampled.line + ") via ApiClient", sampled.captured);
  }

  @Test
  void theFrameworkClassNearestTheApplicationGivesTheName() {
    // Orders.retried -> ApiClient$Retrying -> ApiClient -> WireTransport -> capture: ApiClient, not WireTransport.
    CallSite.configure(Config.parse("callsite.skip=" + WRAPPER, null));
    Orders.Site site = Orders.retried(CallSite::always);
    assertEquals(ORDERS + "retried(Orders.java:" + site.line + ") via ApiClient", site.captured);
  }

  @Test
  void withoutTheOptionTheWrapperIsTheCallSite() {
    Orders.Site site = Orders.load(CallSite::always);
    assertTrue(site.captured.startsWith(WRAPPER + "WireTransport.roundTrip(ApiClient.java:"), site.captured);
  }

  @Test
  void whenOnlyFrameworkFramesRemainTheFirstOfThemIsTheCallSite() {
    // The whole test class path's own packages skipped: a framework's line beats none.
    CallSite.configure(Config.parse("callsite.skip=io.httpdiag.callsite.;org.junit.;org.apache.maven.;worker.", null));
    Orders.Site site = Orders.load(CallSite::always);
    assertTrue(site.captured.startsWith(WRAPPER + "WireTransport.roundTrip(ApiClient.java:"), site.captured);
    assertFalse(site.captured.contains(" via "), site.captured);
  }

  @Test
  void aStackForAFindingStartsAtTheApplicationsFrame() {
    CallSite.configure(Config.parse("callsite.skip=" + WRAPPER, null));
    String[][] stack = new String[1][];
    Orders.Site site = Orders.load(() -> {
      stack[0] = CallSite.stack(2);
      return "";
    });
    assertEquals(2, stack[0].length, Arrays.toString(stack[0]));
    assertEquals(ORDERS + "load(Orders.java:" + site.line + ")", stack[0][0]);
    assertTrue(stack[0][1].startsWith(getClass().getName() + ".aStackForAFindingStartsAtTheApplicationsFrame("), stack[0][1]);
  }

  @Test
  void anotherThreadsStackRunsToItsApplicationFrameAndTwoMore() throws Exception {
    CallSite.configure(Config.parse("callsite.skip=" + WRAPPER, null));
    CountDownLatch parked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread t = new Thread(() -> Orders.inside(() -> {
      parked.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "";
    }), "parked-in-wrapper");
    t.start();
    try {
      assertTrue(parked.await(10, TimeUnit.SECONDS));
      String[] stack = CallSite.stackOf(t, 40);
      int app = indexOf(stack, ORDERS + "inside(");
      assertTrue(app > 0, Arrays.toString(stack));
      assertEquals(app + 3, stack.length, "down to the application's frame and two more: " + Arrays.toString(stack));
      assertTrue(stack[app - 1].startsWith(WRAPPER + "ApiClient.send("), Arrays.toString(stack));
    } finally {
      release.countDown();
      t.join(10_000);
    }
  }

  @Test
  void theSkipOptionAcceptsPrefixesAndRejectsOthersInOneLine() {
    assertEquals(java.util.List.of("com.acme.http.", "org.foo."),
        Config.parse("callsite.skip=com.acme.http.;org.foo.", null).callSiteSkip);
    java.util.Properties p = new java.util.Properties();
    p.setProperty("httpdiag.callsite.skip", "com.acme.http., org.foo.");
    assertEquals(java.util.List.of("com.acme.http.", "org.foo."), Config.parse(null, p).callSiteSkip);
    assertEquals(java.util.List.of(), Config.defaults().callSiteSkip);
    assertEquals("bad option org.foo.: separate the prefixes of callsite.skip with ';' (',' separates agent options)",
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> Config.parse("callsite.skip=com.acme.http.,org.foo.", null)).getMessage());
    assertEquals("bad option callsite.skip=com/acme: expected package or class-name prefixes separated by ';'",
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> Config.parse("callsite.skip=com/acme", null)).getMessage());
  }

  private static int indexOf(String[] stack, String prefix) {
    for (int i = 0; i < stack.length; i++) {
      if (stack[i].startsWith(prefix)) return i;
    }
    return -1;
  }
}
