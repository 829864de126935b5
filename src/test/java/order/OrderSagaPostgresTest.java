package order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import app.Node;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import sku.SkuEntity;
import support.TestConfig;
import support.TestDatabase;

/**
 * 2,000 concurrent orders over 100 SKUs with limited stock, on the real PostgreSQL journal with real SKU entities:
 * every order ends CONFIRMED or OUT_OF_STOCK, stock adds up exactly, and still does after a restart.
 */
class OrderSagaPostgresTest {
  private static final Duration ASK = Duration.ofSeconds(20);
  private static final int ORDERS = 2000;
  private static final int SCARCE = 50; // sku-00..49: few units, one unit per order line
  private static final int SKUS = 100;  // sku-50..99: plenty of stock, on multi-line orders

  record PlannedOrder(Channel channel, String orderId, Map<String, Integer> lines) {
    String key() {
      return OrderEntity.orderKey(channel, "shop-a", orderId);
    }
  }

  @Test
  void burstOfOrdersEndsFinalWithExactStockAndSurvivesARestart() throws Exception {
    TestDatabase.reset();
    var config = TestConfig.postgres(Map.of("orchestrator.orders.cancel-out-of-stock", false));
    Random random = new Random(42);
    Map<String, Integer> stock = new HashMap<>();
    for (int i = 0; i < SKUS; i++) stock.put(sku(i), i < SCARCE ? 5 + random.nextInt(10) : 100_000);
    List<PlannedOrder> orders = new ArrayList<>();
    for (int i = 0; i < ORDERS; i++) {
      Map<String, Integer> lines = new HashMap<>();
      lines.put(sku(random.nextInt(SCARCE)), 1);
      int extra = random.nextInt(3);
      for (int j = 0; j < extra; j++) lines.merge(sku(SCARCE + random.nextInt(SKUS - SCARCE)), 1 + random.nextInt(3), Integer::sum);
      orders.add(new PlannedOrder(i % 2 == 0 ? Channel.WHATSAPP : Channel.SHOPEE, "O-" + i, lines));
    }

    try (Node node = Node.start(config)) {
      ClusterSharding sharding = ClusterSharding.get(node.system());
      for (Map.Entry<String, Integer> e : stock.entrySet()) {
        sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, e.getKey())
            .<SkuEntity.StockResult>askWithStatus(r -> new SkuEntity.SetStock(e.getValue(), false, "test", r), ASK)
            .toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      ExecutorService clients = Executors.newFixedThreadPool(32);
      List<CompletableFuture<Done>> acks = new ArrayList<>();
      for (PlannedOrder o : orders) {
        acks.add(CompletableFuture.supplyAsync(() -> notify(node.system(), o), clients)
            .thenCompose(f -> f));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      clients.shutdown();

      Map<String, String> phases = awaitAllFinal(node.system(), orders);
      checkInvariants(node.system(), orders, stock, phases);
    }

    try (Node node = Node.start(config)) {
      Map<String, String> phases = awaitAllFinal(node.system(), orders);
      checkInvariants(node.system(), orders, stock, phases);
    }
  }

  private static CompletableFuture<Done> notify(ActorSystem<?> system, PlannedOrder o) {
    List<OrderDetails.Line> lines = o.lines().entrySet().stream()
        .map(e -> new OrderDetails.Line(e.getKey(), e.getValue(), BigDecimal.ONE, e.getKey(), null)).toList();
    Instant now = Instant.now();
    OrderDetails details = new OrderDetails(o.channel(), "shop-a", o.orderId(), "READY_TO_SHIP", MarketStatus.PAID,
        "buyer", "628123", "addr", "IDR", BigDecimal.TEN, lines, now, now);
    return ClusterSharding.get(system).entityRefFor(OrderEntity.ENTITY_TYPE_KEY, o.key())
        .<Done>askWithStatus(r -> new OrderEntity.Notify(o.channel(), "shop-a", o.orderId(), "READY_TO_SHIP",
            MarketStatus.PAID, "msg-" + o.orderId(), now, details, r), ASK)
        .toCompletableFuture();
  }

  private static Map<String, String> awaitAllFinal(ActorSystem<?> system, List<PlannedOrder> orders)
      throws Exception {
    ClusterSharding sharding = ClusterSharding.get(system);
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    Map<String, String> phases = new HashMap<>();
    while (System.nanoTime() < deadline) {
      List<CompletableFuture<OrderView>> views = new ArrayList<>();
      for (PlannedOrder o : orders) {
        views.add(sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY, o.key())
            .<OrderView>askWithStatus(OrderEntity.Get::new, ASK).toCompletableFuture());
      }
      CompletableFuture.allOf(views.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      phases.clear();
      boolean allFinal = true;
      for (int i = 0; i < orders.size(); i++) {
        OrderView view = views.get(i).get();
        phases.put(orders.get(i).key(), view.phase());
        boolean compensated = "OUT_OF_STOCK".equals(view.phase()) && view.reserved().isEmpty();
        if (!"CONFIRMED".equals(view.phase()) && !compensated) allFinal = false;
      }
      if (allFinal) return phases;
      Thread.sleep(500);
    }
    throw new AssertionError("orders not final after 120 s: " + phases.values().stream()
        .filter(p -> !p.equals("CONFIRMED") && !p.equals("OUT_OF_STOCK")).count() + " pending");
  }

  private static void checkInvariants(ActorSystem<?> system, List<PlannedOrder> orders, Map<String, Integer> stock,
                                      Map<String, String> phases) throws Exception {
    ClusterSharding sharding = ClusterSharding.get(system);
    Map<String, Integer> demand = new HashMap<>();
    Map<String, Integer> confirmedQuantity = new HashMap<>();
    Map<String, List<String>> confirmedOrdersBySku = new HashMap<>();
    int confirmed = 0;
    for (PlannedOrder o : orders) {
      boolean ok = "CONFIRMED".equals(phases.get(o.key()));
      if (ok) confirmed++;
      for (Map.Entry<String, Integer> line : o.lines().entrySet()) {
        demand.merge(line.getKey(), line.getValue(), Integer::sum);
        if (ok) {
          confirmedQuantity.merge(line.getKey(), line.getValue(), Integer::sum);
          confirmedOrdersBySku.computeIfAbsent(line.getKey(), k -> new ArrayList<>()).add(o.key());
        }
      }
    }
    int expectedConfirmed = 0;
    for (int i = 0; i < SKUS; i++) {
      String sku = sku(i);
      SkuEntity.Summary summary = sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku)
          .<SkuEntity.Summary>askWithStatus(SkuEntity.GetState::new, ASK).toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      int confirmedHere = confirmedQuantity.getOrDefault(sku, 0);
      assertEquals(stock.get(sku), summary.onHand(), sku + ": nothing shipped, on hand unchanged");
      assertEquals(confirmedHere, summary.reserved(), sku + ": reserved = the lines of its confirmed orders");
      assertTrue(summary.reserved() <= summary.onHand(), sku + ": never oversold");
      assertEquals(new java.util.TreeSet<>(confirmedOrdersBySku.getOrDefault(sku, List.of())),
          new java.util.TreeSet<>(summary.reservations().keySet()),
          sku + ": every reservation belongs to a confirmed order, and every confirmed order holds one");
      if (i < SCARCE) {
        int allowed = Math.min(demand.getOrDefault(sku, 0), stock.get(sku));
        assertEquals(allowed, confirmedHere, sku + ": confirmed = min(demand, stock)");
        expectedConfirmed += allowed;
      }
    }
    // every order has exactly one scarce line, and ample SKUs never refuse: the scarce SKUs decide
    assertEquals(expectedConfirmed, confirmed, "confirmed orders");
    assertTrue(confirmed > 0 && confirmed < orders.size(), "the burst sold some SKUs out: " + confirmed);
  }

  private static String sku(int i) {
    return String.format("sku-%02d", i);
  }
}
