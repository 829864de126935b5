package sku;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import sku.PushRules.ChannelRule;
import sku.SkuEntity.*;
import sku.SkuEvents.*;
import sku.SkuState.*;

/** The event-sourced part of the SKU entity, command by command, with serialization round trips on. */
class SkuEntityTest {
  static final Config CONFIG = support.SkuTestConfig.CONFIG;
  static final ActorTestKit kit = ActorTestKit.create(CONFIG);
  static final SkuSettings SETTINGS = SkuSettings.from(CONFIG);

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final String sku = "SKU-" + UUID.randomUUID();
  private EventSourcedBehaviorTestKit<Command, Event, State> entity = testKit(SETTINGS);

  private EventSourcedBehaviorTestKit<Command, Event, State> testKit(SkuSettings settings) {
    return EventSourcedBehaviorTestKit.create(kit.system(), SkuEntity.persistent(sku, settings, null));
  }

  // ------------------------------------------------------------------ helpers

  private ReservationReply reserve(String order, int quantity) {
    return reserve(order, quantity, null);
  }

  private ReservationReply reserve(String order, int quantity, Instant holdUntil) {
    return entity.<ReservationReply>runCommand(r -> new Reserve(order, quantity, holdUntil, r)).reply();
  }

  private ReservationReply release(String order) {
    return entity.<ReservationReply>runCommand(r -> new Release(order, r)).reply();
  }

  private ReservationReply commit(String order) {
    return entity.<ReservationReply>runCommand(r -> new Commit(order, r)).reply();
  }

  private ReservationReply clearHold(String order) {
    return entity.<ReservationReply>runCommand(r -> new ClearHold(order, r)).reply();
  }

  private Summary summary() {
    return entity.<StatusReply<Summary>>runCommand(GetState::new).reply().getValue();
  }

  private StatusReply<StockResult> setStock(int onHand, boolean force) {
    return entity.<StatusReply<StockResult>>runCommand(r -> new SetStock(onHand, force, "alice", r)).reply();
  }

  private StatusReply<StockResult> adjust(int delta, AdjustReason reason, boolean force) {
    return entity.<StatusReply<StockResult>>runCommand(r -> new AdjustStock(delta, reason, force, "bob", r)).reply();
  }

  private ReservationRefused refused(ReservationReply reply, RefusalReason reason) {
    ReservationRefused refused = assertInstanceOf(ReservationRefused.class, reply);
    assertEquals(reason, refused.reason(), refused.message());
    return refused;
  }

  // ------------------------------------------------------------------ existence and reservations

  @Test
  void unknownSkuRefusesEveryReservationAndPersistsNothing() {
    var result = entity.<ReservationReply>runCommand(r -> new Reserve("o1", 1, null, r));
    refused(result.reply(), RefusalReason.UNKNOWN_SKU);
    assertTrue(result.hasNoEvents());
    assertFalse(summary().exists());
    // releasing or committing an unknown order changes nothing either
    assertEquals(new ReleaseAccepted(sku, "o1", 0), release("o1"));
    refused(commit("o1"), RefusalReason.NOT_RESERVED);
    assertEquals(0, summary().eventSeq());
  }

  @Test
  void reservationIsAllOrNothingAgainstAvailable() {
    assertTrue(setStock(5, false).isSuccess());
    assertEquals(new ReserveAccepted(sku, "o1", 3), reserve("o1", 3));
    ReservationRefused refusal = refused(reserve("o2", 3), RefusalReason.INSUFFICIENT_STOCK);
    assertEquals(2, refusal.available());
    assertEquals(new ReserveAccepted(sku, "o3", 2), reserve("o3", 2));
    Summary s = summary();
    assertEquals(5, s.onHand());
    assertEquals(5, s.reserved());
    assertEquals(0, s.available());
    assertEquals(Map.of("o1", new Reservation(3, null), "o3", new Reservation(2, null)), s.reservations());
  }

  @Test
  void invalidQuantitiesAreRefused() {
    setStock(5, false);
    refused(reserve("o1", 0), RefusalReason.INVALID_QUANTITY);
    refused(reserve("o2", -3), RefusalReason.INVALID_QUANTITY);
    refused(reserve(" ", 1), RefusalReason.INVALID_QUANTITY);
    assertEquals(0, summary().reserved());
  }

