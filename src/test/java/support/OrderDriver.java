package support;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import order.OrderEntity;
import order.OrderView;
import sku.SkuEntity;

/**
 * Drives real order and SKU entities through sharding, as webhooks would: a paid order whose notification carries
 * its details (no marketplace needed), stock set on SKUs, operator commands, and the entities' own views.
 */
public final class OrderDriver {
  public static final Duration ASK = Duration.ofSeconds(20);

  /** A line of a planned order; {@code sku} null means the marketplace gave no SKU code (needs mapping). */
  public record PlannedLine(String sku, int quantity, BigDecimal unitPrice, String listingRef) {}

  public record PlannedOrder(Channel channel, String shop, String orderId, String buyerName, BigDecimal total,
                             List<PlannedLine> lines) {
    public String key() {
      return OrderEntity.orderKey(channel, shop, orderId);
    }
  }

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;

  public OrderDriver(ActorSystem<?> system) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
  }

  public void setStock(String sku, int onHand) throws Exception {
    sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku)
        .<SkuEntity.StockResult>askWithStatus(r -> new SkuEntity.SetStock(onHand, false, "test", r), ASK)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  public CompletableFuture<Done> notify(PlannedOrder o) {
    List<OrderDetails.Line> lines = o.lines().stream()
        .map(l -> new OrderDetails.Line(l.sku(), l.quantity(), l.unitPrice(), "item " + l.sku(), l.listingRef()))
        .toList();
    Instant now = Instant.now();
    OrderDetails details = new OrderDetails(o.channel(), o.shop(), o.orderId(), "READY_TO_SHIP", MarketStatus.PAID,
        o.buyerName(), "628123456", "Jl. Test 1", "IDR", o.total(), lines, now, now);
    return sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY, o.key())
        .<Done>askWithStatus(r -> new OrderEntity.Notify(o.channel(), o.shop(), o.orderId(), "READY_TO_SHIP",
            MarketStatus.PAID, "msg-" + o.orderId(), now, details, r), ASK)
        .toCompletableFuture();
  }

  /** Notifies every order, at most {@code parallelism} in flight. */
  public void notifyAll(List<PlannedOrder> orders, int parallelism) throws Exception {
    List<CompletableFuture<Done>> inFlight = new ArrayList<>();
    for (PlannedOrder o : orders) {
      inFlight.add(notify(o));
      if (inFlight.size() >= parallelism) {
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        inFlight.clear();
      }
    }
    CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
  }

  public OrderView view(String orderKey) throws Exception {
    return viewAsync(orderKey).get(30, TimeUnit.SECONDS);
  }

  public CompletableFuture<OrderView> viewAsync(String orderKey) {
    return sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY, orderKey)
        .<OrderView>askWithStatus(OrderEntity.Get::new, ASK).toCompletableFuture();
  }

  public Map<String, OrderView> views(List<String> orderKeys) throws Exception {
    List<CompletableFuture<OrderView>> all = orderKeys.stream().map(this::viewAsync).toList();
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    Map<String, OrderView> views = new java.util.HashMap<>();
    for (int i = 0; i < orderKeys.size(); i++) views.put(orderKeys.get(i), all.get(i).get());
    return views;
  }

  public OrderView ship(String orderKey, String tracking) throws Exception {
    return sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY, orderKey)
        .<OrderView>askWithStatus(r -> new OrderEntity.Ship(tracking, "test", r), ASK)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  public OrderView cancel(String orderKey) throws Exception {
    return sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY, orderKey)
        .<OrderView>askWithStatus(r -> new OrderEntity.Cancel("test", "buyer changed mind", r), ASK)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  public OrderView map(String orderKey, String lineRef, String sku) throws Exception {
    return sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY, orderKey)
        .<OrderView>askWithStatus(r -> new OrderEntity.MapLine(lineRef, sku, "test", r), ASK)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Polls the entities until every order's phase is one of {@code phases} (OUT_OF_STOCK only once released). */
  public Map<String, OrderView> awaitPhases(List<String> orderKeys, java.util.Set<String> phases,
                                                        Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, OrderView> views = Map.of();
    while (System.nanoTime() < deadline) {
      views = views(orderKeys);
      boolean done = views.values().stream().allMatch(v -> phases.contains(v.phase())
          && (!"OUT_OF_STOCK".equals(v.phase()) || v.reserved().isEmpty()));
      if (done) return views;
      Thread.sleep(300);
    }
    throw new AssertionError("orders not in " + phases + " after " + timeout + ": "
        + views.values().stream().filter(v -> !phases.contains(v.phase())).map(v -> v.orderKey() + "=" + v.phase())
            .limit(10).toList());
  }
}
