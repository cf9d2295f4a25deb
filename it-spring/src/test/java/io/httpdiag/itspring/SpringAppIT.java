package io.httpdiag.itspring;

import java.nio.file.Paths;

/** {@link SpringAppCase} with the application on the toolchain's JDK (25). */
class SpringAppIT extends SpringAppCase {
  @Override
  String java() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }
}