  @Test
  void reservingAgainWithTheSameOrderKeyGivesTheOriginalAnswer() {
    setStock(10, false);
    assertEquals(new ReserveAccepted(sku, "o1", 4), reserve("o1", 4));
    var again = entity.<ReservationReply>runCommand(r -> new Reserve("o1", 7, null, r));
    assertEquals(new ReserveAccepted(sku, "o1", 4), again.reply());
    assertTrue(again.hasNoEvents());
    assertEquals(4, summary().reserved());
  }

  @Test
  void theEmptyStateIsNeverChangedSoARecoveryAfterARestartCountsEachReservationOnce() {
    // Akka keeps the behavior's empty state as one instance and recovers from it again after a journal failure
    State empty = entity.getState(); // before any event: the behavior's empty state
    assertEquals(0, empty.reservationCount());
    Event stock = new StockSet(10, 0, 0, List.of(), false, "test", Instant.now());
    Event reserved = new ReservationsApplied(List.of(new Change.Reserved("o1", 3, null)), Instant.now());
    State first = SkuStateAccess.apply(SkuStateAccess.apply(empty, stock, 100), reserved, 100);
    assertNotSame(empty, first);
    assertEquals(0, empty.eventSeq(), "the empty state was not touched");
    assertEquals(0, empty.reservationCount());
    // a second recovery from the same empty state (what a restart does) counts the reservation once
    State second = SkuStateAccess.apply(SkuStateAccess.apply(empty, stock, 100), reserved, 100);
    assertEquals(3, second.summary().reserved());
    assertEquals(7, second.available());
    assertEquals(2, second.eventSeq());
  }

  @Test
  void aReleaseOfAnOrderNeverSeenIsRecordedSoItsReservationCannotLandAfterIt() {
    setStock(10, false);
    var released = entity.<ReservationReply>runCommand(r -> new Release("late", r));
    assertEquals(new ReleaseAccepted(sku, "late", 0), released.reply());
    assertEquals(List.of(new Change.Released("late", 0)),
        assertInstanceOf(ReservationsApplied.class, released.event()).changes());
    // the order's Reserve arriving after its release (a retry, or a write that committed late) takes nothing
    refused(reserve("late", 2), RefusalReason.ALREADY_FINISHED);
    assertEquals(0, summary().reserved());
    assertEquals(10, summary().available());
    // and the tombstone survives a restart
    entity.restart();
    refused(reserve("late", 2), RefusalReason.ALREADY_FINISHED);
    var again = entity.<ReservationReply>runCommand(r -> new Release("late", r));
    assertEquals(new ReleaseAccepted(sku, "late", 0), again.reply());
    assertTrue(again.hasNoEvents(), "a second release of it changes nothing");
    // the history says what the record is, not "Released 0"
    HistoryPage history = entity.<StatusReply<HistoryPage>>runCommand(r -> new GetHistory(0, 1, r)).reply().getValue();
    assertEquals("Order late ended with nothing held here (a late reservation is refused)",
        history.events().get(0).description());
  }

  @Test
  void releaseIsIdempotentAndAFinishedOrderCannotReserveAgain() {
    setStock(10, false);
    reserve("o1", 4);
    var released = entity.<ReservationReply>runCommand(r -> new Release("o1", r));
    assertEquals(new ReleaseAccepted(sku, "o1", 4), released.reply());
    assertEquals(List.of(new Change.Released("o1", 4)),
        assertInstanceOf(ReservationsApplied.class, released.event()).changes());
    var twice = entity.<ReservationReply>runCommand(r -> new Release("o1", r));
    assertEquals(new ReleaseAccepted(sku, "o1", 0), twice.reply());
    assertTrue(twice.hasNoEvents());
    refused(reserve("o1", 4), RefusalReason.ALREADY_FINISHED);
    refused(commit("o1"), RefusalReason.ALREADY_FINISHED);
    refused(clearHold("o1"), RefusalReason.ALREADY_FINISHED);
    assertEquals(0, summary().reserved());
    assertEquals(10, summary().available());
  }

