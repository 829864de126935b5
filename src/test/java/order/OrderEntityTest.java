package order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.RecipientRef;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.ConfigFactory;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import infra.AppConfig;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import marketplace.ShopAdapter;
import marketplace.WhatsAppSender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sku.SkuEntity;

/**
 * The order state machine and its saga, one transition at a time: the SKU entities and the shop adapter are test
 * probes, so every message the order sends is checked and every answer is chosen by the test.
 */
class OrderEntityTest {
  private static final ActorTestKit testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
      .withFallback(ConfigFactory.parseString("akka.actor.provider = local"))
      .withFallback(AppConfig.load()));

  private static final Duration QUIET = Duration.ofMillis(300);
  private static final String SHOP = "shop1";
  private static final String ORDER_ID = "SN-1";
  private static final String KEY = OrderEntity.orderKey(Channel.SHOPEE, SHOP, ORDER_ID);

  private final Map<String, TestProbe<SkuEntity.Command>> skus = new ConcurrentHashMap<>();
  private TestProbe<ShopAdapter.Command> shop;
  private EventSourcedBehaviorTestKit<OrderEntity.Command, OrderEvents.Event, OrderState.State> order;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    start(true, Duration.ofHours(1));
  }

  private void start(boolean cancelOutOfStock, Duration retryMin) {
    shop = testKit.createTestProbe();
    skus.clear();
    OrderPeers peers = new OrderPeers() {
      @Override
      public RecipientRef<SkuEntity.Command> sku(String sku) {
        return skus.computeIfAbsent(sku, s -> testKit.createTestProbe()).getRef();
      }

      @Override
      public RecipientRef<ShopAdapter.Command> shop(Channel channel, String shopId) {
        return shop.getRef();
      }

      @Override
      public RecipientRef<WhatsAppSender.Command> whatsApp(String phoneNumberId) {
        throw new AssertionError("notifications are off in these tests (OrderNotificationTest covers them)");
      }
    };
    OrderSettings settings = new OrderSettings(Duration.ofMinutes(30), retryMin,
        retryMin.multipliedBy(4), retryMin, cancelOutOfStock);
    order = EventSourcedBehaviorTestKit.create(testKit.system(),
        OrderEntity.create(KEY, settings, peers, Clock.systemUTC()));
  }

  // ------------------------------------------------------------------ helpers

  private static OrderDetails details(MarketStatus status, OrderDetails.Line... lines) {
    return new OrderDetails(Channel.SHOPEE, SHOP, ORDER_ID, status.name(), status, "Ana", "6281234", "Jl. 1",
        "IDR", new BigDecimal("100"), List.of(lines), Instant.now(), Instant.now());
  }

  private static OrderDetails.Line line(String sku, int quantity) {
    return new OrderDetails.Line(sku, quantity, BigDecimal.TEN, "item " + sku, "item-" + sku);
  }

  private List<OrderEvents.Event> notify(String raw, MarketStatus status, String dedupId) {
    var result = order.<StatusReply<Done>>runCommand(r -> new OrderEntity.Notify(Channel.SHOPEE, SHOP, ORDER_ID,
        raw, status, dedupId, Instant.now(), null, r));
    assertTrue(result.reply().isSuccess(), "notification acknowledged");
    return result.events();
  }

  private void answerFetch(OrderDetails details) {
    ShopAdapter.FetchOrder fetch = shop.expectMessageClass(ShopAdapter.FetchOrder.class);
    assertEquals(ORDER_ID, fetch.orderId());
    fetch.replyTo().tell(new ShopAdapter.OrderFetched(details));
  }

  private <T extends SkuEntity.Command> T expectAt(String sku, Class<T> type) {
    TestProbe<SkuEntity.Command> probe = awaitProbe(sku);
    return probe.expectMessageClass(type, Duration.ofSeconds(3));
  }

  private TestProbe<SkuEntity.Command> awaitProbe(String sku) {
    long deadline = System.currentTimeMillis() + 3000;
    while (!skus.containsKey(sku) && System.currentTimeMillis() < deadline) sleep(10);
    assertTrue(skus.containsKey(sku), "a message was sent to SKU " + sku);
    return skus.get(sku);
  }

  private void reserveOk(String sku, int expectedQuantity) {
    SkuEntity.Reserve reserve = expectAt(sku, SkuEntity.Reserve.class);
    assertEquals(KEY, reserve.orderKey());
    assertEquals(expectedQuantity, reserve.quantity());
    reserve.replyTo().tell(new SkuEntity.ReserveAccepted(sku, KEY, reserve.quantity()));
  }

  private OrderState.State awaitPhase(Phase phase) {
    long deadline = System.currentTimeMillis() + 3000;
    OrderState.State state = order.getState();
    while (phase != state.phase() && System.currentTimeMillis() < deadline) {
      sleep(20);
      state = order.getState();
    }
    assertEquals(phase, state.phase(), "phase of " + state);
    return state;
  }

  private void confirmTwoLines(MarketStatus status) {
    notify(status.name(), status, "m1");
    answerFetch(details(status, line("A", 2), line("B", 1), line("A", 1)));
    reserveOk("A", 3); // lines of the same SKU are grouped
    reserveOk("B", 1);
    awaitPhase(Phase.CONFIRMED);
  }

  private List<OrderEvents.Event> allEvents() {
    // the persistence testkit keeps every persisted event of this entity
    return order.persistenceTestKit().persistedInStorage("Order|" + KEY).stream()
        .map(e -> (OrderEvents.Event) e).toList();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ lifecycle

  @Test
  void paidOrderIsFetchedReservedAndConfirmed() {
    List<OrderEvents.Event> first = notify("READY_TO_SHIP", MarketStatus.PAID, "m1");
    assertInstanceOf(OrderEvents.Notified.class, first.get(0));
    assertEquals(Phase.NOTIFIED, order.getState().phase());
    answerFetch(details(MarketStatus.PAID, line("A", 2), line("B", 1), line("A", 1)));
    SkuEntity.Reserve reserveA = expectAt("A", SkuEntity.Reserve.class);
    assertNull(reserveA.holdUntil(), "a paid order holds stock without expiry");
    reserveA.replyTo().tell(new SkuEntity.ReserveAccepted("A", KEY, 3));
    awaitPhase(Phase.RESERVING);
    reserveOk("B", 1);
    OrderState.State state = awaitPhase(Phase.CONFIRMED);
    assertEquals(Map.of("A", 3, "B", 1), state.data().stock().reserved());
    OrderEvents.OrderConfirmed confirmed = allEvents().stream()
        .filter(OrderEvents.OrderConfirmed.class::isInstance).map(OrderEvents.OrderConfirmed.class::cast)
        .findFirst().orElseThrow();
    assertEquals("6281234", confirmed.buyerPhone(), "events carry what notifications need");
    assertEquals(Map.of("A", 3, "B", 1), confirmed.skuLines());
    assertEquals(List.of("A"), allEvents().stream().filter(OrderEvents.SkuReserved.class::isInstance)
        .map(e -> ((OrderEvents.SkuReserved) e).sku()).toList(),
        "the last line's reservation is recorded by the confirmation, not by an event of its own");
    assertEquals(Map.of("A", 3, "B", 1), order.restart().state().data().stock().reserved(), "the same after a replay");
  }

  @Test
  void unpaidOrderHoldsStockUntilPaymentClearsTheHold() {
    notify("UNPAID", MarketStatus.UNPAID, "m1");
    answerFetch(details(MarketStatus.UNPAID, line("A", 1)));
    SkuEntity.Reserve reserve = expectAt("A", SkuEntity.Reserve.class);
    assertNotNull(reserve.holdUntil(), "unpaid orders reserve with a hold expiry");
    assertTrue(reserve.holdUntil().isAfter(Instant.now().plus(Duration.ofMinutes(29))));
    reserve.replyTo().tell(new SkuEntity.ReserveAccepted("A", KEY, 1));
    awaitPhase(Phase.CONFIRMED);

    notify("READY_TO_SHIP", MarketStatus.PAID, "m2");
    SkuEntity.ClearHold clear = expectAt("A", SkuEntity.ClearHold.class);
    clear.replyTo().tell(new SkuEntity.ClearHoldAccepted("A", KEY));
    long deadline = System.currentTimeMillis() + 3000;
    while (order.getState().data().stock().holdUntil() != null && System.currentTimeMillis() < deadline) sleep(20);
    assertNull(order.getState().data().stock().holdUntil(), "payment cleared the hold");
    assertEquals(Phase.CONFIRMED, order.getState().phase());
  }

  @Test
  void paymentAfterTheHoldExpiredDeclaresOutOfStockAndReleases() {
    notify("UNPAID", MarketStatus.UNPAID, "m1");
    answerFetch(details(MarketStatus.UNPAID, line("A", 1)));
    reserveOk("A", 1);
    awaitPhase(Phase.CONFIRMED);
    notify("READY_TO_SHIP", MarketStatus.PAID, "m2");
    SkuEntity.ClearHold clear = expectAt("A", SkuEntity.ClearHold.class);
    clear.replyTo().tell(new SkuEntity.ReservationRefused("A", KEY, SkuEntity.RefusalReason.ALREADY_FINISHED, 0,
        "reservation expired"));
    awaitPhase(Phase.OUT_OF_STOCK);
    expectAt("A", SkuEntity.Release.class);
  }

  @Test
  void partialFailureReleasesEveryReservationAndCancelsOnTheMarketplace() {
    notify("READY_TO_SHIP", MarketStatus.PAID, "m1");
    answerFetch(details(MarketStatus.PAID, line("A", 1), line("B", 5)));
    reserveOk("A", 1);
    SkuEntity.Reserve reserveB = expectAt("B", SkuEntity.Reserve.class);
    reserveB.replyTo().tell(new SkuEntity.ReservationRefused("B", KEY, SkuEntity.RefusalReason.INSUFFICIENT_STOCK,
        2, "only 2 available"));
    awaitPhase(Phase.OUT_OF_STOCK);
    // compensation: every SKU of the order is released, the reserved one and the refused one
    SkuEntity.Release releaseA = expectAt("A", SkuEntity.Release.class);
    SkuEntity.Release releaseB = expectAt("B", SkuEntity.Release.class);
    releaseA.replyTo().tell(new SkuEntity.ReleaseAccepted("A", KEY, 1));
    releaseB.replyTo().tell(new SkuEntity.ReleaseAccepted("B", KEY, 0));
    ShopAdapter.CancelOrder cancel = shop.expectMessageClass(ShopAdapter.CancelOrder.class, Duration.ofSeconds(3));
    assertEquals("OUT_OF_STOCK", cancel.reason());
    cancel.replyTo().tell(new ShopAdapter.CancelAccepted(ORDER_ID));
    long deadline = System.currentTimeMillis() + 3000;
    while (!((OrderState.OutOfStock) order.getState()).marketplaceCancelled()
        && System.currentTimeMillis() < deadline) sleep(20);
    OrderState.OutOfStock state = (OrderState.OutOfStock) order.getState();
    assertTrue(state.compensated());
    assertTrue(state.marketplaceCancelled());
    assertTrue(state.data().stock().reserved().isEmpty(), "no reservation left on an out-of-stock order");
    assertTrue(state.data().problem().contains("B"), state.data().problem());
  }

  @Test
  void outOfStockIsHeldForAnOperatorWhenThePolicySaysSo() {
    start(false, Duration.ofHours(1));
    notify("READY_TO_SHIP", MarketStatus.PAID, "m1");
    answerFetch(details(MarketStatus.PAID, line("B", 5)));
    SkuEntity.Reserve reserve = expectAt("B", SkuEntity.Reserve.class);
    reserve.replyTo().tell(new SkuEntity.ReservationRefused("B", KEY, SkuEntity.RefusalReason.INSUFFICIENT_STOCK, 0,
        "sold out"));
    expectAt("B", SkuEntity.Release.class).replyTo().tell(new SkuEntity.ReleaseAccepted("B", KEY, 0));
    long deadline = System.currentTimeMillis() + 3000;
    while (!(order.getState() instanceof OrderState.OutOfStock o && o.compensated())
        && System.currentTimeMillis() < deadline) sleep(20);
    OrderState.OutOfStock state = (OrderState.OutOfStock) order.getState();
    assertEquals(OrderEvents.OutOfStockAction.HOLD_FOR_OPERATOR, state.action());
    shop.expectNoMessage(QUIET);
    // the operator cancels it
    var reply = order.<StatusReply<OrderView>>runCommand(r -> new OrderEntity.Cancel("ops", "no stock", r));
    assertTrue(reply.reply().isSuccess());
    assertTrue(((OrderState.OutOfStock) order.getState()).marketplaceCancelled());
  }

  @Test
  void duplicateDeliveryAndRepeatedStatusChangeNothing() {
    confirmTwoLines(MarketStatus.PAID);
    int before = allEvents().size();
    assertTrue(notify("READY_TO_SHIP", MarketStatus.PAID, "m1").isEmpty(), "same msg_id: nothing recorded");
    var noId = order.<StatusReply<Done>>runCommand(r -> new OrderEntity.Notify(Channel.SHOPEE, SHOP, ORDER_ID,
        "PAID", MarketStatus.PAID, null, Instant.now(), null, r));
    assertTrue(noId.reply().isSuccess());
    assertTrue(noId.events().isEmpty(), "the same status again without an id: nothing recorded");
    assertEquals(before, allEvents().size());
    for (TestProbe<SkuEntity.Command> probe : skus.values()) probe.expectNoMessage(QUIET);
    shop.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void shippedCommitsStockAndLateStatusesAreRecordedNotActedOn() {
    confirmTwoLines(MarketStatus.PAID);
    notify("SHIPPED", MarketStatus.SHIPPED, "m2");
    awaitPhase(Phase.SHIPPING);
    SkuEntity.Commit commitA = expectAt("A", SkuEntity.Commit.class);
    SkuEntity.Commit commitB = expectAt("B", SkuEntity.Commit.class);
    commitA.replyTo().tell(new SkuEntity.CommitAccepted("A", KEY, 3));
    commitB.replyTo().tell(new SkuEntity.CommitAccepted("B", KEY, 1));
    awaitPhase(Phase.SHIPPED);

    List<OrderEvents.Event> late = notify("READY_TO_SHIP", MarketStatus.PAID, "m3");
    assertEquals(1, late.size());
    OrderEvents.StatusRecorded recorded = (OrderEvents.StatusRecorded) late.get(0);
    assertFalse(recorded.acted(), "a late READY_TO_SHIP after SHIPPED is recorded, not acted on");
    assertEquals(Phase.SHIPPED, order.getState().phase());

    notify("TO_CONFIRM_RECEIVE", MarketStatus.DELIVERED, "m4");
    awaitPhase(Phase.DELIVERED);
    notify("COMPLETED", MarketStatus.COMPLETED, "m5");
    awaitPhase(Phase.COMPLETED);
  }

  @Test
  void operatorShipsWithATrackingNumber() {
    confirmTwoLines(MarketStatus.PAID);
    var reply = order.<StatusReply<OrderView>>runCommand(
        r -> new OrderEntity.Ship("TRK123", "ops", r));
    assertTrue(reply.reply().isSuccess());
    expectAt("A", SkuEntity.Commit.class).replyTo().tell(new SkuEntity.CommitAccepted("A", KEY, 3));
    expectAt("B", SkuEntity.Commit.class).replyTo().tell(new SkuEntity.CommitAccepted("B", KEY, 1));
    OrderState.State state = awaitPhase(Phase.SHIPPED);
    assertEquals("TRK123", state.data().trackingNumber());
    OrderEvents.OrderShipped shipped = allEvents().stream().filter(OrderEvents.OrderShipped.class::isInstance)
        .map(OrderEvents.OrderShipped.class::cast).findFirst().orElseThrow();
    assertEquals("TRK123", shipped.trackingNumber());
    assertEquals("6281234", shipped.buyerPhone());
  }

  @Test
  void cancellationBeforeShippingReleasesEverything() {
    confirmTwoLines(MarketStatus.PAID);
    notify("CANCELLED", MarketStatus.CANCELLED, "m2");
    awaitPhase(Phase.CANCELLING);
    expectAt("A", SkuEntity.Release.class).replyTo().tell(new SkuEntity.ReleaseAccepted("A", KEY, 3));
    expectAt("B", SkuEntity.Release.class).replyTo().tell(new SkuEntity.ReleaseAccepted("B", KEY, 1));
    OrderState.State state = awaitPhase(Phase.CANCELLED);
    assertTrue(state.data().stock().reserved().isEmpty());
  }

  @Test
  void cancellationAfterShippingBecomesAReturnAndRestockNeedsAnOperator() {
    confirmTwoLines(MarketStatus.PAID);
    notify("SHIPPED", MarketStatus.SHIPPED, "m2");
    expectAt("A", SkuEntity.Commit.class).replyTo().tell(new SkuEntity.CommitAccepted("A", KEY, 3));
    expectAt("B", SkuEntity.Commit.class).replyTo().tell(new SkuEntity.CommitAccepted("B", KEY, 1));
    awaitPhase(Phase.SHIPPED);
    notify("CANCELLED", MarketStatus.CANCELLED, "m3");
    awaitPhase(Phase.RETURNED);
    for (TestProbe<SkuEntity.Command> probe : skus.values()) probe.expectNoMessage(QUIET); // no automatic restock

    var refused = order.<StatusReply<OrderView>>runCommand(r -> new OrderEntity.Cancel("ops", "x", r));
    assertTrue(refused.reply().isError(), "an operator cannot cancel a shipped order");

    var restock = order.<StatusReply<OrderView>>runCommand(r -> new OrderEntity.Restock("ops", r));
    assertTrue(restock.reply().isSuccess());
    SkuEntity.ReturnToStock backA = expectAt("A", SkuEntity.ReturnToStock.class);
    assertEquals(3, backA.quantity());
    backA.replyTo().tell(new SkuEntity.ReturnToStockAccepted("A", KEY, 3));
    expectAt("B", SkuEntity.ReturnToStock.class).replyTo().tell(new SkuEntity.ReturnToStockAccepted("B", KEY, 1));
    long deadline = System.currentTimeMillis() + 3000;
    while (order.getState().data().stock().restocked().size() < 2 && System.currentTimeMillis() < deadline) sleep(20);
    assertEquals(Set.of("A", "B"), order.getState().data().stock().restocked());
  }

  @Test
  void unknownSkuWaitsForMappingAndResumesWhenTheSkuExists() {
    start(true, Duration.ofMillis(200));
    notify("READY_TO_SHIP", MarketStatus.PAID, "m1");
    answerFetch(details(MarketStatus.PAID, line("A", 1), line("NEW", 2)));
    reserveOk("A", 1);
    SkuEntity.Reserve unknown = expectAt("NEW", SkuEntity.Reserve.class);
    unknown.replyTo().tell(new SkuEntity.ReservationRefused("NEW", KEY, SkuEntity.RefusalReason.UNKNOWN_SKU, 0,
        "no such SKU"));
    OrderState.State waiting = awaitPhase(Phase.NEEDS_MAPPING);
    assertEquals(Set.of("NEW"), waiting.data().contents().unknownSkus());
    assertEquals(Map.of("A", 1), waiting.data().stock().reserved(), "what was reserved stays reserved while waiting");
    // the SKU was created meanwhile: the periodic retry reserves it
    SkuEntity.Reserve again = awaitProbe("NEW").expectMessageClass(SkuEntity.Reserve.class, Duration.ofSeconds(3));
    again.replyTo().tell(new SkuEntity.ReserveAccepted("NEW", KEY, 2));
    awaitPhase(Phase.CONFIRMED);
  }

  @Test
  void lineWithoutSkuIsMappedByAnOperator() {
    notify("READY_TO_SHIP", MarketStatus.PAID, "m1");
    answerFetch(details(MarketStatus.PAID, new OrderDetails.Line(null, 2, BigDecimal.ONE, "mystery", "item-9/0")));
    awaitPhase(Phase.NEEDS_MAPPING);
    assertEquals(List.of("item-9/0"), order.getState().data().contents().unmapped());
    var badRef = order.<StatusReply<OrderView>>runCommand(
        r -> new OrderEntity.MapLine("nope", "C", "ops", r));
    assertTrue(badRef.reply().isError());
    var mapped = order.<StatusReply<OrderView>>runCommand(
        r -> new OrderEntity.MapLine("item-9/0", "C", "ops", r));
    assertTrue(mapped.reply().isSuccess());
    reserveOk("C", 2);
    awaitPhase(Phase.CONFIRMED);
  }

  @Test
  void cancelledBeforeDetailsArriveReservesNothing() {
    notify("READY_TO_SHIP", MarketStatus.PAID, "m1");
    notify("CANCELLED", MarketStatus.CANCELLED, "m2");
    awaitPhase(Phase.CANCELLED);
    for (TestProbe<SkuEntity.Command> probe : skus.values()) probe.expectNoMessage(QUIET);
  }

  @Test
  void sagaResumesAfterARestartBetweenTwoReservations() {
    notify("READY_TO_SHIP", MarketStatus.PAID, "m1");
    answerFetch(details(MarketStatus.PAID, line("A", 1), line("B", 1)));
    reserveOk("A", 1);
    SkuEntity.Reserve lostReply = expectAt("B", SkuEntity.Reserve.class); // the node dies before B answers
    long deadline = System.currentTimeMillis() + 3000;
    while (order.getState().data().stock().reserved().isEmpty() && System.currentTimeMillis() < deadline) sleep(20);
    assertEquals(Map.of("A", 1), order.getState().data().stock().reserved());

    order.restart(); // replays the journal; the saga re-sends only what is still pending
    SkuEntity.Reserve resent = expectAt("B", SkuEntity.Reserve.class);
    assertEquals(lostReply.orderKey(), resent.orderKey());
    skus.get("A").expectNoMessage(QUIET);
    resent.replyTo().tell(new SkuEntity.ReserveAccepted("B", KEY, 1));
    awaitPhase(Phase.CONFIRMED);
  }

  @Test
  void compensationResumesAfterARestart() {
    notify("READY_TO_SHIP", MarketStatus.PAID, "m1");
    answerFetch(details(MarketStatus.PAID, line("A", 1), line("B", 1)));
    reserveOk("A", 1);
    expectAt("B", SkuEntity.Reserve.class).replyTo().tell(new SkuEntity.ReservationRefused("B", KEY,
        SkuEntity.RefusalReason.INSUFFICIENT_STOCK, 0, "sold out"));
    awaitPhase(Phase.OUT_OF_STOCK);
    expectAt("A", SkuEntity.Release.class).replyTo().tell(new SkuEntity.ReleaseAccepted("A", KEY, 1));
    expectAt("B", SkuEntity.Release.class); // crash before B's release is answered
    long deadline = System.currentTimeMillis() + 3000;
    while (!order.getState().data().stock().released().contains("A") && System.currentTimeMillis() < deadline) sleep(20);

    order.restart();
    expectAt("B", SkuEntity.Release.class).replyTo().tell(new SkuEntity.ReleaseAccepted("B", KEY, 0));
    skus.get("A").expectNoMessage(QUIET);
    deadline = System.currentTimeMillis() + 3000;
    while (!((OrderState.OutOfStock) order.getState()).compensated() && System.currentTimeMillis() < deadline) {
      sleep(20);
    }
    assertTrue(((OrderState.OutOfStock) order.getState()).compensated());
  }

  @Test
  void unansweredReservationsAreResentWithBackoff() {
    start(true, Duration.ofMillis(100));
    notify("READY_TO_SHIP", MarketStatus.PAID, "m1");
    answerFetch(details(MarketStatus.PAID, line("A", 1)));
    expectAt("A", SkuEntity.Reserve.class);
    // no answer: the same idempotent Reserve comes again
    SkuEntity.Reserve again = skus.get("A").expectMessageClass(SkuEntity.Reserve.class, Duration.ofSeconds(2));
    again.replyTo().tell(new SkuEntity.ReserveAccepted("A", KEY, 1));
    awaitPhase(Phase.CONFIRMED);
  }

  @Test
  void failedFetchIsRetried() {
    start(true, Duration.ofMillis(100));
    notify("READY_TO_SHIP", MarketStatus.PAID, "m1");
    ShopAdapter.FetchOrder first = shop.expectMessageClass(ShopAdapter.FetchOrder.class);
    first.replyTo().tell(new ShopAdapter.FetchFailed(ORDER_ID, "HTTP 503", true));
    answerFetch(details(MarketStatus.PAID, line("A", 1)));
    reserveOk("A", 1);
    awaitPhase(Phase.CONFIRMED);
  }

  @Test
  void commandsToAnUnknownOrderAreRefusedAsNotFound() {
    var get = order.<StatusReply<OrderView>>runCommand(OrderEntity.Get::new);
    assertTrue(get.reply().isError());
    assertEquals(OrderEntity.NOT_FOUND, get.reply().getError().getMessage());
    assertTrue(get.events().isEmpty());
  }

  // ------------------------------------------------------------------ every normalised status, from CONFIRMED

  static Stream<Arguments> statusFromConfirmed() {
    return Stream.of(
        Arguments.of(MarketStatus.UNPAID, Phase.CONFIRMED, List.of()),
        Arguments.of(MarketStatus.PAID, Phase.CONFIRMED, List.of()),
        Arguments.of(MarketStatus.CANCEL_REQUESTED, Phase.CONFIRMED, List.of()),
        Arguments.of(MarketStatus.SHIPPED, Phase.SHIPPING, List.of(SkuEntity.Commit.class)),
        Arguments.of(MarketStatus.DELIVERED, Phase.SHIPPING, List.of(SkuEntity.Commit.class)),
        Arguments.of(MarketStatus.COMPLETED, Phase.SHIPPING, List.of(SkuEntity.Commit.class)),
        Arguments.of(MarketStatus.CANCELLED, Phase.CANCELLING, List.of(SkuEntity.Release.class)),
        Arguments.of(MarketStatus.RETURN_REQUESTED, Phase.CANCELLING, List.of(SkuEntity.Release.class)),
        Arguments.of(MarketStatus.UNKNOWN, Phase.CONFIRMED, List.of()));
  }

  @ParameterizedTest
  @MethodSource("statusFromConfirmed")
  void everyStatusFromConfirmed(MarketStatus status, Phase expectedPhase,
                                List<Class<? extends SkuEntity.Command>> expectedSkuMessages) {
    confirmTwoLines(MarketStatus.PAID);
    notify("X-" + status, status, "m-" + status);
    awaitPhase(expectedPhase);
    for (String sku : List.of("A", "B")) {
      Set<Class<?>> received = new HashSet<>();
      for (Class<? extends SkuEntity.Command> type : expectedSkuMessages) {
        received.add(skus.get(sku).expectMessageClass(type).getClass());
      }
      assertEquals(new HashSet<>(expectedSkuMessages), received);
      skus.get(sku).expectNoMessage(Duration.ofMillis(100));
    }
  }

  @Test
  void shippedStatusBeforeConfirmationShipsOnceConfirmed() {
    notify("READY_TO_SHIP", MarketStatus.PAID, "m1");
    answerFetch(details(MarketStatus.PAID, line("A", 1)));
    SkuEntity.Reserve reserve = expectAt("A", SkuEntity.Reserve.class);
    notify("SHIPPED", MarketStatus.SHIPPED, "m2"); // arrives while reserving
    assertEquals(Phase.RESERVING, order.getState().phase());
    reserve.replyTo().tell(new SkuEntity.ReserveAccepted("A", KEY, 1));
    awaitPhase(Phase.SHIPPING);
    expectAt("A", SkuEntity.Commit.class).replyTo().tell(new SkuEntity.CommitAccepted("A", KEY, 1));
    awaitPhase(Phase.SHIPPED);
  }

  @Test
  void everyEventNamesItsOrderAndIsTagged() {
    confirmTwoLines(MarketStatus.PAID);
    List<OrderEvents.Event> events = new ArrayList<>(allEvents());
    assertFalse(events.isEmpty());
    for (OrderEvents.Event e : events) {
      assertEquals(KEY, e.orderKey());
      assertNotNull(e.at());
    }
  }
}
