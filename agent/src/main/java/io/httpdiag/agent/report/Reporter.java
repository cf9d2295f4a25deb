package io.httpdiag.agent.report;

import io.httpdiag.agent.runtime.Config;
import io.httpdiag.agent.runtime.ExchangeState;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Sink;
import io.httpdiag.agent.runtime.Step;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** The sink the runtime feeds: the lifecycle log and JFR, each optional. */
public final class Reporter implements Sink {
  private final LifecycleLog log; // null when log=off
  private final JfrReporter jfr; // null when jfr=off

  private Reporter(LifecycleLog log, JfrReporter jfr) {
    this.log = log;
    this.jfr = jfr;
  }

  /**
   * Builds the reporters for {@code config}: opens the log file (java.io only), starts the log
   * writer thread, registers the JFR events.
   *
   * @throws IOException when the log file cannot be opened
   */
  public static Reporter create(Config config) throws IOException {
    LifecycleLog log = null;
    if (config.log != Config.LogLevel.OFF) {
      OutputStream out = config.logFile == null ? System.err : new FileOutputStream(config.logFile, true);
      LogAppender appender = new LogAppender(out);
      appender.start();
      log = new LifecycleLog(config, appender);
    }
    JfrReporter jfr = null;
    if (config.jfr) {
      jfr = new JfrReporter();
      jfr.register();
    }
    return new Reporter(log, jfr);
  }

  @Override
  public void start(ExchangeState x) {
    if (jfr != null) jfr.start(x);
  }

  @Override
  public void step(ExchangeState x, Step step, long nanos) {
    if (jfr != null) jfr.step(x, step);
    if (log != null) log.step(x, step, nanos);
  }

  @Override
  public void end(ExchangeState x) {
    if (jfr != null) jfr.end(x);
    if (log != null) log.end(x);
  }

  @Override
  public void configured(String component, Object instance, String callSite, long... settings) {
    if (component.equals("jdkClient")) BuiltAt.jdkClient(instance, callSite);
  }

  @Override
  public void client(String client, String event, String... keyValues) {
    if (log != null) log.client(client, event, keyValues);
  }

  @Override
  public void connection(long connectionId, boolean server, String event, String... keyValues) {
    if (log != null) log.connection(connectionId, server, event, keyValues);
  }

  @Override
  public void finding(Finding f) {
    if (jfr != null) jfr.finding(f);
    if (log != null) log.finding(f);
  }
}
