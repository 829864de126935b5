package order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.sharding.ShardRegion;
import akka.cluster.sharding.typed.GetShardRegionState;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import app.Node;
import common.Channel;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import support.OrderDriver;
import support.OrderDriver.PlannedLine;
import support.OrderDriver.PlannedOrder;
import support.TestConfig;
import support.TestDatabase;

/**
 * Memory bounded by configuration, not by the sale: with an active-entity limit of 40 order entities and every idle
 * timeout far away, 400 orders leave at most about 40 in memory (the least recently used are passivated), and every
 * one of them still answers with its whole state from the journal.
 */
class OrderPassivationTest {
  private static final int LIMIT = 40;
  private static final int ORDERS = 400;

  @Test
  void theActiveEntityLimitBoundsTheOrdersInMemoryAndPassivatedOrdersComeBackWhole() throws Exception {
    TestDatabase.reset();
    var config = TestConfig.postgres(Map.of(
        "akka.cluster.sharding.passivation.orchestrator-bounded.active-entity-limit", LIMIT,
        "akka.cluster.sharding.passivation.orchestrator-bounded.idle-entity.timeout", "1h",
        "orchestrator.orders.passivate-idle-after", "1h",
        // The limit is divided over a region's active shards: 10 shards of 4, not 100 shards of 0.4.
        "akka.cluster.sharding.number-of-shards", 10,
        // An order passivated while it waits for a SKU's answer is woken by the sweeper.
        "orchestrator.orders.sweep-interval", "2s",
        "orchestrator.orders.sweep-quiet", "2s"));
    List<PlannedOrder> orders = new ArrayList<>();
    for (int i = 0; i < ORDERS; i++) {
      orders.add(new PlannedOrder(Channel.SHOPEE, "shop-1", "PASS-" + i, "Buyer " + i, new BigDecimal("15000"),
          List.of(new PlannedLine("pass-sku-" + (i % 5), 1, new BigDecimal("15000"), null))));
    }
    List<String> keys = orders.stream().map(PlannedOrder::key).toList();
    try (Node node = Node.start(config)) {
      OrderDriver driver = new OrderDriver(node.system());
      for (int i = 0; i < 5; i++) driver.setStock("pass-sku-" + i, 60);
      driver.notifyAll(orders, 16);
      driver.awaitPhases(keys, Set.of("CONFIRMED", "OUT_OF_STOCK"), Duration.ofSeconds(120));
      int inMemory = settledInMemory(node);

      // Every order answers from the journal, passivated or not: 300 confirmed (5 SKUs x 60), 100 out of stock.
      Map<String, OrderView> views = driver.views(keys);
      long confirmed = views.values().stream().filter(v -> v.phase().equals("CONFIRMED")).count();
      int afterReading = settledInMemory(node);
      System.out.printf("Passivation: limit %d order entities; %d orders; %d in memory after the burst, %d after "
          + "reading all of them again; %d confirmed%n", LIMIT, ORDERS, inMemory, afterReading, confirmed);

      // The limit is divided over the region's active shards, rounded: allow a little over it, far below 400.
      assertTrue(inMemory <= LIMIT + 10, inMemory + " order entities in memory with a limit of " + LIMIT);
      assertTrue(afterReading <= LIMIT + 10, afterReading + " in memory after reading all " + ORDERS);
      assertEquals(ORDERS, views.size());
      assertEquals(300, confirmed, "5 SKUs of 60 units, one unit per order: " + confirmed);
      views.values().stream().filter(v -> v.phase().equals("CONFIRMED"))
          .forEach(v -> assertEquals(1, v.reserved().values().stream().mapToInt(Integer::intValue).sum(),
              "a passivated order comes back with its reservation: " + v));
    }
  }

  /**
   * Order entities in memory once passivation has caught up: an order waiting for a peer's answer (here: the
   * marketplace cancel of an out-of-stock order, for a shop that does not exist) stops at the latest after
   * sharding's stop-timeout (10 s).
   */
  private static int settledInMemory(Node node) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    int n = ordersInMemory(node);
    while (n > LIMIT + 10 && System.nanoTime() < deadline) {
      Thread.sleep(500);
      n = ordersInMemory(node);
    }
    return n;
  }

  private static int ordersInMemory(Node node) throws Exception {
    ShardRegion.CurrentShardRegionState state = AskPattern.<akka.cluster.sharding.typed.ClusterShardingQuery,
            ShardRegion.CurrentShardRegionState>ask(ClusterSharding.get(node.system()).shardState(),
            replyTo -> new GetShardRegionState(OrderEntity.ENTITY_TYPE_KEY, replyTo), Duration.ofSeconds(10),
            node.system().scheduler())
        .toCompletableFuture().get();
    int entities = 0;
    for (ShardRegion.ShardState shard : state.getShards()) entities += shard.getEntityIds().size();
    return entities;
  }
}
