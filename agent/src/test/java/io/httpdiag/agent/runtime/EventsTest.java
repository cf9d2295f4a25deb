package io.httpdiag.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The runtime without an agent: Events fed directly, a recording sink. Ids are distinct per test. */
class EventsTest {
  static final List<String> recorded = new ArrayList<>();

  @BeforeAll
  static void install() {
    Events.install(Config.parse("max.exchanges=16", null), new Sink() {
      @Override public void start(ExchangeState x) {}
      @Override public synchronized void step(ExchangeState x, Step step, long nanos) {
        recorded.add(x.id + " " + step.label);
      }
      @Override public synchronized void end(ExchangeState x) {
        recorded.add(x.id + " end " + x.outcome());
      }
      @Override public void connection(long connectionId, boolean server, String event, String... keyValues) {}
    });
  }

  @Test
  void exchangeEndsAtPutIdleConnWhenItComesAfterBodyEnd() {
    List<String> got = run(101, 1001, () -> {
      Events.bodyEnd(101, 1001, 5, 5, true, "eof");
      Events.putIdleConn(101, 1001, "ok");
    });
    assertEquals(List.of("101 exchangeStart", "101 getConn", "101 gotConn", "101 bodyEnd", "101 putIdleConn", "101 end pooled"),
        got);
  }

  @Test
  void exchangeEndsAtBodyEndWhenPutIdleConnCameFirst() {
    List<String> got = run(102, 1002, () -> {
      Events.putIdleConn(102, 1002, "undrained");
      Events.bodyEnd(102, 1002, 1, 5, false, "close");
    });
    assertEquals(List.of("102 exchangeStart", "102 getConn", "102 gotConn", "102 putIdleConn", "102 bodyEnd",
        "102 end undrained"), got);
    assertEquals(1, Events.pool().host("h:103").discards("undrained"));
  }

  @Test
  void aMissingPutIdleConnEndsTheExchangeWhenItsConnectionCloses() {
    List<String> got = run(104, 1004, () -> {
      Events.bodyEnd(104, 1004, 5, 5, true, "eof");
      Events.clientConnClosed(1004, "peerClosed");
    });
    assertEquals("104 end eof", got.get(got.size() - 1));
    assertEquals(0, Events.inFlight());
  }

  @Test
  void exchangesBeyondTheCapAreCountedAndDropped() {
    long before = Counters.droppedExchanges.get();
    for (long id = 200; id < 220; id++) Events.clientExchangeStart(id, "GET", "http://h/", 0);
    assertEquals(16, Events.inFlight());
    assertEquals(before + 4, Counters.droppedExchanges.get());
    for (long id = 200; id < 220; id++) Events.exchangeFailed(id, new RuntimeException("x"));
    assertEquals(0, Events.inFlight());
  }

  private static List<String> run(long id, long conn, Runnable rest) {
    synchronized (recorded) {
      recorded.clear();
    }
    String host = "h:" + (id == 102 ? 103 : id);
    Events.clientExchangeStart(id, "GET", "http://" + host + "/", 0);
    Events.getConn(id, host);
    Events.gotConn(id, conn, false, false, 0, 0, 1);
    rest.run();
    synchronized (recorded) {
      return new ArrayList<>(recorded);
    }
  }
}
