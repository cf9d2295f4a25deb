package io.httpdiag.agent.instrument.apache4;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.httpdiag.agent.runtime.Counters;
import org.junit.jupiter.api.Test;

/**
 * The HC4 adapter's per-exchange state, driven in the order HC4's hooks fire (no agent, no events
 * installed). The ConnectionHolder and ResponseEntityProxy of a returned body enter the weak table
 * only then, and leave it when the body's end releases the connection: a busy client keeps it small.
 */
class Apache4ExchangeStateTest {
  private final long failuresBefore = Counters.failures.get();

  @Test
  void aReturnedBodyReadToItsEndLeavesNoEntry() {
    int before = Apache4State.table.size();
    Object holder = new Object();
    Object entity = new Object();
    Object x = Apache4Exchanges.start("GET", "http://127.0.0.1:1", "/", -1, -1);
    Apache4Exchanges.holderCreated(holder);
    Apache4Exchanges.entityCreated(entity, holder);
    assertEquals(before, Apache4State.table.size(), "nothing in the table while doExecute runs");
    Apache4Exchanges.end(x, entity, true, null);
    assertEquals(before + 2, Apache4State.table.size(), "holder and entity, for the body's hooks on any thread");
    Apache4Exchanges.read(entity, 13);
    assertEquals(13, ((Apache4State.Xch) x).bytes);
    boolean set = Apache4Exchanges.cause("eof", entity); // ResponseEntityProxy.eofDetected
    Apache4Exchanges.released(holder, true);
    Apache4Exchanges.releaseDone();
    Apache4Exchanges.causeDone(set);
    assertEquals(before, Apache4State.table.size());
    assertEquals(failuresBefore, Counters.failures.get());
  }

  @Test
  void aRedirectHopReleasedInsideDoExecuteIsFoundWithoutTheTable() {
    int before = Apache4State.table.size();
    Object hop = new Object();
    Object x = Apache4Exchanges.start("GET", "http://127.0.0.1:1", "/", -1, -1);
    Apache4Exchanges.holderCreated(hop);
    Apache4Exchanges.released(hop, false); // the redirect's connection, not kept alive
    assertEquals("connectionClose", Apache4State.current.get().closeReason, "the hop's exchange was found");
    Apache4Exchanges.releaseDone();
    Apache4Exchanges.end(x, null, false, null);
    assertEquals(before, Apache4State.table.size());
    assertEquals(failuresBefore, Counters.failures.get());
  }
}
