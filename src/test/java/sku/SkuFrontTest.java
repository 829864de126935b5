package sku;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import akka.persistence.testkit.ProcessingSuccess$;
import akka.persistence.testkit.WriteEvents;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sku.SkuEntity.*;
import sku.SkuEvents.*;
import sku.SkuSettings.Linger;

/** The batching front with the persistent part behind it, on the in-memory test journal. */
class SkuFrontTest {
  static final ActorTestKit kit = ActorTestKit.create(SkuEntityTest.CONFIG);
  static final PersistenceTestKit journal = PersistenceTestKit.create(kit.system());
  static final SkuSettings SETTINGS = SkuSettings.from(SkuEntityTest.CONFIG);

  private final String sku = "SKU-" + UUID.randomUUID();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @AfterEach
  void defaultJournal() {
    journal.resetPolicy();
  }

  private static SkuSettings withMaxBuffered(int maxBuffered) {
    return new SkuSettings(SETTINGS.maxBatchSize(), maxBuffered, SETTINGS.snapshotEvery(), SETTINGS.keepSnapshots(),
        SETTINGS.finishedKeysKept(), SETTINGS.finishedKeysFor(), SETTINGS.batchTimeout(), Duration.ofMillis(50), Duration.ofMillis(200),
        SETTINGS.readJournal(), SETTINGS.linger(), SETTINGS.passivateIdleAfter());
  }

  private void setStock(ActorRef<Command> entity, int onHand) {
    TestProbe<StatusReply<StockResult>> probe = kit.createTestProbe();
    entity.tell(new SetStock(onHand, false, "test", probe.getRef()));
    assertTrue(probe.receiveMessage(Duration.ofSeconds(10)).isSuccess());
  }

