package io.httpdiag.itspring;

/** {@link SpringAppOnJettyIT} on JDK 17 (found as {@link SpringAppJdk17IT} finds it; skipped without one). */
class SpringAppOnJettyJdk17IT extends SpringAppCase {
  @Override
  String java() {
    return SpringAppJdk17IT.java17();
  }

  @Override
  Container container() {
    return Container.JETTY;
  }
}
