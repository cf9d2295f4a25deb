package io.httpdiag.junit.samples;

import io.httpdiag.junit.HttpLeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** Run with parallel execution on: the check refuses, in one line, rather than misattribute. */
@HttpLeakCheck
@Execution(ExecutionMode.CONCURRENT)
class ParallelSamples {
  @Test
  void one() {}

  @Test
  void two() {}
}
