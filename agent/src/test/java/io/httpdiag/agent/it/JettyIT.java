package io.httpdiag.agent.it;

import java.util.List;

/** Jetty 12 with ee10 servlets (the version pinned for the tests): see {@link ServletContainerTests}. */
class JettyIT extends ServletContainerTests {
  @Override
  String container() {
    return "jetty";
  }

  @Override
  List<Variant> variants() {
    // The child's class path has the test class path's Jetty jars already; the servlet API is added.
    return List.of(new Variant("Jetty 12", ServletChild.testJar("jakarta.servlet-api")));
  }
}
