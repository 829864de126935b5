package actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import actors.SkuEntity.*;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import akka.persistence.testkit.ProcessingSuccess$;
import akka.persistence.testkit.WriteEvents;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The batching front with the persistent part behind it, on the in-memory test journal. */
class SkuFrontTest {
  static final ActorTestKit kit = ActorTestKit.create(SkuEntityTest.CONFIG);
  static final PersistenceTestKit journal = PersistenceTestKit.create(kit.system());
  static final Settings SETTINGS = Settings.from(SkuEntityTest.CONFIG);

  private final String sku = "SKU-" + UUID.randomUUID();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @AfterEach
  void defaultJournal() {
    journal.resetPolicy();
  }

  private static Settings withMaxBuffered(int maxBuffered) {
    return new Settings(SETTINGS.maxBatchSize(), maxBuffered, SETTINGS.snapshotEvery(), SETTINGS.keepSnapshots(),
        SETTINGS.finishedKeysKept(), SETTINGS.batchTimeout(), Duration.ofMillis(50), Duration.ofMillis(200),
        SETTINGS.readJournal());
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
    replies.forEach(r -> assertInstanceOf(Reserved.class, r));
    assertEquals(200, state(entity).reserved());
    assertTrue(writes.get() < 200 / 4, "200 reservations took " + writes.get() + " journal writes");
    assertEquals(writes.get(), events.get(), "every write is one event");
    assertEquals(200, changes.get());
    assertTrue(largest.get() > 1, "largest batch event " + largest.get());
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
    long reserved = replies.stream().filter(r -> r instanceof Reserved).count();
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
    assertEquals(new Reserved(sku, "o1", 2), callers.receiveMessage(Duration.ofSeconds(10)));
    entity.tell(new Reserve("o1", 2, null, callers.getRef()));
    assertEquals(new Reserved(sku, "o1", 2), callers.receiveMessage(Duration.ofSeconds(10)));
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
    assertEquals(6, replies.stream().filter(r -> r instanceof Reserved).count());
    ReservationRefused last = assertInstanceOf(ReservationRefused.class, replies.get(6));
    assertEquals("b3", last.orderKey());
  }
}
