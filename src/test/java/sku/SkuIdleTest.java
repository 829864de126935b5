package sku;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.pattern.StatusReply;
import akka.persistence.testkit.ProcessingSuccess$;
import akka.persistence.testkit.WriteEvents;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sku.SkuEntity.Command;
import sku.SkuEntity.ReservationReply;
import sku.SkuEntity.Reserve;
import sku.SkuEntity.ReserveAccepted;
import sku.SkuEntity.SetStock;
import sku.SkuEntity.Stop;
import sku.SkuEntity.StockResult;

/**
 * The SKU front asks its shard to passivate it once idle for {@code passivate-idle-after}, never while a hold
 * expiry is pending (its timer runs only in memory), and stops on sharding's stop message only once no caller waits.
 */
class SkuIdleTest {
  static final ActorTestKit kit = ActorTestKit.create(SkuEntityTest.CONFIG);
  static final PersistenceTestKit journal = PersistenceTestKit.create(kit.system());
  static final SkuSettings SETTINGS = SkuSettings.from(SkuEntityTest.CONFIG);
  private static final Duration IDLE = Duration.ofMillis(600);

  private final String sku = "SKU-" + UUID.randomUUID();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @AfterEach
  void defaultJournal() {
    journal.resetPolicy();
  }

  private static SkuSettings idleAfter(Duration idle) {
    SkuSettings s = SETTINGS;
    return new SkuSettings(s.maxBatchSize(), s.maxBuffered(), s.snapshotEvery(), s.keepSnapshots(),
        s.finishedKeysKept(), s.finishedKeysFor(), s.batchTimeout(), s.restartBackoffMin(), s.restartBackoffMax(),
        s.readJournal(), s.linger(), idle);
  }

  private void setStock(ActorRef<Command> entity, int onHand) {
    TestProbe<StatusReply<StockResult>> probe = kit.createTestProbe();
    entity.tell(new SetStock(onHand, false, "test", probe.getRef()));
    assertTrue(probe.receiveMessage(Duration.ofSeconds(10)).isSuccess());
  }

  @Test
  void anIdleSkuAsksToLeaveMemoryAndOneWithAHoldPendingWaitsForItsExpiry() {
    TestProbe<ClusterSharding.ShardCommand> shard = kit.createTestProbe();
    ActorRef<Command> entity = kit.spawn(SkuEntity.create(sku, idleAfter(IDLE), shard.getRef()));
    setStock(entity, 10);
    TestProbe<ReservationReply> callers = kit.createTestProbe();
    entity.tell(new Reserve("held", 1, Instant.now().plusSeconds(3), callers.getRef()));
    assertInstanceOf(ReserveAccepted.class, callers.receiveMessage());
    // Idle well past IDLE, but its hold's timer must run: it stays.
    shard.expectNoMessage(Duration.ofMillis(2000));
    // The hold expires (about 3 s after it was made): then, idle again, it asks to go, naming itself.
    var passivate = assertInstanceOf(ClusterSharding.Passivate.class,
        shard.receiveMessage(Duration.ofSeconds(5)));
    assertEquals(entity, passivate.entity());
    shard.expectNoMessage(Duration.ofMillis(IDLE.toMillis() * 2 / 3)); // once per idle period, not every check (IDLE / 4)

    // A SKU that keeps being asked does not go.
    TestProbe<ClusterSharding.ShardCommand> busyShard = kit.createTestProbe();
    ActorRef<Command> busy = kit.spawn(SkuEntity.create(sku + "-busy", idleAfter(IDLE), busyShard.getRef()));
    setStock(busy, 10);
    long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (System.nanoTime() < until) {
      setStock(busy, 10);
      busyShard.expectNoMessage(Duration.ofMillis(150));
    }
  }

  @Test
  void theStopMessageWaitsForTheWriteInFlightSoItsCallerIsAnswered() throws Exception {
    ActorRef<Command> entity = kit.spawn(SkuEntity.create(sku, idleAfter(Duration.ZERO), null));
    setStock(entity, 10);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch writing = new CountDownLatch(1);
    journal.withPolicy((persistenceId, operation) -> {
      if (operation instanceof WriteEvents && persistenceId.equals(SkuEntity.persistenceId(sku).id())) {
        writing.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return ProcessingSuccess$.MODULE$;
    });
    TestProbe<ReservationReply> caller = kit.createTestProbe();
    TestProbe<Object> watcher = kit.createTestProbe();
    entity.tell(new Reserve("o1", 2, null, caller.getRef()));
    assertTrue(writing.await(10, TimeUnit.SECONDS), "the reservation is being written");
    entity.tell(new Stop());
    Thread.sleep(500);
    release.countDown();
    // Had it stopped at once, its PostStop would have refused the caller ("the SKU entity stopped").
    assertEquals(new ReserveAccepted(sku, "o1", 2), caller.receiveMessage(Duration.ofSeconds(10)));
    watcher.expectTerminated(entity, Duration.ofSeconds(10));
  }
}
