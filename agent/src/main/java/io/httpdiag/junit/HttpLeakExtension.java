package io.httpdiag.junit;

import java.lang.reflect.AnnotatedElement;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 side of {@link HttpLeakCheck}: a {@link Snapshot} before each test, verified after
 * it (after the test's own {@code @AfterEach} methods, so their teardown counts). Refuses tests
 * that run concurrently with others: a snapshot sees the whole JVM, so a leak could not be pinned
 * on one test.
 */
public final class HttpLeakExtension implements BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(HttpLeakExtension.class);
  private static final String PARALLEL = "junit.jupiter.execution.parallel.enabled";
  private static final String MODE = "junit.jupiter.execution.parallel.mode.default";
  private static final String CLASSES_MODE = "junit.jupiter.execution.parallel.mode.classes.default";
  /** Tests between their snapshot and their verify, in this JVM. */
  private static final AtomicInteger checking = new AtomicInteger();

  @Override
  public void beforeEach(ExtensionContext context) {
    String name = name(context);
    String refusal = concurrency(context);
    if (refusal != null) throw new ExtensionConfigurationException(refusal);
    if (checking.incrementAndGet() > 1) {
      checking.decrementAndGet();
      throw new ExtensionConfigurationException("httpdiag: " + name
          + " started while another @HttpLeakCheck test was running; leaks cannot be attributed to one of them: run them in the same thread");
    }
    try {
      Snapshot s = new Snapshot(options(context), name);
      context.getStore(NS).put(Snapshot.class, s);
    } catch (IllegalStateException e) {
      checking.decrementAndGet();
      throw new ExtensionConfigurationException(e.getMessage());
    } catch (RuntimeException | Error e) {
      checking.decrementAndGet();
      throw e;
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Snapshot s = context.getStore(NS).remove(Snapshot.class, Snapshot.class);
    if (s == null) return;
    try {
      s.verify();
    } finally {
      checking.decrementAndGet();
    }
  }

  /** The method's annotation, else the class's (or an enclosing class's). */
  static HttpLeaks.Options options(ExtensionContext context) {
    Optional<HttpLeakCheck> a = find(context.getTestMethod().orElse(null));
    for (Class<?> c = context.getRequiredTestClass(); a.isEmpty() && c != null; c = c.getEnclosingClass()) {
      a = find(c);
    }
    return a.map(HttpLeaks.Options::of).orElseGet(HttpLeaks.Options::defaults);
  }

  private static Optional<HttpLeakCheck> find(AnnotatedElement e) {
    return e == null ? Optional.empty() : AnnotationSupport.findAnnotation(e, HttpLeakCheck.class);
  }

  /** One line refusing a test that may run concurrently with others, or null. */
  static String concurrency(ExtensionContext context) {
    if (!context.getConfigurationParameter(PARALLEL).map(Boolean::parseBoolean).orElse(false)) return null;
    String methods = context.getConfigurationParameter(MODE).orElse("same_thread");
    String classes = context.getConfigurationParameter(CLASSES_MODE).orElse(methods);
    Class<?> cls = context.getRequiredTestClass();
    boolean isolated = AnnotationSupport.isAnnotated(cls, org.junit.jupiter.api.parallel.Isolated.class);
    boolean concurrent = context.getExecutionMode() == ExecutionMode.CONCURRENT
        || (!isolated && "concurrent".equalsIgnoreCase(classes));
    if (!concurrent) return null;
    return "httpdiag: @HttpLeakCheck cannot attribute leaks to " + name(context)
        + " while tests run concurrently (" + PARALLEL + "=true); annotate " + cls.getSimpleName()
        + " with @Isolated and @Execution(ExecutionMode.SAME_THREAD), or run it without parallel execution";
  }

  static String name(ExtensionContext context) {
    String cls = context.getRequiredTestClass().getSimpleName();
    String method = context.getTestMethod().map(m -> m.getName()).orElse("?");
    String display = context.getDisplayName();
    boolean plain = display.equals(method + "()");
    return cls + "." + method + "()" + (plain ? "" : " [" + display + "]");
  }
}
