package io.httpdiag.agent.testapp;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.util.HashMap;
import java.util.Map;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.EngineTestKit.Builder;

/**
 * Runs sample test classes through the JUnit Platform's EngineTestKit, one execution per argument
 * ({@code Class[#method][;key=value...]}, keys are configuration parameters), and prints each
 * finished test as {@code testapp: result <Class>.<method>() [<display name>] <STATUS> <message>}
 * with the message's line breaks as {@code \n}.
 */
public final class LeakCheckRunner {
  private static final String SAMPLES = "io.httpdiag.junit.samples.";

  private LeakCheckRunner() {}

  public static void main(String[] args) throws Exception {
    System.out.println("testapp: java.version=" + System.getProperty("java.version"));
    for (String arg : args) {
      String[] parts = arg.split(";");
      Map<String, String> params = new HashMap<>();
      for (int i = 1; i < parts.length; i++) {
        int eq = parts[i].indexOf('=');
        params.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
      }
      String target = parts[0];
      Builder kit = EngineTestKit.engine("junit-jupiter").configurationParameters(params);
      int hash = target.indexOf('#');
      kit = hash < 0 ? kit.selectors(selectClass(SAMPLES + target))
          : kit.selectors(selectMethod(SAMPLES + target.substring(0, hash) + "#" + target.substring(hash + 1)));
      EngineExecutionResults results = kit.execute();
      results.testEvents().finished().stream().forEach(e -> {
        String name = e.getTestDescriptor().getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
            .map(m -> m.getClassName().substring(m.getClassName().lastIndexOf('.') + 1) + "." + m.getMethodName() + "()")
            .orElse(e.getTestDescriptor().getDisplayName());
        String display = e.getTestDescriptor().getDisplayName();
        TestExecutionResult r = e.getRequiredPayload(TestExecutionResult.class);
        String message = r.getThrowable().map(t -> t.getClass().getName() + ": " + t.getMessage()).orElse("");
        System.out.println("testapp: result " + name + " [" + display + "] " + r.getStatus() + " "
            + message.replace("\\", "\\\\").replace("\n", "\\n"));
      });
    }
    System.out.println("testapp: done");
    System.exit(0); // a sample that leaks a non-daemon thread must not keep the child alive
  }
}