  @Test
  void commitTakesStockOutAndIsIdempotent() {
    setStock(10, false);
    reserve("o1", 4);
    reserve("o2", 1);
    assertEquals(new CommitAccepted(sku, "o1", 4), commit("o1"));
    Summary s = summary();
    assertEquals(6, s.onHand());
    assertEquals(1, s.reserved());
    assertEquals(5, s.available());
    var again = entity.<ReservationReply>runCommand(r -> new Commit("o1", r));
    assertEquals(new CommitAccepted(sku, "o1", 4), again.reply());
    assertTrue(again.hasNoEvents());
    refused(release("o1"), RefusalReason.ALREADY_FINISHED);
    refused(reserve("o1", 1), RefusalReason.ALREADY_FINISHED);
    refused(commit("never"), RefusalReason.NOT_RESERVED);
    refused(clearHold("never"), RefusalReason.NOT_RESERVED);
    assertEquals(6, summary().onHand());
  }

  @Test
  void safetyStockLowersAvailableButNeverBelowZero() {
    setStock(10, false);
    reserve("o1", 6);
    var set = entity.<StatusReply<Summary>>runCommand(r -> new SetSafetyStock(3, "carol", r));
    assertEquals(1, set.reply().getValue().available());
    refused(reserve("o2", 2), RefusalReason.INSUFFICIENT_STOCK);
    entity.<StatusReply<Summary>>runCommand(r -> new SetSafetyStock(8, "carol", r));
    assertEquals(0, summary().available());
    assertTrue(entity.<StatusReply<Summary>>runCommand(r -> new SetSafetyStock(-1, "carol", r)).reply().isError());
  }

  // ------------------------------------------------------------------ stock changes by operators

  @Test
  void settingStockBelowReservedIsRefusedUnlessForced() {
    setStock(10, false);
    reserve("o1", 3);
    reserve("o2", 4);
    var refusedResult = entity.<StatusReply<StockResult>>runCommand(r -> new SetStock(5, false, "alice", r));
    assertTrue(refusedResult.reply().isError());
    assertEquals(SkuEntity.CONFLICT, SkuEntity.errorCode(refusedResult.reply().getError().getMessage()));
    assertTrue(refusedResult.reply().getError().getMessage().contains("o2"));
    assertTrue(refusedResult.hasNoEvents());
    assertEquals(10, summary().onHand());

    var forced = entity.<StatusReply<StockResult>>runCommand(r -> new SetStock(5, true, "alice", r));
    StockResult result = forced.reply().getValue();
    assertEquals(2, result.shortfall());
    assertEquals(List.of("o2"), result.shortOrderKeys()); // the newest reservation covers the shortfall
    StockSet event = assertInstanceOf(StockSet.class, forced.event());
    assertEquals(2, event.shortfall());
    assertEquals("alice", event.actor());
    assertTrue(event.forced());
    assertEquals(5, result.summary().onHand());
    assertEquals(0, result.summary().available());
    assertTrue(setStock(-1, true).isError());
  }

  @Test
  void adjustmentsCheckReasonSignsStockAndRecordTheActor() {
    StatusReply<StockResult> unknown = adjust(5, AdjustReason.RECEIVED, false);
    assertEquals(SkuEntity.NOT_FOUND, SkuEntity.errorCode(unknown.getError().getMessage()));
    setStock(5, false);
    assertEquals(SkuEntity.INVALID, SkuEntity.errorCode(adjust(2, AdjustReason.DAMAGED, false).getError().getMessage()));
    assertEquals(SkuEntity.INVALID, SkuEntity.errorCode(adjust(-2, AdjustReason.RECEIVED, false).getError().getMessage()));
    assertEquals(SkuEntity.INVALID, SkuEntity.errorCode(adjust(0, AdjustReason.CORRECTION, false).getError().getMessage()));

    var received = entity.<StatusReply<StockResult>>runCommand(r -> new AdjustStock(7, AdjustReason.RECEIVED, false, "bob", r));
    assertEquals(12, received.reply().getValue().summary().onHand());
    StockAdjusted event = assertInstanceOf(StockAdjusted.class, received.event());
    assertEquals("bob", event.actor());
    assertEquals(AdjustReason.RECEIVED, event.reason());

    reserve("o1", 10);
    StatusReply<StockResult> damaged = adjust(-5, AdjustReason.DAMAGED, false);
    assertEquals(SkuEntity.CONFLICT, SkuEntity.errorCode(damaged.getError().getMessage()));
    StockResult forced = adjust(-5, AdjustReason.DAMAGED, true).getValue();
    assertEquals(3, forced.shortfall());
    assertEquals(List.of("o1"), forced.shortOrderKeys());
    assertEquals(7, forced.summary().onHand());
    // below zero is never allowed, forced or not
    assertEquals(SkuEntity.CONFLICT, SkuEntity.errorCode(adjust(-8, AdjustReason.CORRECTION, true).getError().getMessage()));
    assertEquals(7, summary().onHand());
  }