  private Summary state(ActorRef<Command> entity) {
    TestProbe<StatusReply<Summary>> probe = kit.createTestProbe();
    entity.tell(new GetState(probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(10)).getValue();
  }

  /** The payload of a journal write as the test journal sees it (tagged events come wrapped). */
  private static Object payload(Object written) {
    return written instanceof akka.persistence.journal.Tagged t ? t.payload() : written;
  }

  @Test
  void reservationsArrivingDuringAWriteShareOneJournalWriteOfOneEvent() {
    ActorRef<Command> entity = kit.spawn(SkuEntity.create(sku, SETTINGS));
    setStock(entity, 1000);
    AtomicInteger writes = new AtomicInteger();
    AtomicInteger events = new AtomicInteger();
    AtomicInteger changes = new AtomicInteger();
    AtomicInteger largest = new AtomicInteger();
    journal.withPolicy((persistenceId, operation) -> {
      if (operation instanceof WriteEvents w && persistenceId.equals(SkuEntity.persistenceId(sku).id())) {
        writes.incrementAndGet();
        for (Object written : w.getBatch()) {
          events.incrementAndGet();
          if (payload(written) instanceof ReservationsApplied applied) {
            changes.addAndGet(applied.changes().size());
            largest.accumulateAndGet(applied.changes().size(), Math::max);
          }
        }
      }
      return ProcessingSuccess$.MODULE$;
    });
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    for (int i = 0; i < 200; i++) entity.tell(new Reserve("o" + i, 1, null, callers.getRef()));
    List<ReservationReply> replies = callers.receiveSeveralMessages(200, Duration.ofSeconds(20));
    replies.forEach(r -> assertInstanceOf(ReserveAccepted.class, r));
    assertEquals(200, state(entity).reserved());
    assertTrue(writes.get() < 200 / 4, "200 reservations took " + writes.get() + " journal writes");
    assertEquals(writes.get(), events.get(), "every write is one event");
    assertEquals(200, changes.get());
    assertTrue(largest.get() > 1, "largest batch event " + largest.get());
  }

  /**
   * Records the number of changes in each journal write of this test's SKU. A latch set in {@code hold} holds the
   * next write until it is counted down, so commands sent meanwhile are certain to be waiting in the front.
   */
  private List<Integer> recordWrites(AtomicReference<CountDownLatch> hold) {
    List<Integer> writes = Collections.synchronizedList(new ArrayList<>());
    journal.withPolicy((persistenceId, operation) -> {
      if (operation instanceof WriteEvents w && persistenceId.equals(SkuEntity.persistenceId(sku).id())) {
        CountDownLatch latch = hold.getAndSet(null);
        if (latch != null) {
          try {
            latch.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        int changes = 0;
        for (Object written : w.getBatch()) {
          if (payload(written) instanceof ReservationsApplied applied) changes += applied.changes().size();
        }
        writes.add(changes);
      }
      return ProcessingSuccess$.MODULE$;
    });
    return writes;
  }

  /** Tells the reservations while the first of them is being written: the first goes alone, the rest together. */
  private static void reserveWhileTheFirstIsWritten(ActorRef<Command> entity, AtomicReference<CountDownLatch> hold,
                                                    TestProbe<ReservationReply> callers, String prefix, int count) {
    CountDownLatch latch = new CountDownLatch(1);
    hold.set(latch);
    for (int i = 0; i < count; i++) entity.tell(new Reserve(prefix + i, 1, null, callers.getRef()));
    latch.countDown();
    callers.receiveSeveralMessages(count, Duration.ofSeconds(5)).forEach(r -> assertInstanceOf(ReserveAccepted.class, r));
  }

  // A linger far longer than any step of these tests: a command it delays shows as a multi-second wait.
  private static final Linger LONG_LINGER = new Linger(Duration.ofSeconds(8), 4);

  /**
   * Callers answered by a write come back just after it: with the linger on they all go in ONE next write, and the
   * front sends it as soon as they are all there instead of waiting out the linger.
   */
  @Test
  void withTheLingerOnCallersAnsweredByAWriteJoinTheNextBatch() {
    ActorRef<Command> entity = kit.spawn(SkuEntity.create(sku, SETTINGS.withLinger(LONG_LINGER)));
    setStock(entity, 1000);
    AtomicReference<CountDownLatch> hold = new AtomicReference<>();
    List<Integer> writes = recordWrites(hold);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    reserveWhileTheFirstIsWritten(entity, hold, callers, "a", 10);
    assertEquals(List.of(1, 9), writes); // a write of 9 >= min batch 4: the front now lingers, expecting 9
    // the 9 callers come back at once (the front heard of the write before they heard their answers)
    for (int i = 0; i < 9; i++) entity.tell(new Reserve("b" + i, 1, null, callers.getRef()));
    callers.receiveSeveralMessages(9, Duration.ofSeconds(4)).forEach(r -> assertInstanceOf(ReserveAccepted.class, r));
    assertEquals(List.of(1, 9, 9), writes);
    assertEquals(19, state(entity).reserved());
  }

  /** The same sequence without the linger: the first caller back goes alone and the group splits. */
  @Test
  void withTheLingerOffTheFirstCommandAfterAWriteGoesAlone() {
    ActorRef<Command> entity = kit.spawn(SkuEntity.create(sku, SETTINGS.withLinger(Linger.OFF)));
    setStock(entity, 1000);
    AtomicReference<CountDownLatch> hold = new AtomicReference<>();
    List<Integer> writes = recordWrites(hold);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    reserveWhileTheFirstIsWritten(entity, hold, callers, "a", 10);
    reserveWhileTheFirstIsWritten(entity, hold, callers, "b", 9);
    assertEquals(List.of(1, 9, 1, 8), writes);
  }

  /** The linger never delays a SKU that is idle or lightly used (its last write below min batch). */
  @Test
  void anIdleSkusReservationIsNotDelayedByTheLinger() {
    ActorRef<Command> entity = kit.spawn(SkuEntity.create(sku, SETTINGS.withLinger(LONG_LINGER)));
    setStock(entity, 1000);
    AtomicReference<CountDownLatch> hold = new AtomicReference<>();
    List<Integer> writes = recordWrites(hold);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    for (int i = 0; i < 3; i++) {
      entity.tell(new Reserve("o" + i, 1, null, callers.getRef()));
      assertInstanceOf(ReserveAccepted.class, callers.receiveMessage(Duration.ofSeconds(3)));
    }
    reserveWhileTheFirstIsWritten(entity, hold, callers, "p", 3); // writes of 1 and 2: below min batch 4
    entity.tell(new Reserve("q", 1, null, callers.getRef()));
    assertInstanceOf(ReserveAccepted.class, callers.receiveMessage(Duration.ofSeconds(3)));
    assertEquals(List.of(1, 1, 1, 1, 2, 1), writes);
  }

  /** A linger that is not cut short by the callers coming back ends after its max and sends what came. */
  @Test
  void aLingerEndsAfterItsMaxWithTheCommandsThatCame() {
    ActorRef<Command> entity = kit.spawn(SkuEntity.create(sku,
        SETTINGS.withLinger(new Linger(Duration.ofMillis(300), 4))));
    setStock(entity, 1000);
    AtomicReference<CountDownLatch> hold = new AtomicReference<>();
    List<Integer> writes = recordWrites(hold);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    reserveWhileTheFirstIsWritten(entity, hold, callers, "a", 10);
    for (int i = 0; i < 2; i++) entity.tell(new Reserve("b" + i, 1, null, callers.getRef())); // 2 of 9 expected
    callers.receiveSeveralMessages(2, Duration.ofSeconds(5)).forEach(r -> assertInstanceOf(ReserveAccepted.class, r));
    assertEquals(List.of(1, 9, 2), writes);
  }

  /**
   * Callers that do not come back (independent orders): after lingers ran to their max three times in a row, the
   * next large write is followed by no linger; a linger that ends early (callers back) brings lingering back.
   */
  @Test
  void lingersThatRunToTheirMaxInARowAreSkippedForAWhile() {
    ActorRef<Command> entity = kit.spawn(SkuEntity.create(sku,
        SETTINGS.withLinger(new Linger(Duration.ofMillis(500), 4))));
    setStock(entity, 1000);
    AtomicReference<CountDownLatch> hold = new AtomicReference<>();
    List<Integer> writes = recordWrites(hold);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    List<Integer> expected = new ArrayList<>();
    for (int round = 0; round < SkuFront.LINGER_TIMEOUTS_BEFORE_BACKOFF; round++) {
      reserveWhileTheFirstIsWritten(entity, hold, callers, "a" + round + "-", 10);
      // 2 of the 9 expected: both wait for the whole linger and go together
      for (int i = 0; i < 2; i++) entity.tell(new Reserve("b" + round + "-" + i, 1, null, callers.getRef()));
      callers.receiveSeveralMessages(2, Duration.ofSeconds(5));
      expected.addAll(List.of(1, 9, 2));
      assertEquals(expected, writes);
    }
    // the next large write: no linger, so the first command after it goes alone
    reserveWhileTheFirstIsWritten(entity, hold, callers, "c", 10);
    reserveWhileTheFirstIsWritten(entity, hold, callers, "d", 2);
    expected.addAll(List.of(1, 9, 1, 1));
    assertEquals(expected, writes);
    // the skip is used up: the front lingers again, and the callers coming back end it early and reset the count
    reserveWhileTheFirstIsWritten(entity, hold, callers, "e", 10);
    for (int i = 0; i < 9; i++) entity.tell(new Reserve("f" + i, 1, null, callers.getRef()));
    callers.receiveSeveralMessages(9, Duration.ofSeconds(5));
    expected.addAll(List.of(1, 9, 9));
    assertEquals(expected, writes);
  }

  /** An admin command or read does not wait for a linger: it ends it, after the reservations already waiting. */
  @Test
  void anAdminCommandEndsTheLingerAtOnce() {
    ActorRef<Command> entity = kit.spawn(SkuEntity.create(sku, SETTINGS.withLinger(LONG_LINGER)));
    setStock(entity, 1000);
    AtomicReference<CountDownLatch> hold = new AtomicReference<>();
    List<Integer> writes = recordWrites(hold);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    reserveWhileTheFirstIsWritten(entity, hold, callers, "a", 10);
    entity.tell(new Reserve("b0", 1, null, callers.getRef())); // 1 of 9 expected: the front keeps lingering
    TestProbe<StatusReply<Summary>> reads = kit.createTestProbe();
    entity.tell(new GetState(reads.getRef()));
    assertEquals(11, reads.receiveMessage(Duration.ofSeconds(4)).getValue().reserved()); // not after 8 s
    assertInstanceOf(ReserveAccepted.class, callers.receiveMessage(Duration.ofSeconds(1)));
    assertEquals(List.of(1, 9, 1), writes);
  }

  @Test
  void pastTheBufferBoundCallersAreToldOverloadedAndNothingIsDropped() {
    ActorRef<Command> entity = kit.spawn(SkuEntity.create(sku, withMaxBuffered(10)));
    setStock(entity, 10_000);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    int sent = 500;
    for (int i = 0; i < sent; i++) entity.tell(new Reserve("o" + i, 1, null, callers.getRef()));
    List<ReservationReply> replies = callers.receiveSeveralMessages(sent, Duration.ofSeconds(20));
    callers.expectNoMessage(Duration.ofMillis(200));
    long reserved = replies.stream().filter(r -> r instanceof ReserveAccepted).count();
    long overloaded = replies.stream()
        .filter(r -> r instanceof ReservationRefused f && f.reason() == RefusalReason.OVERLOADED).count();
    assertEquals(sent, reserved + overloaded);
    assertTrue(overloaded > 0, "some were refused at once");
    assertEquals(reserved, state(entity).reserved());
  }

  @Test
  void aFailedWriteAnswersNoSuccessAndTheEntityRecovers() {
    ActorRef<Command> entity = kit.spawn(SkuEntity.create(sku, withMaxBuffered(100)));
    setStock(entity, 5);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    journal.failNextPersisted(SkuEntity.persistenceId(sku).id());
    entity.tell(new Reserve("o1", 2, null, callers.getRef()));
    ReservationRefused refused = assertInstanceOf(ReservationRefused.class, callers.receiveMessage(Duration.ofSeconds(10)));
    assertEquals(RefusalReason.OVERLOADED, refused.reason());
    assertTrue(refused.message().contains("journal write failed"), refused.message());
    // retrying with the same order key after the restart reserves exactly once
    entity.tell(new Reserve("o1", 2, null, callers.getRef()));
    assertEquals(new ReserveAccepted(sku, "o1", 2), callers.receiveMessage(Duration.ofSeconds(10)));
    entity.tell(new Reserve("o1", 2, null, callers.getRef()));
    assertEquals(new ReserveAccepted(sku, "o1", 2), callers.receiveMessage(Duration.ofSeconds(10)));
    assertEquals(2, state(entity).reserved());
  }

  @Test
  void adminCommandsAndReadsKeepTheirPlaceBetweenReservations() {
    ActorRef<Command> entity = kit.spawn(SkuEntity.create(sku, SETTINGS));
    setStock(entity, 3);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    TestProbe<StatusReply<StockResult>> admin = kit.createTestProbe();
    TestProbe<StatusReply<Summary>> reads = kit.createTestProbe();
    List<Command> commands = new ArrayList<>();
    for (int i = 0; i < 3; i++) commands.add(new Reserve("a" + i, 1, null, callers.getRef()));
    commands.add(new GetState(reads.getRef()));
    commands.add(new AdjustStock(3, AdjustReason.RECEIVED, false, "test", admin.getRef()));
    for (int i = 0; i < 4; i++) commands.add(new Reserve("b" + i, 1, null, callers.getRef()));
    commands.forEach(entity::tell);
    List<ReservationReply> replies = callers.receiveSeveralMessages(7, Duration.ofSeconds(10));
    assertEquals(3, reads.receiveMessage().getValue().reserved()); // read after the first three, before the rest
    assertEquals(6, admin.receiveMessage().getValue().summary().onHand());
    assertEquals(6, replies.stream().filter(r -> r instanceof ReserveAccepted).count());
    ReservationRefused last = assertInstanceOf(ReservationRefused.class, replies.get(6));
    assertEquals("b3", last.orderKey());
  }
}
