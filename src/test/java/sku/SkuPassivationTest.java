package sku;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.sharding.ShardRegion;
import akka.cluster.sharding.typed.GetShardRegionState;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import app.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import support.TestConfig;
import support.TestDatabase;

/**
 * A catalogue's memory is the SKUs selling now: on a node with its real sharding and PostgreSQL journal, SKUs idle
 * for {@code passivate-idle-after} leave memory (remembered entities are never passivated by Akka itself), a SKU
 * whose hold expiry is pending stays until it has expired its hold, and a SKU that left comes back whole.
 */
class SkuPassivationTest {
  private static final Duration ASK = Duration.ofSeconds(15);

  @Test
  void idleSkusLeaveMemoryHeldOnesStayForTheirExpiryAndEveryOneComesBackWhole() throws Exception {
    TestDatabase.reset();
    var config = TestConfig.postgres(Map.of("orchestrator.sku.passivate-idle-after", "2s"));
    try (Node node = Node.start(config)) {
      ClusterSharding sharding = ClusterSharding.get(node.system());
      for (String sku : Set.of("idle-a", "idle-b", "held-long", "held-short")) setStock(sharding, sku, 10);
      Instant shortHold = Instant.now().plusSeconds(8);
      reserve(sharding, "idle-a", "open-order", 3, null); // open, no expiry: nothing needs its timer
      reserve(sharding, "held-long", "unpaid-1", 2, Instant.now().plusSeconds(3600));
      reserve(sharding, "held-short", "unpaid-2", 4, shortHold);
      assertEquals(Set.of("held-long", "held-short", "idle-a", "idle-b"), skusInMemory(node));

      Set<String> afterIdle = awaitInMemory(node, Set.of("held-long", "held-short"), Duration.ofSeconds(20));
      assertTrue(Instant.now().isBefore(shortHold), "the idle SKUs left before the short hold expired");
      assertEquals(Set.of("held-long", "held-short"), afterIdle);

      // held-short expires its hold at shortHold, then is idle and leaves too.
      assertEquals(Set.of("held-long"), awaitInMemory(node, Set.of("held-long"), Duration.ofSeconds(30)));
      assertTrue(Instant.now().isAfter(shortHold));

      // Back from the journal with everything: the open reservation, the expired hold's units free again.
      SkuEntity.Stock a = stock(sharding, "idle-a");
      assertEquals(10, a.onHand());
      assertEquals(3, a.reserved());
      SkuEntity.Stock shortOne = stock(sharding, "held-short");
      assertEquals(0, shortOne.reserved(), "its hold expired while it was in memory for it");
      assertEquals(10, shortOne.available());
      assertEquals(2, stock(sharding, "held-long").reserved());
      assertTrue(skusInMemory(node).containsAll(Set.of("idle-a", "held-short")), "asked again, they are back");
      // And a second Reserve of the same order key still gets the original answer (the book came back whole).
      assertInstanceOf(SkuEntity.ReserveAccepted.class, reserve(sharding, "idle-a", "open-order", 3, null));
      assertEquals(3, stock(sharding, "idle-a").reserved());
    }
  }

  private static void setStock(ClusterSharding sharding, String sku, int onHand) throws Exception {
    sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku)
        .<SkuEntity.StockResult>askWithStatus(r -> new SkuEntity.SetStock(onHand, false, "test", r), ASK)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static SkuEntity.ReservationReply reserve(ClusterSharding sharding, String sku, String orderKey, int quantity,
                                                    Instant holdUntil) throws Exception {
    return sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku)
        .<SkuEntity.ReservationReply>ask(r -> new SkuEntity.Reserve(orderKey, quantity, holdUntil, r), ASK)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static SkuEntity.Stock stock(ClusterSharding sharding, String sku) throws Exception {
    return sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku)
        .<SkuEntity.Stock>askWithStatus(SkuEntity.GetStock::new, ASK).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static Set<String> awaitInMemory(Node node, Set<String> expected, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    Set<String> now = skusInMemory(node);
    while (!now.equals(expected) && System.nanoTime() < deadline) {
      Thread.sleep(250);
      now = skusInMemory(node);
    }
    return now;
  }

  private static Set<String> skusInMemory(Node node) throws Exception {
    ShardRegion.CurrentShardRegionState state = AskPattern.<akka.cluster.sharding.typed.ClusterShardingQuery,
            ShardRegion.CurrentShardRegionState>ask(ClusterSharding.get(node.system()).shardState(),
            replyTo -> new GetShardRegionState(SkuEntity.ENTITY_TYPE_KEY, replyTo), ASK, node.system().scheduler())
        .toCompletableFuture().get();
    Set<String> ids = new TreeSet<>();
    for (ShardRegion.ShardState shard : state.getShards()) ids.addAll(shard.getEntityIds());
    return ids;
  }
}