  // ------------------------------------------------------------------ listings and push rules

  @Test
  void aListingMakesTheSkuExistAndListingsCanBeChangedAndRemoved() {
    var put = entity.<StatusReply<Summary>>runCommand(r -> new PutListing(Listing.shopee("s1", "100", "7"), "dave", r));
    assertTrue(put.reply().getValue().exists());
    refused(reserve("o1", 1), RefusalReason.INSUFFICIENT_STOCK); // exists now, but nothing on hand
    entity.<StatusReply<Summary>>runCommand(r -> new PutListing(Listing.shopee("s1", "100", "8"), "dave", r));
    entity.<StatusReply<Summary>>runCommand(r -> new PutListing(Listing.tiktok("t1", "p1", "k1"), "dave", r));
    Summary s = summary();
    assertEquals(List.of(Listing.shopee("s1", "100", "8"), Listing.tiktok("t1", "p1", "k1")), s.listings());

    StatusReply<Summary> invalid = entity.<StatusReply<Summary>>runCommand(
        r -> new PutListing(Listing.tiktok("t2", "p1", null), "dave", r)).reply();
    assertEquals(SkuEntity.INVALID, SkuEntity.errorCode(invalid.getError().getMessage()));

    var removed = entity.<StatusReply<Summary>>runCommand(r -> new RemoveListing(Channel.SHOPEE, "s1", "dave", r));
    assertEquals(List.of(Listing.tiktok("t1", "p1", "k1")), removed.reply().getValue().listings());
    StatusReply<Summary> missing = entity.<StatusReply<Summary>>runCommand(
        r -> new RemoveListing(Channel.SHOPEE, "s1", "dave", r)).reply();
    assertEquals(SkuEntity.NOT_FOUND, SkuEntity.errorCode(missing.getError().getMessage()));
  }

  @Test
  void pushRulesAreStoredAndShapeTheShownQuantities() {
    setStock(100, false);
    entity.<StatusReply<Summary>>runCommand(r -> new PutListing(Listing.shopee("s1", "1", "0"), "dave", r));
    entity.<StatusReply<Summary>>runCommand(r -> new PutListing(Listing.whatsapp("cat"), "dave", r));
    PushRules rules = new PushRules(Map.of(Channel.SHOPEE, new ChannelRule(null, 50, null, null),
        Channel.WHATSAPP, new ChannelRule(null, null, 10, null)));
    Summary s = entity.<StatusReply<Summary>>runCommand(r -> new SetPushRules(rules, "erin", r)).reply().getValue();
    assertEquals(rules, s.pushRules());
    assertEquals(Map.of("shopee:s1", 50, "whatsapp:cat", 10), s.shown());
    PushRules bad = new PushRules(Map.of(Channel.SHOPEE, new ChannelRule(null, 150, null, null)));
    StatusReply<Summary> invalid = entity.<StatusReply<Summary>>runCommand(r -> new SetPushRules(bad, "erin", r)).reply();
    assertEquals(SkuEntity.INVALID, SkuEntity.errorCode(invalid.getError().getMessage()));
    assertEquals(rules, summary().pushRules());
  }

  // ------------------------------------------------------------------ batches

  @Test
  void aBatchIsDecidedInOrderAndWrittenInOneGo() {
    setStock(5, false);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    TestProbe<Command> front = kit.createTestProbe();
    var result = entity.runCommand(new Batch(List.of(
        new Reserve("a", 3, null, callers.getRef()),
        new Reserve("b", 3, null, callers.getRef()),
        new Reserve("c", 2, null, callers.getRef()),
        new Release("a", callers.getRef()),
        new Reserve("d", 3, null, callers.getRef()),
        new Reserve("c", 2, null, callers.getRef())), 42, front.getRef()));
    assertEquals(new ReserveAccepted(sku, "a", 3), callers.receiveMessage());
    refused(callers.receiveMessage(), RefusalReason.INSUFFICIENT_STOCK);
    assertEquals(new ReserveAccepted(sku, "c", 2), callers.receiveMessage());
    assertEquals(new ReleaseAccepted(sku, "a", 3), callers.receiveMessage());
    assertEquals(new ReserveAccepted(sku, "d", 3), callers.receiveMessage());
    assertEquals(new ReserveAccepted(sku, "c", 2), callers.receiveMessage());
    assertEquals(new BatchDone(42), front.receiveMessage());
    ReservationsApplied written = assertInstanceOf(ReservationsApplied.class, result.event()); // exactly one event
    assertEquals(List.of(new Change.Reserved("a", 3, null), new Change.Reserved("c", 2, null),
        new Change.Released("a", 3), new Change.Reserved("d", 3, null)), written.changes());
    assertEquals(5, result.state().reserved());
    assertEquals(0, result.state().available());
  }

