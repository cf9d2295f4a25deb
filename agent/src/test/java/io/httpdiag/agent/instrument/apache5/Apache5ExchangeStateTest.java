package io.httpdiag.agent.instrument.apache5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.httpdiag.agent.runtime.Counters;
import org.junit.jupiter.api.Test;

/**
 * The adapter's per-exchange state, driven in the order HttpClient 5's hooks fire (no agent, no
 * events installed: the state itself is what is checked). A busy client must leave nothing in the
 * weak table once an exchange is over (a full table drops keys, and their exchanges go unseen), and
 * must put nothing there while {@code doExecute} runs (the thread finds its exchange).
 */
class Apache5ExchangeStateTest {
  private final long failuresBefore = Counters.failures.get();

  @Test
  void aStreamedExchangeLeavesNoEntryOnceItsBodyEndedAndItsConnectionWentBack() {
    int before = Apache5State.table.size();
    Object runtime = new Object();
    Object x = Apache5Exchanges.execute(new Object(), "GET", "http://127.0.0.1:1/", -1, -1);
    Apache5Exchanges.runtimeCreated(runtime);
    assertEquals(before, Apache5State.table.size(), "nothing in the table while doExecute runs");
    assertSame(x, Apache5State.exchange(Apache5State.cur.get(), runtime));
    Apache5Exchanges.executed(x, new Object(), true, null);
    assertEquals(before + 1, Apache5State.table.size(), "the runtime, for the entity's hooks on any thread");
    assertNull(Apache5State.cur.get().x);
    Apache5Exchanges.bodyEnded(runtime, "eof", true);
    Apache5Exchanges.released(runtime);
    assertEquals(before, Apache5State.table.size());
    assertEquals(failuresBefore, Counters.failures.get());
  }

  @Test
  void anExchangeWithoutAStreamedBodyNeverEntersTheTable() {
    int before = Apache5State.table.size();
    Object runtime = new Object();
    Object x = Apache5Exchanges.execute(new Object(), "GET", "http://127.0.0.1:1/", -1, -1);
    Apache5Exchanges.runtimeCreated(runtime);
    Apache5Exchanges.released(runtime); // a response without an entity releases inside doExecute
    Apache5Exchanges.executed(x, new Object(), false, null);
    assertEquals(before, Apache5State.table.size());
    assertTrue(((Apache5State.X) x).bodyEnded);
    assertEquals(failuresBefore, Counters.failures.get());
  }

  @Test
  void closingTheResponseBeforeItsEntityEndedEndsTheBodyThroughTheRuntimesDiscard() {
    Object runtime = new Object();
    Object x = Apache5Exchanges.execute(new Object(), "GET", "http://127.0.0.1:1/", -1, -1);
    Apache5Exchanges.runtimeCreated(runtime);
    Apache5Exchanges.executed(x, new Object(), true, null);
    // CloseableHttpResponse.close() (5.1-5.4): discards the endpoint inside the close.
    Apache5Exchanges.responseClose(false);
    Apache5Exchanges.discarded(runtime);
    Apache5Exchanges.responseClose(true);
    assertTrue(((Apache5State.X) x).bodyEnded);
    assertEquals(0, Apache5State.cur.get().closingResponses);
    assertNull(Apache5State.cur.get().closing);
    assertEquals(failuresBefore, Counters.failures.get());
  }
}
