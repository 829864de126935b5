package order;

import static org.junit.jupiter.api.Assertions.assertEquals;

import common.Channel;
import common.MarketStatus;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import support.MarketNode;
import support.TestConfig;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * An order caught mid-saga when its node goes down resumes when the node comes back, without a webhook, an operator
 * or any request touching it: the order sweeper wakes orders the ledger shows still waiting.
 */
class OrderResumesAfterCrashTest {

  @Test
  void anUnfinishedOrderResumesOnItsOwnAfterARestart() throws Exception {
    TestDatabase.reset();
    int sandboxPort = TestConfig.freePort();
    Map<String, Object> settings = Map.of("orchestrator.sandbox.port", sandboxPort,
        "orchestrator.marketplaces.polling.enabled", false,
        "orchestrator.orders.sweep-interval", "1s", "orchestrator.orders.sweep-quiet", "1s");
    try (MarketNode market = MarketNode.start(settings)) {
      market.sandbox.close(); // the marketplace cannot answer: the order stays NOTIFIED, fetching its details
      support.Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(market.url("/admin/skus/SKU-R/stock")))
          .header("Content-Type", "application/json")
          .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"onHand\":3}")).build());
      var sharding = akka.cluster.sharding.typed.javadsl.ClusterSharding.get(market.node.system());
      sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY, OrderEntity.orderKey(Channel.SHOPEE, "1001", "SN-RESUME"))
          .<akka.Done>askWithStatus(r -> new OrderEntity.Notify(Channel.SHOPEE, "1001", "SN-RESUME", "READY_TO_SHIP",
              MarketStatus.PAID, "m-resume", java.time.Instant.now(), null, r), java.time.Duration.ofSeconds(10))
          .toCompletableFuture().get();
      Thread.sleep(1500);
      assertEquals(List.of("Notified"), eventTypes());
    }
    // the node is back, and so is the marketplace; nobody asks about the order
    try (MarketNode market = MarketNode.start(settings)) {
      market.sandbox.addShopeeOrder("1001", "SN-RESUME", "READY_TO_SHIP",
          List.of(new Sandbox.ShopeeItem(9, 0, "SKU-R", null, 2, BigDecimal.ONE)));
      long deadline = System.currentTimeMillis() + 30_000;
      while (!eventTypes().contains("OrderConfirmed") && System.currentTimeMillis() < deadline) Thread.sleep(200);
      List<String> types = eventTypes();
      assertEquals(true, types.contains("OrderConfirmed"), String.valueOf(types));
      // one line: its reservation is recorded by the confirmation
      assertEquals(List.of("Notified", "DetailsReceived", "OrderConfirmed"), types.subList(0, 3));
    }
  }

  /** The order's event types straight from the journal (asking the entity would wake it up). */
  private static List<String> eventTypes() throws Exception {
    try (Connection c = TestDatabase.connect();
         PreparedStatement s = c.prepareStatement("SELECT event_ser_manifest FROM event_journal "
             + "WHERE persistence_id = ? ORDER BY sequence_number")) {
      s.setString(1, "Order|shopee|1001|SN-RESUME");
      List<String> types = new java.util.ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          String manifest = rs.getString(1);
          types.add(manifest.substring(manifest.lastIndexOf('$') + 1));
        }
      }
      return types;
    }
  }
}
