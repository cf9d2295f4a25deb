package io.httpdiag.agent.it;

import java.util.List;

/** Jetty 12 with ee10 servlets, 12.0 (Spring Boot 3.5's) and 12.1: see {@link ServletContainerTests}. */
class JettyIT extends ServletContainerTests {
  @Override
  String container() {
    return "jetty";
  }

  @Override
  List<Variant> variants() {
    return List.of(new Variant("Jetty 12.0 (oldest, Spring Boot 3.5)", ServletChild.jettyJars(true)),
        new Variant("Jetty 12.1 (newest)", ServletChild.jettyJars(false)));
  }
}
