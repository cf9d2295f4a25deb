/**
 * Leak assertions for tests, goleak-style and HTTP-aware: {@link io.httpdiag.junit.HttpLeakCheck}
 * on a JUnit 5 class or method, or {@link io.httpdiag.junit.HttpLeaks} from any framework.
 *
 * <p>Each check snapshots what is in flight and alive before the test, and after it waits with
 * bounded exponential backoff (20 retries capped at 100 ms) for bodies, connections and threads to
 * settle, then fails with one {@link AssertionError} naming every leak, where it began and the fix.
 * The httpdiag agent must run in the JVM: given with {@code -javaagent}, or self-attached on first
 * use. Classes of the agent's runtime are touched only after the agent is attached, so they resolve
 * to its single boot-loaded copy even when the agent jar is also on the test class path.
 */
package io.httpdiag.junit;
