package marketplace.stock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import marketplace.stock.StockPushQueue.Call;
import marketplace.stock.StockPushQueue.Drain;
import marketplace.stock.StockPushQueue.Failure;
import marketplace.stock.StockPushQueue.Finished;
import marketplace.stock.StockPushQueue.Nothing;
import marketplace.stock.StockPushQueue.Outcome;
import marketplace.stock.StockPushQueue.Sent;
import marketplace.stock.StockPushQueue.Space;
import org.junit.jupiter.api.Test;

/** The shop adapter's stock decisions, on a clock the test moves: no actor, network or database. */
class StockPushQueueTest {
  private static final Duration INTERVAL = Duration.ofMillis(50);
  private static final PushSettings SETTINGS =
      new PushSettings(INTERVAL, Duration.ofMillis(500), Duration.ofSeconds(2));
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final StockPushQueue queue = new StockPushQueue(SETTINGS, 2);
  private long now = 1_000_000_000L;

  /** A value for listing {@code key} of SKU "S" in group {@code group}, its target the key. */
  private StockPushQueue.Step push(String key, String group, int value, long seq, Instant since) {
    assertTrue(queue.see(key, "S", seq, false, group, key), "seq " + seq + " is new for " + key);
    return queue.offer(key, value, seq, since, now);
  }

  private static Failure retry(String reason) {
    return Failure.retry(reason);
  }

  private Call next() {
    assertTrue(queue.canStart(), "a ready group may start");
    return queue.nextCall(now).orElseThrow();
  }

  private static List<Integer> values(Call call) {
    return call.sent().stream().map(Sent::value).toList();
  }

  @Test
  void anIdleGroupsFirstValueLeavesAtOnceWithItsGroupsOtherValues() {
    assertSame(Drain.INSTANCE, push("a", "item:1", 5, 1, T0));
    Call call = next();
    assertEquals("item:1", call.group());
    assertEquals(List.of(new Sent("a", "a", 5, 1, T0)), call.sent());
    assertFalse(queue.canStart(), "nothing else is ready");

    queue.finished(call, Map.of(), null);
    now += INTERVAL.toNanos();
    assertSame(Drain.INSTANCE, push("b", "item:1", 7, 2, null));
    assertSame(Drain.INSTANCE, push("c", "item:2", 8, 3, null), "another group is not held by item:1");
    assertEquals("item:1", next().group(), "groups start in the order they became ready");
    assertEquals("item:2", next().group());
  }

