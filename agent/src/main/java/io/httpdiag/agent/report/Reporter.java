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
  private volatile LifecycleLog log; // null while log=off and never turned on
  private final JfrReporter jfr; // null when jfr=off
  private final Config config; // log.file and log.format, for a log first turned on at run time

  private Reporter(LifecycleLog log, JfrReporter jfr, Config config) {
    this.log = log;
    this.jfr = jfr;
    this.config = config;
  }

  /**
   * Changes the log level at run time (a second attach): the log file or stderr and the format stay
   * those given at start. A log that was off is created now.
   *
   * @throws IOException when the log file cannot be opened
   */
  public synchronized void logLevel(Config.LogLevel level) throws IOException {
    LifecycleLog current = log;
    if (current != null) {
      current.level(level);
    } else if (level != Config.LogLevel.OFF) {
      LifecycleLog created = open(config);
      created.level(level);
      log = created;
    }
  }

  private static LifecycleLog open(Config config) throws IOException {
    OutputStream out = config.logFile == null ? System.err : new FileOutputStream(config.logFile, true);
    LogAppender appender = new LogAppender(out);
    appender.start();
    return new LifecycleLog(config, appender);
  }

  /**
   * Builds the reporters for {@code config}: opens the log file (java.io only), starts the log
   * writer thread, registers the JFR events.
   *
   * @throws IOException when the log file cannot be opened
   */
  public static Reporter create(Config config) throws IOException {
    LifecycleLog log = config.log == Config.LogLevel.OFF ? null : open(config);
    JfrReporter jfr = null;
    if (config.jfr) {
      jfr = new JfrReporter();
      jfr.register();
    }
    return new Reporter(log, jfr, config);
  }

  @Override
  public void start(ExchangeState x) {
    if (jfr != null) jfr.start(x);
  }

  @Override
  public void step(ExchangeState x, Step step, long nanos) {
    if (jfr != null) jfr.step(x, step);
    LifecycleLog l = log;
    if (l != null) l.step(x, step, nanos);
  }

  @Override
  public void end(ExchangeState x) {
    if (jfr != null) jfr.end(x);
    LifecycleLog l = log;
    if (l != null) l.end(x);
  }

  @Override
  public void configured(String component, Object instance, String callSite, long... settings) {
    if (component.equals("jdkClient")) BuiltAt.jdkClient(instance, callSite);
  }

  @Override
  public void client(String client, String event, String... keyValues) {
    LifecycleLog l = log;
    if (l != null) l.client(client, event, keyValues);
  }

  @Override
  public void connection(long connectionId, boolean server, String event, String... keyValues) {
    if (jfr != null && !server && event.equals("connClosed")) jfr.connectionClosed(connectionId);
    LifecycleLog l = log;
    if (l != null) l.connection(connectionId, server, event, keyValues);
  }

  @Override
  public void finding(Finding f) {
    if (jfr != null) jfr.finding(f);
    LifecycleLog l = log;
    if (l != null) l.finding(f);
  }
}
