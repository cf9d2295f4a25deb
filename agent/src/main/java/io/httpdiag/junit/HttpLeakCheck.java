package io.httpdiag.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fails a test that leaks an HTTP body, a connection, a client or a thread. On a class it checks
 * every test; on a method, that test (a method's annotation wins over its class's).
 *
 * <pre>{@code
 * @HttpLeakCheck
 * class InventoryTest {
 *   @Test void refresh() { ... }   // fails if refresh() leaves a body open or a thread running
 * }
 * }</pre>
 *
 * Refuses (one line) to run tests concurrently with others, where leaks cannot be attributed.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(HttpLeakExtension.class)
public @interface HttpLeakCheck {
  /** The kinds of leak checked. */
  LeakKind[] check() default {LeakKind.BODIES, LeakKind.CONNECTIONS, LeakKind.CLIENTS, LeakKind.THREADS};

  /** Threads whose name matches one of these regular expressions (whole name) are not leaks. */
  String[] ignoreThreads() default {};

  /**
   * Threads whose top frame starts with one of these ({@code "com.acme.Poller.poll"},
   * {@code "com.acme.Poller"}) are not leaks (goleak's IgnoreTopFunction).
   */
  String[] ignoreTopFrames() default {};

  /**
   * True: only what began during the test counts (exchanges in flight and threads alive before it
   * are the baseline). False: exchanges in flight from before the test count too (threads are
   * always compared with the baseline: the JVM has many).
   */
  boolean baseline() default true;

  /**
   * How long to wait for asynchronous teardown to settle, in milliseconds. Negative: goleak's
   * schedule, 20 retries with exponential backoff capped at 100 ms (about 0.4 s in all when
   * something does leak; nothing when nothing does).
   */
  long graceMillis() default -1;

  /**
   * Record the test with JFR and, when it leaks, dump the httpdiag events to
   * {@code target/httpdiag/<Class>.<method>.jfr} (the directory: {@link HttpLeaks#JFR_DIR_PROPERTY}).
   */
  boolean jfr() default false;
}