  private List<Command> reserves(String prefix, int n, TestProbe<ReservationReply> callers) {
    List<Command> items = new ArrayList<>();
    for (int i = 0; i < n; i++) items.add(new Reserve(prefix + i, 1, null, callers.getRef()));
    return items;
  }

  @Test
  void nReservationsInOneBatchAreOneJournalEventWithNChanges() {
    setStock(1000, false);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    TestProbe<Command> front = kit.createTestProbe();
    int n = 300;
    var result = entity.runCommand(new Batch(reserves("o", n, callers), 1, front.getRef()));
    callers.receiveSeveralMessages(n).forEach(r -> assertInstanceOf(ReserveAccepted.class, r));
    front.expectMessage(new BatchDone(1));
    ReservationsApplied event = assertInstanceOf(ReservationsApplied.class, result.event());
    assertEquals(n, event.changes().size());
    assertEquals(new Change.Reserved("o0", 1, null), event.changes().get(0));
    assertEquals(new Change.Reserved("o" + (n - 1), 1, null), event.changes().get(n - 1));
    // in the journal itself: the StockSet and one row for the whole batch
    List<Object> stored = entity.persistenceTestKit().persistedInStorage(SkuEntity.persistenceId(sku).id());
    assertEquals(2, stored.size(), "journal rows: " + stored.size());
    assertEquals(event, stored.get(1));
    assertEquals(2, result.state().eventSeq());
    assertEquals(1 + n, result.state().historySize());
    assertEquals(n, result.state().reserved());
  }

  @Test
  void recoveryFromBatchEventsRebuildsTheSameState() {
    setStock(50, false);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    TestProbe<Command> front = kit.createTestProbe();
    Instant hold = Instant.now().plusSeconds(3600);
    List<Command> first = reserves("a", 10, callers);
    first.add(new Reserve("held", 5, hold, callers.getRef()));
    first.add(new Reserve("paid", 2, hold, callers.getRef()));
    entity.runCommand(new Batch(first, 1, front.getRef()));
    List<Command> second = new ArrayList<>(List.of(
        new Release("a0", callers.getRef()),
        new Commit("a1", callers.getRef()),
        new Commit("a2", callers.getRef()),
        new ClearHold("paid", callers.getRef()),
        new ReturnToStock("a2", 1, "ops", callers.getRef()),
        new Reserve("a0", 1, null, callers.getRef()))); // refused: already finished, no change
    second.addAll(reserves("b", 5, callers));
    var result = entity.runCommand(new Batch(second, 2, front.getRef()));
    callers.receiveSeveralMessages(12 + 11);
    assertEquals(10, assertInstanceOf(ReservationsApplied.class, result.event()).changes().size());
    State before = entity.getState();
    assertEquals(3, before.eventSeq());
    assertEquals(1 + 12 + 10, before.historySize());

    entity.restart();
    State after = entity.getState();
    assertEquals(before, after); // reservations, finished keys, stock, seq, history size
    assertEquals(3, after.replayedOnRecovery());
    Summary s = summary();
    assertEquals(50 - 2 + 1, s.onHand());
    assertEquals(10 - 3 + 5 + 2 + 5, s.reserved());
    assertEquals(new Reservation(5, hold), s.reservations().get("held"));
    assertEquals(new Reservation(2, null), s.reservations().get("paid"));
    refused(reserve("a0", 1), RefusalReason.ALREADY_FINISHED);
    assertEquals(new ReturnToStockAccepted(sku, "a2", 1),
        entity.<ReservationReply>runCommand(r -> new ReturnToStock("a2", 1, "ops", r)).reply());
  }

