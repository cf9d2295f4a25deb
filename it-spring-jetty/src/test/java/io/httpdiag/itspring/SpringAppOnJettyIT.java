package io.httpdiag.itspring;

import java.nio.file.Paths;

/**
 * {@link SpringAppCase} with the same application on Jetty 12 (spring-boot-starter-jetty, Tomcat
 * excluded from this module's class path), on the toolchain's JDK (25).
 */
class SpringAppOnJettyIT extends SpringAppCase {
  @Override
  String java() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  @Override
  Container container() {
    return Container.JETTY;
  }
}
