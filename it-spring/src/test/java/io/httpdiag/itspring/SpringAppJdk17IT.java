package io.httpdiag.itspring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * {@link SpringAppCase} with the application on JDK 17 (the oldest the agent supports): the first
 * JDK under /usr/lib/jvm whose release file says 17, or {@code -Dhttpdiag.test.java17=<java binary>}.
 * Skipped, saying so, on a machine without one.
 */
class SpringAppJdk17IT extends SpringAppCase {
  @Override
  String java() {
    return java17();
  }

  /** The JDK 17 {@code java} binary; aborts the test (skipped, with the reason) when there is none. */
  static String java17() {
    String given = System.getProperty("httpdiag.test.java17");
    if (given != null) return given;
    try (Stream<Path> jdks = Files.list(Paths.get("/usr/lib/jvm"))) {
      return jdks.sorted(Comparator.naturalOrder()).filter(SpringAppJdk17IT::isJdk17)
          .map(p -> p.resolve("bin/java").toString()).findFirst()
          .orElseGet(() -> {
            Assumptions.abort("no JDK 17 under /usr/lib/jvm (set -Dhttpdiag.test.java17)");
            return null;
          });
    } catch (IOException e) {
      Assumptions.abort("no /usr/lib/jvm: " + e);
      return null;
    }
  }

  private static boolean isJdk17(Path home) {
    try {
      return Files.isExecutable(home.resolve("bin/java"))
          && Files.readAllLines(home.resolve("release")).stream().anyMatch(l -> l.startsWith("JAVA_VERSION=\"17"));
    } catch (IOException e) {
      return false;
    }
  }
}
