package io.httpdiag.agent.it;

import java.util.List;

/** Embedded Tomcat, the oldest supported (10.1, Spring Boot 3) and the newest (11, Spring Boot 4): see {@link ServletContainerTests}. */
class TomcatIT extends ServletContainerTests {
  @Override
  String container() {
    return "tomcat";
  }

  @Override
  List<Variant> variants() {
    return List.of(new Variant("oldest Tomcat", ServletChild.tomcatJars(false)),
        new Variant("newest Tomcat", ServletChild.tomcatJars(true)));
  }
}