  @Test
  void underTheRateLimitASoldOutListingLeavesFirstThenAFallingOneThenTheOldest() {
    StockPushQueue one = new StockPushQueue(SETTINGS, 1);
    for (String key : List.of("rise", "fall", "zero")) {
      assertTrue(one.see(key, "S", 1, false, "g-" + key, key));
      one.offer(key, 10, 1, null, now);
    }
    for (int i = 0; i < 3; i++) one.finished(one.nextCall(now).orElseThrow(), Map.of(), null);
    now += INTERVAL.toNanos();
    // all three groups ready again; the oldest is "rise"
    int[] values = {12, 4, 0};
    String[] keys = {"rise", "fall", "zero"};
    for (int i = 0; i < 3; i++) {
      assertTrue(one.see(keys[i], "S", 2, false, "g-" + keys[i], keys[i]));
      one.offer(keys[i], values[i], 2, null, now);
    }
    List<String> order = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Call call = one.nextCall(now).orElseThrow();
      order.add(call.group());
      one.finished(call, Map.of(), null);
    }
    assertEquals(List.of("g-zero", "g-fall", "g-rise"), order);
  }

  @Test
  void whatArrivesDuringACallReplacesTheWaitingValueAndKeepsTheOldestLiveWrite() {
    push("a", "item:1", 5, 1, T0);
    Call first = next();
    assertSame(Nothing.INSTANCE, push("a", "item:1", 6, 2, T0.plusMillis(10)), "one call per group in flight");
    assertSame(Nothing.INSTANCE, push("a", "item:1", 7, 3, T0.plusMillis(20)));
    assertFalse(queue.canStart());

    Finished done = queue.finished(first, Map.of(), null);
    assertEquals(List.of(new Outcome("a", "S", 5, 1, T0, 1, null)), done.outcomes());
    assertNull(done.retryIn());
    now += INTERVAL.toNanos();
    assertSame(Drain.INSTANCE, queue.afterCall("item:1", now));
    Call second = next();
    assertEquals(List.of(new Sent("a", "a", 7, 3, T0.plusMillis(10))), second.sent(),
        "only the latest value, since the oldest write it covers");
  }

  @Test
  void aValueNotNewerThanTheOneSeenIsDroppedUnlessForced() {
    assertTrue(queue.see("a", "S", 5, false, "item:1", "a"));
    assertFalse(queue.see("a", "S", 4, false, "item:1", "a"), "older");
    assertFalse(queue.see("a", "S", 5, false, "item:1", "a"), "the same");
    assertTrue(queue.see("a", "S", 5, true, "item:1", "a"), "the same, forced (reconciliation, push now)");
    assertFalse(queue.see("a", "S", 4, true, "item:1", "a"), "force never lets an older value through");
  }

  @Test
  void aGroupsCallsStartAtLeastTheMinimumIntervalApart() {
    push("a", "item:1", 1, 1, null);
    queue.finished(next(), Map.of(), null);
    now += Duration.ofMillis(20).toNanos();
    var step = push("a", "item:1", 2, 2, null);
    assertEquals(new Space("item:1", Duration.ofMillis(30)), step, "the rest of the interval");
    assertFalse(queue.canStart());
    assertSame(Nothing.INSTANCE, push("a", "item:1", 3, 3, null), "one spacing timer per group");
    now += Duration.ofMillis(30).toNanos();
    assertSame(Drain.INSTANCE, queue.spacingPassed("item:1", now));
    assertEquals(List.of(3), values(next()));
  }

  @Test
  void failuresBackOffPerGroupDoublingUpToTheMaximumAndSuccessResetsIt() {
    push("a", "item:1", 1, 1, null);
    List<Duration> delays = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Finished failed = queue.finished(next(), Map.of(), retry("http_503: unavailable"));
      assertEquals("http_503: unavailable", failed.outcomes().get(0).error());
      assertEquals(i + 1, failed.outcomes().get(0).attempts());
      delays.add(failed.retryIn());
      assertFalse(queue.canStart(), "backing off");
      assertSame(Nothing.INSTANCE, push("b", "item:1", 9, 10 + i, null), "a new value waits for the back-off too");
      now += failed.retryIn().toNanos();
      assertSame(Drain.INSTANCE, queue.retryPassed("item:1", now));
    }
    assertEquals(List.of(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(2)),
        delays);
    Finished ok = queue.finished(next(), Map.of(), null);
    assertNull(ok.retryIn());
    assertEquals(5, ok.outcomes().get(0).attempts(), "the acknowledged value took five calls");
    now += INTERVAL.toNanos();
    push("a", "item:1", 2, 20, null);
    Finished again = queue.finished(next(), Map.of(), retry("timeout"));
    assertEquals(Duration.ofMillis(500), again.retryIn(), "back-off starts over after a success");
    assertEquals(1, again.outcomes().get(0).attempts(), "attempts start over after an acknowledgement");
  }

  @Test
  void onlyTheListingsTheMarketplaceRefusedAreRetried() {
    push("a", "item:1", 1, 1, T0);
    push("b", "item:1", 2, 2, T0);
    Call call = next();
    assertEquals(List.of(1, 2), values(call));
    Finished done = queue.finished(call, Map.of("b", retry("failure_list: stock locked")), null);
    assertTrue(done.outcomes().get(0).acknowledged());
    assertEquals("failure_list: stock locked", done.outcomes().get(1).error());
    assertEquals(Duration.ofMillis(500), done.retryIn());
    now += done.retryIn().toNanos();
    queue.retryPassed("item:1", now);
    assertEquals(List.of(new Sent("b", "b", 2, 2, T0)), next().sent());
  }

  @Test
  void aNewerValueReplacesAFailedOneAndInheritsItsOldestWrite() {
    push("a", "item:1", 1, 1, T0);
    Call call = next();
    push("a", "item:1", 2, 2, T0.plusMillis(5));
    Finished done = queue.finished(call, Map.of(), retry("http_500"));
    now += done.retryIn().toNanos();
    queue.retryPassed("item:1", now);
    assertEquals(List.of(new Sent("a", "a", 2, 2, T0)), next().sent());
  }

  @Test
  void callsInFlightAreCappedAndTheRestWaitReady() {
    push("a", "item:1", 1, 1, null);
    push("b", "item:2", 1, 1, null);
    push("c", "item:3", 1, 1, null);
    Call first = next();
    next();
    assertFalse(queue.canStart(), "two calls in flight is the cap");
    push("c", "item:3", 4, 2, null);
    queue.finished(first, Map.of(), null);
    Call third = next();
    assertEquals("item:3", third.group());
    assertEquals(List.of(4), values(third), "the value waiting was still replaceable");
  }

  @Test
  void oneRateLimitTimerAtATime() {
    assertTrue(queue.needsSlotTimer());
    assertFalse(queue.needsSlotTimer());
    queue.slotFree();
    assertTrue(queue.needsSlotTimer());
  }

  @Test
  void aListingMovedToAnotherGroupLeavesWithThatGroup() {
    push("a", "item:1", 1, 1, null);
    assertTrue(queue.see("a", "S", 2, false, "item:2", "a"));
    assertSame(Drain.INSTANCE, queue.offer("a", 2, 2, null, now));
    assertTrue(queue.canStart());
    assertTrue(queue.nextCall(now).isEmpty(), "item:1 became ready first, but its only listing moved");
    Call call = next();
    assertEquals("item:2", call.group());
    assertEquals(List.of(new Sent("a", "a", 2, 2, null)), call.sent());
  }

  @Test
  void busyOrNewerTellsReconciliationToLeaveAListingAlone() {
    assertFalse(queue.busyOrNewer("a", 1), "never seen");
    push("a", "item:1", 1, 3, null);
    assertTrue(queue.busyOrNewer("a", 3), "waiting");
    Call call = next();
    assertTrue(queue.busyOrNewer("a", 3), "in flight");
    queue.finished(call, Map.of(), null);
    assertFalse(queue.busyOrNewer("a", 3), "acknowledged, as expected");
    assertTrue(queue.busyOrNewer("a", 2), "a newer value than expected was seen");
  }

  // ------------------------------------------------------------------ handling by error class

  private static Failure block(String reason) {
    return new Failure(reason, StockPushQueue.Handling.BLOCK, "PERMANENT_LISTING");
  }

  private static Failure pause() {
    return new Failure("error_limit: daily cap", StockPushQueue.Handling.PAUSE, "PAUSE_UNTIL_RESET");
  }

  /** Moves the clock past every back-off and spacing a group could be waiting for. */
  private void waitRetryIntervals(String group, int intervals) {
    for (int i = 0; i < intervals; i++) {
      now += SETTINGS.retryMax().toNanos();
      queue.retryPassed(group, now);
      queue.spacingPassed(group, now);
      queue.afterCall(group, now);
      assertFalse(queue.canStart(), "nothing to send after " + (i + 1) + " retry intervals");
    }
  }

  @Test
  void aBlockedListingIsNotSentAgainUntilANewerValueAListingChangeOrAForcedPush() {
    push("a", "item:1", 1, 1, T0);
    Finished done = queue.finished(next(), Map.of("a", block("error_cannt_edit_stock_in_promotion")), null);
    Outcome o = done.outcomes().get(0);
    assertEquals(StockPushQueue.Left.BLOCKED, o.left());
    assertEquals("PERMANENT_LISTING", o.failureClass());
    assertEquals("error_cannt_edit_stock_in_promotion", o.error());
    assertNull(done.retryIn(), "nothing to retry, no back-off");
    assertSame(Nothing.INSTANCE, queue.afterCall("item:1", now));
    waitRetryIntervals("item:1", 5);
    assertTrue(queue.blocked("a"));
    assertFalse(queue.see("a", "S", 1, false, "item:1", "a"), "the same value again (catch-up) stays dropped");

    now += INTERVAL.toNanos();
    assertSame(Drain.INSTANCE, push("a", "item:1", 2, 2, null), "a newer value is a change: sent once");
    assertFalse(queue.blocked("a"));
    queue.finished(next(), Map.of("a", block("still locked")), null);
    waitRetryIntervals("item:1", 3);

    assertTrue(queue.see("a", "S", 2, true, "item:1", "a"), "push now");
    assertSame(Drain.INSTANCE, queue.offer("a", 2, 2, null, now));
    assertEquals(List.of(2), values(next()));
  }

  @Test
  void aBlockedListingWhoseIdsChangedIsSentAgainAtTheSameSequenceNumber() {
    push("a", "item:1", 1, 1, null);
    queue.finished(next(), Map.of("a", block("error_item_not_found")), null);
    assertFalse(queue.see("a", "S", 1, false, "item:1", "a"));
    assertTrue(queue.see("a", "S", 1, false, "item:2", "a"), "the listing now names another item");
    now += INTERVAL.toNanos();
    assertSame(Drain.INSTANCE, queue.offer("a", 1, 1, null, now));
    assertEquals("item:2", next().group());
  }

  @Test
  void aBlockedListingDoesNotHoldBackItsGroupsOtherListings() {
    push("a", "item:1", 1, 1, null);
    push("b", "item:1", 2, 2, null);
    Finished done = queue.finished(next(), Map.of("a", block("locked")), null);
    assertNull(done.retryIn());
    assertTrue(done.outcomes().get(1).acknowledged());
    now += INTERVAL.toNanos();
    assertSame(Drain.INSTANCE, push("b", "item:1", 3, 3, null), "no back-off for the group");
    assertEquals(List.of(new Sent("b", "b", 3, 3, null)), next().sent(), "only b: a stays blocked");
  }

  @Test
  void transientFailuresStopAfterMaxRetriesAndTheNextChangeStartsAfresh() {
    StockPushQueue bounded = new StockPushQueue(new PushSettings(INTERVAL, Duration.ofMillis(500),
        Duration.ofSeconds(2), 3), 2);
    assertTrue(bounded.see("a", "S", 1, false, "item:1", "a"));
    bounded.offer("a", 7, 1, null, now);
    int calls = 0;
    Finished last = null;
    while (bounded.canStart()) {
      last = bounded.finished(bounded.nextCall(now).orElseThrow(), Map.of(), retry("http_503"));
      calls++;
      if (last.retryIn() != null) {
        assertEquals(StockPushQueue.Left.RETRYING, last.outcomes().get(0).left());
        now += last.retryIn().toNanos();
        bounded.retryPassed("item:1", now);
      }
      assertTrue(calls < 10, "bounded");
    }
    assertEquals(4, calls, "the first call and max-retries (3) retries");
    assertEquals(StockPushQueue.Left.FAILED, last.outcomes().get(0).left(), "marked failed");
    assertEquals(4, last.outcomes().get(0).attempts());
    assertNull(last.retryIn());
    now += SETTINGS.retryMax().toNanos();
    bounded.afterCall("item:1", now);
    assertFalse(bounded.canStart(), "given up: not sent again by itself");

    assertTrue(bounded.see("a", "S", 2, false, "item:1", "a"));
    assertSame(Drain.INSTANCE, bounded.offer("a", 8, 2, null, now), "the next change goes out");
    Finished again = bounded.finished(bounded.nextCall(now).orElseThrow(), Map.of(), retry("http_503"));
    assertEquals(1, again.outcomes().get(0).attempts(), "with a fresh count");
    assertEquals(StockPushQueue.Left.RETRYING, again.outcomes().get(0).left());
  }

  @Test
  void aPausedShopSendsNothingUntilResumedThenTheLatestValues() {
    push("a", "item:1", 1, 1, T0);
    push("b", "item:2", 5, 1, null);
    Call first = next();
    Call second = next();
    Finished paused = queue.finished(first, Map.of(), pause());
    assertTrue(paused.paused());
    assertNull(paused.retryIn(), "no back-off storm: the pause has its own end");
    assertEquals(StockPushQueue.Left.PAUSED, paused.outcomes().get(0).left());
    assertEquals("PAUSE_UNTIL_RESET", paused.outcomes().get(0).failureClass());
    assertTrue(queue.paused());
    assertTrue(queue.finished(second, Map.of(), null).outcomes().get(0).acknowledged(),
        "a call already in flight still ends normally");

    now += SETTINGS.retryMax().toNanos();
    assertSame(Nothing.INSTANCE, push("a", "item:1", 3, 2, null), "a newer value waits");
    assertSame(Nothing.INSTANCE, push("b", "item:2", 6, 2, null), "so does every other group of the shop");
    assertSame(Nothing.INSTANCE, queue.afterCall("item:1", now));
    assertSame(Nothing.INSTANCE, queue.retryPassed("item:1", now));
    assertFalse(queue.canStart(), "paused: no calls at all");

    List<StockPushQueue.Step> steps = queue.resume(now);
    assertTrue(steps.contains(Drain.INSTANCE), steps.toString());
    assertFalse(queue.paused());
    Call a = next();
    Call b = next();
    assertEquals(List.of(new Sent("a", "a", 3, 2, T0)), a.sent(), "the latest value, since the first write");
    assertEquals(List.of(6), values(b));
    Finished ok = queue.finished(a, Map.of(), null);
    assertEquals(1, ok.outcomes().get(0).attempts(), "the paused call is not counted as an attempt");
  }
}
