package io.httpdiag.demo;

import java.util.List;

/**
 * One anti-pattern beside its fix. {@link #run} is called once per {@link Variant} with a fresh
 * {@link Run} (its own embedded server, so the detectors' per-host state never mixes variants).
 */
abstract class Scenario {
  enum Variant {
    BAD, FIXED;

    String label() {
      return this == BAD ? "bad" : "fixed";
    }
  }

  static final String CORE = "core-transport";
  static final String JDK = "JDK HttpClient";

  final String name;
  final String transport;
  /** The mistake, in a few words. */
  final String mistake;
  /** Finding kinds the bad variant must yield (the fixed variant must yield none). */
  final List<String> expected;

  Scenario(String name, String transport, String mistake, List<String> expected) {
    this.name = name;
    this.transport = transport;
    this.mistake = mistake;
    this.expected = expected;
  }

  /** Why the scenario cannot run on this JVM, or null. */
  String skipReason() {
    return null;
  }

  /** Why the agent is not expected to find the bad variant's mistake yet, or null. */
  String notDetectedReason(boolean anythingSeen) {
    return null;
  }

  /** What the variant does, one line. */
  abstract String describe(Variant v);

  abstract void run(Variant v, Run run) throws Exception;
}