  @Test
  void eventsWrittenOnePerChangeStillRecover() {
    Instant at = Instant.parse("2024-01-01T00:00:00Z");
    Instant hold = Instant.now().plusSeconds(3600);
    entity.initialize(new StockSet(10, 0, 0, List.of(), false, "alice", at),
        new StockReserved("o1", 3, null, at), new StockReserved("o2", 2, hold, at),
        new ReservationHoldCleared("o2", at), new ReservationCommitted("o1", 3, at),
        new StockReturned("o1", 1, "ops", at), new StockReserved("o3", 1, null, at),
        new ReservationReleased("o3", 1, at));
    Summary s = summary();
    assertEquals(10 - 3 + 1, s.onHand());
    assertEquals(Map.of("o2", new Reservation(2, null)), s.reservations());
    assertEquals(8, s.eventSeq());
    refused(reserve("o3", 1), RefusalReason.ALREADY_FINISHED);
    HistoryPage page = entity.<StatusReply<HistoryPage>>runCommand(r -> new GetHistory(0, 1, r)).reply().getValue();
    assertEquals("ReservationReleased", page.events().get(0).type());
  }

  @Test
  void aBatchEventOf500ChangesIsSmallAndRoundTripsThroughCbor() {
    List<Change> changes = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      changes.add(switch (i % 6) {
        case 0 -> new Change.Reserved("shopee:123456789:2401" + i, 1 + i % 3, null);
        case 1 -> new Change.Reserved("tiktok:77:5790" + i, 2, Instant.parse("2024-05-05T10:15:30Z"));
        case 2 -> new Change.Released("shopee:123456789:2401" + i, 1);
        case 3 -> new Change.Committed("shopee:123456789:2401" + i, 3);
        case 4 -> new Change.HoldCleared("tiktok:77:5790" + i);
        default -> new Change.Expired("tiktok:77:5790" + i, 2, Instant.parse("2024-05-05T10:15:30Z"));
      });
    }
    changes.set(5, new Change.Returned("shopee:1:2", 1, "ops-jane"));
    ReservationsApplied event = new ReservationsApplied(changes, Instant.now());
    var serialization = akka.serialization.SerializationExtension.get(kit.system());
    byte[] bytes = serialization.serialize(event).get();
    Object back = serialization.deserialize(bytes, serialization.findSerializerFor(event).identifier(),
        akka.serialization.Serializers.manifestFor(serialization.findSerializerFor(event), event)).get();
    assertEquals(event, back);
    // about 50 bytes per change with order keys of 20-odd characters: one journal row of ~25 KB for 500 changes
    assertTrue(bytes.length < 500 * 64, "500 changes took " + bytes.length + " bytes");
  }

  @Test
  void historyShowsOneLinePerChangeNewestFirst() {
    setStock(10, false);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    TestProbe<Command> front = kit.createTestProbe();
    entity.runCommand(new Batch(reserves("o", 3, callers), 1, front.getRef()));
    entity.runCommand(new Batch(List.of(new Release("o0", callers.getRef()), new Commit("o1", callers.getRef())),
        2, front.getRef()));
    HistoryPage all = entity.<StatusReply<HistoryPage>>runCommand(r -> new GetHistory(0, 10, r)).reply().getValue();
    assertEquals(6, all.total());
    assertEquals(List.of("ReservationCommitted", "ReservationReleased", "StockReserved", "StockReserved",
        "StockReserved", "StockSet"), all.events().stream().map(HistoryEntry::type).toList());
    assertEquals(List.of(3L, 3L, 2L, 2L, 2L, 1L), all.events().stream().map(HistoryEntry::seq).toList());
    assertTrue(all.events().get(2).description().contains("order o2"), all.events().get(2).description());
    // a page boundary inside a batch event
    HistoryPage middle = entity.<StatusReply<HistoryPage>>runCommand(r -> new GetHistory(1, 3, r)).reply().getValue();
    assertEquals(List.of("Released 1 of order o0", "Reserved 1 for order o2", "Reserved 1 for order o1"),
        middle.events().stream().map(HistoryEntry::description).toList());
    HistoryPage last = entity.<StatusReply<HistoryPage>>runCommand(r -> new GetHistory(5, 10, r)).reply().getValue();
    assertEquals(List.of("StockSet"), last.events().stream().map(HistoryEntry::type).toList());
  }

  // ------------------------------------------------------------------ finished keys, recovery, history

  @Test
  void onlyTheMostRecentFinishedKeysAreRemembered() {
    SkuSettings small = new SkuSettings(SETTINGS.maxBatchSize(), SETTINGS.maxBuffered(), SETTINGS.snapshotEvery(),
        SETTINGS.keepSnapshots(), 3, SETTINGS.finishedKeysFor(), SETTINGS.batchTimeout(), SETTINGS.restartBackoffMin(),
        SETTINGS.restartBackoffMax(), SETTINGS.readJournal(), SETTINGS.linger(), SETTINGS.passivateIdleAfter());
    entity = testKit(small);
    setStock(100, false);
    for (int i = 1; i <= 5; i++) {
      reserve("o" + i, 1);
      release("o" + i);
    }
    assertEquals(3, entity.getState().finishedCount());
    refused(reserve("o5", 1), RefusalReason.ALREADY_FINISHED);
    refused(reserve("o3", 1), RefusalReason.ALREADY_FINISHED);
    assertEquals(new ReserveAccepted(sku, "o1", 1), reserve("o1", 1)); // forgotten: the oldest two
    // the bound survives a restart (it is part of the persisted state)
    entity.restart();
    refused(reserve("o4", 1), RefusalReason.ALREADY_FINISHED);
  }

  @Test
  void recoveryRebuildsTheSameState() {
    setStock(20, false);
    reserve("o1", 2);
    reserve("o2", 3, Instant.now().plusSeconds(3600));
    commit("o1");
    release("o2");
    entity.<StatusReply<Summary>>runCommand(r -> new PutListing(Listing.whatsapp("cat"), "dave", r));
    Summary before = summary();
    entity.restart();
    Summary after = summary();
    assertEquals(before.onHand(), after.onHand());
    assertEquals(before.reservations(), after.reservations());
    assertEquals(before.listings(), after.listings());
    assertEquals(before.eventSeq(), after.eventSeq());
    assertEquals(before.eventSeq(), after.replayedOnRecovery()); // no snapshot yet: everything replayed
    refused(reserve("o2", 1), RefusalReason.ALREADY_FINISHED);
  }

  @Test
  void recoveryStartsFromTheLatestSnapshot() {
    SkuSettings snapshotEvery10 = new SkuSettings(SETTINGS.maxBatchSize(), SETTINGS.maxBuffered(), 10, 2,
        SETTINGS.finishedKeysKept(), SETTINGS.finishedKeysFor(), SETTINGS.batchTimeout(), SETTINGS.restartBackoffMin(),
        SETTINGS.restartBackoffMax(), SETTINGS.readJournal(), SETTINGS.linger(), SETTINGS.passivateIdleAfter());
    entity = testKit(snapshotEvery10);
    setStock(100, false);
    for (int i = 0; i < 12; i++) reserve("o" + i, 1); // 13 events: a snapshot at 10
    entity.restart();
    Summary s = summary();
    assertEquals(13, s.eventSeq());
    assertEquals(3, s.replayedOnRecovery());
    assertEquals(12, s.reserved());
    assertEquals(12, s.reservations().size());
  }

  @Test
  void aSnapshotWaitsForAsManyChangesAsTheStateHolds() {
    Instant at = Instant.parse("2026-11-27T12:00:00Z");
    State s = SkuStateAccess.apply(new State("S"), new StockSet(1_000_000, 0, 0, List.of(), false, "test", at), 100);
    List<Change> thousand = new ArrayList<>();
    for (int i = 0; i < 1000; i++) thousand.add(new Change.Reserved("k" + i, 1, null));
    s = SkuStateAccess.apply(s, new ReservationsApplied(thousand, at), 100);
    assertTrue(s.snapshotDue(2), "2 events, 1,001 changes >= 1,000 reservations held");
    s.snapshotTaken();
    int releases = 0;
    while (!s.snapshotDue(100) && releases < 1000) {
      s = SkuStateAccess.apply(s, new ReservationsApplied(List.of(new Change.Released("k" + releases, 1)), at), 100);
      releases++;
    }
    // due once the changes since the snapshot (500 releases) reach the reservations a snapshot would hold (500)
    assertEquals(500, releases);
    assertEquals(500, s.reservationCount());
    s.snapshotTaken();
    s = SkuStateAccess.apply(s, new ReservationsApplied(List.of(new Change.Reserved("later", 1, null)), at), 100);
    assertFalse(s.snapshotDue(2), "one event since the snapshot: fewer than the minimum of 2");
    // 5,000 reservations held and one change per event: due at the latest after SNAPSHOT_MAX_FACTOR x the minimum
    List<Change> fiveThousand = new ArrayList<>();
    for (int i = 0; i < 5000; i++) fiveThousand.add(new Change.Reserved("m" + i, 1, null));
    s = SkuStateAccess.apply(s, new ReservationsApplied(fiveThousand, at), 100);
    s.snapshotTaken();
    int events = 0;
    while (!s.snapshotDue(100) && events < 10_000) {
      s = SkuStateAccess.apply(s, new SafetyStockSet(events % 3, "test", at), 100);
      events++;
    }
    assertEquals(SkuEntity.SNAPSHOT_MAX_FACTOR * 100, events);
  }

  @Test
  void getStockAnswersTheNumbersAndWhatListingsShowWithoutTheReservations() {
    var unknown = entity.<StatusReply<Stock>>runCommand(GetStock::new);
    assertFalse(unknown.reply().getValue().exists());
    assertTrue(unknown.events().isEmpty());
    setStock(10, false);
    entity.<StatusReply<Summary>>runCommand(r -> new PutListing(Listing.shopee("s1", "100", "7"), "dave", r));
    reserve("o1", 3);
    var result = entity.<StatusReply<Stock>>runCommand(GetStock::new);
    assertTrue(result.events().isEmpty(), "a read persists nothing");
    Stock stock = result.reply().getValue();
    Summary summary = summary();
    assertEquals(new Stock(summary.sku(), true, 10, 3, 0, 7, summary.listings(), summary.shown(),
        summary.lastUpdated(), summary.eventSeq()), stock);
    assertEquals(Map.of(Listing.shopee("s1", "100", "7").key(), 7), stock.shown());
  }

  @Test
  void historyIsNewestFirstAndPaged() {
    setStock(5, false);
    reserve("o1", 2);
    adjust(3, AdjustReason.RECEIVED, false);
    release("o1");
    HistoryPage page = entity.<StatusReply<HistoryPage>>runCommand(r -> new GetHistory(0, 2, r)).reply().getValue();
    assertEquals(4, page.total());
    assertEquals(List.of(4L, 3L), page.events().stream().map(HistoryEntry::seq).toList());
    assertEquals("ReservationReleased", page.events().get(0).type());
    assertEquals("bob", page.events().get(1).actor());
    assertTrue(page.events().get(1).description().contains("RECEIVED"), page.events().get(1).description());
    HistoryPage older = entity.<StatusReply<HistoryPage>>runCommand(r -> new GetHistory(2, 10, r)).reply().getValue();
    assertEquals(List.of(2L, 1L), older.events().stream().map(HistoryEntry::seq).toList());
    assertEquals("alice", older.events().get(1).actor());
    HistoryPage beyond = entity.<StatusReply<HistoryPage>>runCommand(r -> new GetHistory(10, 10, r)).reply().getValue();
    assertTrue(beyond.events().isEmpty());
    assertTrue(entity.<StatusReply<HistoryPage>>runCommand(r -> new GetHistory(0, 0, r)).reply().isError());
  }

  // ------------------------------------------------------------------ hold expiry

  @Test
  void anExpiredHoldIsReleasedByTheEntity() throws Exception {
    setStock(5, false);
    reserve("unpaid", 2, Instant.now().plusMillis(300));
    reserve("paid", 2, Instant.now().plusMillis(300));
    assertEquals(new ClearHoldAccepted(sku, "paid"), clearHold("paid"));
    reserve("no-hold", 1);
    Summary s = awaitReserved(3);
    assertEquals(Map.of("paid", new Reservation(2, null), "no-hold", new Reservation(1, null)), s.reservations());
    refused(reserve("unpaid", 1), RefusalReason.ALREADY_FINISHED);
    HistoryPage page = entity.<StatusReply<HistoryPage>>runCommand(r -> new GetHistory(0, 1, r)).reply().getValue();
    assertEquals("ReservationExpired", page.events().get(0).type());
  }

  @Test
  void holdTimersAreReArmedOnRecovery() throws Exception {
    setStock(5, false);
    reserve("unpaid", 2, Instant.now().plusMillis(800));
    entity.restart();
    assertEquals(2, summary().reserved());
    Summary s = awaitReserved(0);
    assertTrue(s.reservations().isEmpty());
  }

  private Summary awaitReserved(int reserved) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Summary s = summary();
    while (s.reserved() != reserved && System.nanoTime() < deadline) {
      Thread.sleep(50);
      s = summary();
    }
    assertEquals(reserved, s.reserved(), "reserved after hold expiry: " + s);
    return s;
  }
}
