package io.httpdiag.agent.runtime;

import java.util.List;

/**
 * The HTTP frameworks that sit between an application and its HTTP client: their frames are not
 * the application's line, and the one nearest it names the route ({@code via RestClient}). Classified
 * by class-name prefix only (no class loading, no allocation), so a stack walk may ask for every frame.
 */
final class Frameworks {
  /** Not a framework's: the application's own frame. */
  static final int APPLICATION = 0;
  /** A framework's frame that names the route: Spring's clients and factories, Feign, Retrofit, {@code callsite.skip}. */
  static final int NAMED = 1;
  /** A framework's frame that is plumbing, never a name: Spring AOP and CGLIB proxies, the rest of Spring, Reactor. */
  static final int PLUMBING = 2;

  /** {@code callsite.skip}: more prefixes, named by their class's simple name. Replaced whole by configure. */
  private static volatile String[] userPrefixes = new String[0];

  private Frameworks() {}

  static void configure(List<String> prefixes) {
    userPrefixes = prefixes.toArray(new String[0]);
  }

  /** {@link #APPLICATION}, {@link #NAMED} or {@link #PLUMBING}; the JDK's and the agent's frames are the caller's concern. */
  static int kind(String cls) {
    if (cls.startsWith("org.springframework.")) return spring(cls);
    if (cls.startsWith("feign.") || cls.startsWith("retrofit2.")) return NAMED;
    if (cls.startsWith("reactor.")) return PLUMBING;
    // Generated classes in the application's package: a CGLIB subclass (the line is in the class it proxies), and a
    // JDK proxy of a non-public interface ($ProxyN: public ones live in jdk.proxyN), e.g. Spring's @HttpExchange clients.
    int dollar = cls.indexOf('$');
    if (dollar > 0 && (cls.startsWith("$Proxy", cls.lastIndexOf('.') + 1) || cls.contains("$$SpringCGLIB$$")
        || cls.contains("BySpringCGLIB$$"))) {
      return PLUMBING;
    }
    for (String prefix : userPrefixes) {
      if (cls.startsWith(prefix)) return NAMED;
    }
    return APPLICATION;
  }

  private static int spring(String cls) {
    if (cls.startsWith("org.springframework.web.client.")
        || cls.startsWith("org.springframework.web.reactive.function.client.")
        || cls.startsWith("org.springframework.web.service.")
        || cls.startsWith("org.springframework.http.client.")
        || cls.startsWith("org.springframework.boot.web.client.")
        || cls.startsWith("org.springframework.boot.http.client.")
        || cls.startsWith("org.springframework.boot.autoconfigure.web.client.")
        || cls.startsWith("org.springframework.boot.autoconfigure.http.client.")
        || cls.startsWith("org.springframework.cloud.openfeign.")) {
      return NAMED;
    }
    // The rest of Spring: AOP and CGLIB proxies, converters, StreamUtils, retry templates between the application
    // and its client; MVC, schedulers and listeners that call the application lie beyond its frame and are never reached.
    return PLUMBING;
  }

  /**
   * The name shown after {@code via} for a {@link #NAMED} frame's class: RestClient, RestTemplate,
   * WebClient, Feign, Retrofit, else the class's simple name (a request factory, a Boot builder, a
   * {@code callsite.skip} class), without nested-class suffixes.
   */
  static String name(String cls) {
    if (cls.startsWith("feign.") || cls.startsWith("org.springframework.cloud.openfeign.")) return "Feign";
    if (cls.startsWith("retrofit2.")) return "Retrofit";
    if (cls.startsWith("org.springframework.web.reactive.function.client.")) return "WebClient";
    // DefaultRestClient, DefaultRestClientBuilder: the interface's name (RestTemplate is already its own).
    if (cls.startsWith("org.springframework.web.client.") && cls.contains("RestClient")) return "RestClient";
    int start = cls.lastIndexOf('.') + 1;
    int end = cls.indexOf('$', start);
    return cls.substring(start, end < 0 ? cls.length() : end);
  }
}
