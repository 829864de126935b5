package order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import marketplace.ShopAdapter;
import marketplace.WhatsAppSender;
import order.BuyerNotifications.NotificationSettings;
import order.OrderEvents.*;
import order.OrderSaga.Outgoing;
import order.OrderSaga.Step;
import order.OrderState.*;
import org.junit.jupiter.api.Test;
import sku.SkuEntity;

/**
 * The saga's decisions one at a time, with no actor: what each phase waits for, the back-off, and which events a
 * status or a peer's reply leads to. (OrderEntityTest runs the same rules through the entity.)
 */
class OrderSagaTest {
  private static final String KEY = "shopee|shop1|SN-1";
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Instant NOW = T0.plusSeconds(60);
  private static final NotificationSettings NOTIFY =
      new NotificationSettings(true, "5550001", "order_confirmed", "order_shipped", "id", Duration.ofMinutes(2));
  private static final OrderSettings SETTINGS = new OrderSettings(Duration.ofMinutes(30), Duration.ofMillis(100),
      Duration.ofMillis(1000), Duration.ofSeconds(5), true, NOTIFY);
  /** The message adapters: no actor here, so none (the messages are only looked at). */
  private static final OrderSaga.ReplyTo NO_ACTORS = new OrderSaga.ReplyTo(null, null, null, null);

  private final OrderSaga saga = saga(SETTINGS);

  private static OrderSaga saga(OrderSettings settings) {
    return new OrderSaga(KEY, settings, new BuyerNotifications(KEY, settings.notifications()));
  }

  // ------------------------------------------------------------------ building orders from their events

  private static OrderData notified(Channel channel, MarketStatus status) {
    return OrderData.create(new Notified(KEY, channel, "shop1", "SN-1", status.name(), status, "m1", T0));
  }

  private static OrderDetails details(MarketStatus status, OrderDetails.Line... lines) {
    return new OrderDetails(Channel.SHOPEE, "shop1", "SN-1", status.name(), status, "Ana", "+62 812-34", "Jl. 1",
        "IDR", new BigDecimal("100"), List.of(lines), T0, T0);
  }

  private static OrderDetails.Line line(String sku, int quantity) {
    return new OrderDetails.Line(sku, quantity, BigDecimal.TEN, "item " + sku, "item-" + sku);
  }

  /** Notified and fetched: two lines, A x2 and B x1. */
  private OrderData fetched(MarketStatus status) {
    OrderData d = notified(Channel.SHOPEE, status);
    return d.withDetails(saga.detailsReceived(details(status, line("A", 2), line("B", 1)), status, T0));
  }

  // ------------------------------------------------------------------ the replies (their names in one place)

  private static SkuEntity.ReservationReply reserved(String sku, int quantity) {
    return new SkuEntity.ReserveAccepted(sku, KEY, quantity);
  }

  private static SkuEntity.ReservationReply refused(String sku, SkuEntity.RefusalReason reason) {
    return new SkuEntity.ReservationRefused(sku, KEY, reason, 0, "no");
  }

  private static SkuEntity.ReservationReply released(String sku, int quantity) {
    return new SkuEntity.ReleaseAccepted(sku, KEY, quantity);
  }

  private static SkuEntity.ReservationReply committed(String sku, int quantity) {
    return new SkuEntity.CommitAccepted(sku, KEY, quantity);
  }

  private static SkuEntity.ReservationReply holdCleared(String sku) {
    return new SkuEntity.ClearHoldAccepted(sku, KEY);
  }

  private static List<String> keys(List<Outgoing> out) {
    return out.stream().map(Outgoing::key).toList();
  }

  private static List<Class<?>> types(List<Event> events) {
    return events.stream().<Class<?>>map(Object::getClass).toList();
  }

  // ------------------------------------------------------------------ what each phase waits for

  @Test
  void aNotifiedOrderAsksItsShopForTheDetails() {
    List<Outgoing> out = saga.outstanding(new Fetching(notified(Channel.SHOPEE, MarketStatus.PAID)), NO_ACTORS);
    assertEquals(List.of("fetch"), keys(out));
    OrderSaga.ToShop fetch = assertInstanceOf(OrderSaga.ToShop.class, out.get(0));
    assertEquals("SN-1", ((ShopAdapter.FetchOrder) fetch.message()).orderId());
  }

  @Test
  void aReservingOrderAsksEveryLineNotReservedYetAndEveryUnknownSkuAgain() {
    OrderData d = fetched(MarketStatus.UNPAID).withReserved("A", 2, NOW).withUnknown("GHOST", NOW);
    List<Outgoing> out = saga.outstanding(new NeedsMapping(d), NO_ACTORS);
    assertEquals(List.of("reserve:B", "reserve:GHOST"), keys(out));
    SkuEntity.Reserve reserveB = (SkuEntity.Reserve) ((OrderSaga.ToSku) out.get(0)).message();
    assertEquals(1, reserveB.quantity());
    assertEquals(T0.plus(Duration.ofMinutes(30)), reserveB.holdUntil(), "an unpaid order's hold expires");
  }

  @Test
  void aConfirmedOrderClearsItsHoldsOnlyOncePaid() {
    OrderData unpaid = fetched(MarketStatus.UNPAID).withAllReserved(Map.of("A", 2, "B", 1), NOW);
    assertTrue(saga.outstanding(new Confirmed(unpaid), NO_ACTORS).isEmpty(), "unpaid: the hold stays");
    OrderData paid = unpaid.withStatus(new StatusRecorded(KEY, "PAID", MarketStatus.PAID, "m2", true, NOW))
        .withHoldCleared("A", NOW);
    assertEquals(List.of("clear:B"), keys(saga.outstanding(new Confirmed(paid), NO_ACTORS)));
  }

  @Test
  void anOutOfStockOrderReleasesEverySkuThenCancelsOnMarketplacesThatCan() {
    OrderData d = fetched(MarketStatus.PAID).withReserved("A", 2, NOW).withReleased("A", NOW);
    assertEquals(List.of("release:B"), keys(saga.outstanding(new OutOfStock(d, false, null, false), NO_ACTORS)));

    List<Outgoing> out = saga.outstanding(
        new OutOfStock(d, true, OutOfStockAction.CANCEL_ON_MARKETPLACE, false), NO_ACTORS);
    ShopAdapter.CancelOrder cancel = (ShopAdapter.CancelOrder) ((OrderSaga.ToShop) out.get(0)).message();
    assertEquals("OUT_OF_STOCK", cancel.reason());
    assertEquals(List.of("item-A", "item-B"), cancel.listingRefs());

    OrderData phoneOrder = notified(Channel.WHATSAPP, MarketStatus.PAID);
    assertTrue(saga.outstanding(new OutOfStock(phoneOrder, true, OutOfStockAction.CANCEL_ON_MARKETPLACE, false),
        NO_ACTORS).isEmpty(), "WhatsApp has no marketplace order to cancel");
    assertTrue(saga.outstanding(new OutOfStock(d, true, OutOfStockAction.HOLD_FOR_OPERATOR, false), NO_ACTORS)
        .isEmpty(), "held for an operator");
  }

  @Test
  void aPendingNotificationIsSentInAnyPhaseOldestFirst() {
    BuyerNotifications notifications = new BuyerNotifications(KEY, NOTIFY);
    OrderData d = fetched(MarketStatus.PAID);
    d = d.withNotification(BuyerNotifications.Notification.due((BuyerNotificationDue)
        notifications.due(d, NotificationKind.CONFIRMED, null, NOW).orElseThrow()));
    d = d.withNotification(BuyerNotifications.Notification.due((BuyerNotificationDue)
        notifications.due(d, NotificationKind.SHIPPED, "TRK1", NOW).orElseThrow()));
    List<Outgoing> out = saga.outstanding(new Cancelled(d, "ops", "x"), NO_ACTORS);
    assertEquals(List.of("notify:CONFIRMED"), keys(out), "shipped waits for confirmed");
    WhatsAppSender.SendTemplate send = (WhatsAppSender.SendTemplate) ((OrderSaga.ToBuyer) out.get(0)).message();
    assertEquals("6281234", send.to());
  }

  @Test
  void backoffDoublesFromRetryMinUpToRetryMaxWithAtMostAFifthMore() {
    assertEquals(Duration.ofMillis(100), saga.backoff(0, 0.0));
    assertEquals(Duration.ofMillis(400), saga.backoff(2, 0.0));
    assertEquals(Duration.ofMillis(1000), saga.backoff(4, 0.0), "capped at retry-max");
    assertEquals(Duration.ofMillis(1000), saga.backoff(60, 0.0), "no overflow after many rounds");
    assertEquals(Duration.ofMillis(1199), saga.backoff(9, 0.9999));
  }

  // ------------------------------------------------------------------ marketplace statuses

  @Test
  void aDuplicateDeliveryRecordsNothingAndALateStatusIsRecordedNotActedOn() {
    OrderData confirmed = fetched(MarketStatus.PAID).withAllReserved(Map.of("A", 2, "B", 1), NOW);
    assertTrue(saga.statusReport(confirmed, "X", MarketStatus.SHIPPED, "m1", saga::statusWhileConfirmed, NOW)
        .isEmpty(), "m1 was seen");
    assertTrue(saga.statusReport(confirmed, "PAID", MarketStatus.PAID, null, saga::statusWhileConfirmed, NOW)
        .isEmpty(), "the same status again without an id");

    List<Event> late = saga.statusReport(confirmed, "UNPAID", MarketStatus.UNPAID, "m2",
        saga::statusWhileConfirmed, NOW);
    assertEquals(1, late.size());
    assertFalse(((StatusRecorded) late.get(0)).acted());

    List<Event> shipped = saga.statusReport(confirmed, "SHIPPED", MarketStatus.SHIPPED, "m3",
        saga::statusWhileConfirmed, NOW);
    assertEquals(List.of(StatusRecorded.class, ShipRequested.class), types(shipped));
  }

  @Test
  void paymentOfAnUnpaidHoldIsForwardEvenAtTheSameRank() {
    OrderData held = fetched(MarketStatus.UNPAID).withStatus(
        new StatusRecorded(KEY, "PAID", MarketStatus.PAID, "m2", true, NOW));
    assertTrue(((StatusRecorded) saga.statusReport(held, "READY", MarketStatus.PAID, "m3",
        saga::statusWhileConfirmed, NOW).get(0)).acted(), "PAID clears a hold still set");
  }

  @Test
  void eachPhaseReactsToCancellationItsOwnWay() {
    OrderData d = fetched(MarketStatus.PAID);
    assertEquals(List.of(CancelRequested.class),
        types(saga.statusBeforeConfirmation(d, MarketStatus.CANCELLED, NOW)), "lines may hold stock: release");
    assertEquals(List.of(CancelRequested.class, OrderCancelled.class),
        types(saga.statusBeforeConfirmation(notified(Channel.SHOPEE, MarketStatus.PAID), MarketStatus.CANCELLED,
            NOW)), "nothing can be held yet: cancelled at once");
    assertEquals(List.of(MarketplaceCancelled.class),
        types(saga.statusWhileOutOfStock(d, MarketStatus.CANCELLED, NOW)));
    assertEquals(List.of(ReturnRequested.class), types(saga.statusAfterHandover(d, MarketStatus.CANCELLED, NOW)));
    assertEquals(List.of(ReturnRequested.class),
        types(saga.statusWhileShipped(d, MarketStatus.RETURN_REQUESTED, NOW)));
    assertEquals(List.of(OrderDelivered.class), types(saga.statusWhileShipped(d, MarketStatus.DELIVERED, NOW)));
    assertEquals(List.of(OrderCompleted.class), types(saga.statusWhileDelivered(d, MarketStatus.COMPLETED, NOW)));
    assertTrue(saga.statusWhileDelivered(d, MarketStatus.DELIVERED, NOW).isEmpty());
    assertTrue(OrderSaga.statusChangesNothing(d, MarketStatus.CANCELLED, NOW).isEmpty());
  }

  @Test
  void paymentConfirmedByAnOperatorOnlyForAnUnpaidOrder() {
    List<Event> events = saga.paymentConfirmed(fetched(MarketStatus.UNPAID), "ops", saga::statusWhileConfirmed, NOW);
    StatusRecorded recorded = (StatusRecorded) events.get(0);
    assertEquals("PAID (confirmed by ops)", recorded.rawStatus());
    assertTrue(saga.paymentConfirmed(fetched(MarketStatus.PAID), "ops", saga::statusWhileConfirmed, NOW).isEmpty());
  }

  // ------------------------------------------------------------------ replies from the SKUs and the shop

  @Test
  void theLastReservationConfirmsTheOrderWithoutAnEventOfItsOwn() {
    OrderData d = fetched(MarketStatus.PAID);
    Step first = saga.reserveReply(d, reserved("A", 2), NOW);
    assertEquals(List.of(SkuReserved.class), types(first.events()));
    assertTrue(first.thenDrive());

    Step last = saga.reserveReply(d.withReserved("A", 2, NOW), reserved("B", 1), NOW);
    assertEquals(List.of(OrderConfirmed.class, BuyerNotificationDue.class), types(last.events()));
    assertEquals(Map.of("A", 2, "B", 1), ((OrderConfirmed) last.events().get(0)).skuLines());
    assertSame(Step.NOTHING, saga.reserveReply(d.withReserved("A", 2, NOW), reserved("A", 2), NOW),
        "a repeated answer");
    assertSame(Step.NOTHING, saga.reserveReply(d, new SkuEntity.ReserveAccepted("A", "other|order|1", 2), NOW),
        "another order's answer");
  }

  @Test
  void anOrderShippedBeforeItWasConfirmedShipsOnConfirmation() {
    OrderData d = fetched(MarketStatus.PAID).withReserved("A", 2, NOW)
        .withStatus(new StatusRecorded(KEY, "SHIPPED", MarketStatus.SHIPPED, "m2", true, NOW));
    assertEquals(List.of(OrderConfirmed.class, BuyerNotificationDue.class, ShipRequested.class),
        types(saga.reserveReply(d, reserved("B", 1), NOW).events()));
  }

  @Test
  void refusalsAreUnknownSkusRetriesOrOutOfStock() {
    OrderData d = fetched(MarketStatus.PAID);
    assertEquals(List.of(SkuUnknown.class),
        types(saga.reserveReply(d, refused("B", SkuEntity.RefusalReason.UNKNOWN_SKU), NOW).events()));
    assertSame(Step.NOTHING, saga.reserveReply(d, refused("B", SkuEntity.RefusalReason.OVERLOADED), NOW),
        "overloaded: asked again by the retry timer");
    OutOfStockDeclared declared = (OutOfStockDeclared) saga.reserveReply(d,
        refused("B", SkuEntity.RefusalReason.INSUFFICIENT_STOCK), NOW).events().get(0);
    assertEquals(1, declared.requested());
    assertEquals("INSUFFICIENT_STOCK: no", declared.reason());
  }

  @Test
  void aMarketplaceOrderTheStockCannotCoverIsAskedAgainWithinTheGrace() {
    OrderSettings withGrace = new OrderSettings(Duration.ofMinutes(30), Duration.ofMillis(100), Duration.ofSeconds(1),
        Duration.ofSeconds(30), true, SETTINGS.notifications(), Duration.ofSeconds(5));
    OrderSaga graceful = saga(withGrace);
    OrderData d = fetched(MarketStatus.PAID); // first notice at T0
    assertSame(Step.NOTHING, graceful.reserveReply(d, refused("B", SkuEntity.RefusalReason.INSUFFICIENT_STOCK),
        T0.plusSeconds(4)), "a cancellation on its way may free the units: asked again");
    assertEquals(List.of(OutOfStockDeclared.class), types(graceful.reserveReply(d,
        refused("B", SkuEntity.RefusalReason.INSUFFICIENT_STOCK), T0.plusSeconds(6)).events()));
  }

  @Test
  void aWhatsAppOrderForUnitsThatAreGoneTellsTheBuyerItSoldOut() {
    OrderData d = notified(Channel.WHATSAPP, MarketStatus.PAID);
    d = d.withDetails(saga.detailsReceived(details(MarketStatus.PAID, line("A", 1)), MarketStatus.PAID, T0));
    List<Event> events = saga.reserveReply(d, refused("A", SkuEntity.RefusalReason.INSUFFICIENT_STOCK), NOW).events();
    assertEquals(List.of(OutOfStockDeclared.class, BuyerNotificationDue.class), types(events));
    BuyerNotificationDue due = (BuyerNotificationDue) events.get(1);
    assertEquals(NotificationKind.SOLD_OUT, due.kind());
    assertEquals("order_sold_out", due.template());
    assertEquals(List.of(OutOfStockDeclared.class), types(saga.reserveReply(fetched(MarketStatus.PAID),
        refused("B", SkuEntity.RefusalReason.INSUFFICIENT_STOCK), NOW).events()), "a Shopee buyer is not messaged");
  }

  @Test
  void aClearedHoldIsRecordedWithoutSendingAndAnExpiredHoldIsOutOfStock() {
    OrderData d = fetched(MarketStatus.UNPAID).withAllReserved(Map.of("A", 2, "B", 1), NOW);
    Step cleared = saga.holdReply(d, holdCleared("A"), NOW);
    assertEquals(List.of(SkuHoldCleared.class), types(cleared.events()));
    assertFalse(cleared.thenDrive(), "a cleared hold sends nothing new");
    Step expired = saga.holdReply(d, refused("A", SkuEntity.RefusalReason.ALREADY_FINISHED), NOW);
    assertEquals("hold expired before payment", ((OutOfStockDeclared) expired.events().get(0)).reason());
  }

  @Test
  void theLastReleaseFinishesTheCancellationOrTheCompensation() {
    OrderData d = fetched(MarketStatus.PAID).withReserved("A", 2, NOW).withReleased("A", NOW);
    Step cancelled = saga.releaseWhileCancelling(new Cancelling(d, "ops", "buyer asked"),
        refused("B", SkuEntity.RefusalReason.NOT_RESERVED), NOW);
    assertEquals(List.of(SkuReleased.class, OrderCancelled.class), types(cancelled.events()));
    assertEquals("buyer asked", ((OrderCancelled) cancelled.events().get(1)).reason());

    Step compensated = saga(new OrderSettings(Duration.ofMinutes(30), Duration.ofMillis(100), Duration.ofSeconds(1),
        Duration.ofSeconds(5), false)).releaseWhileOutOfStock(new OutOfStock(d, false, null, false),
        released("B", 0), NOW);
    assertEquals(OutOfStockAction.HOLD_FOR_OPERATOR, ((CompensationFinished) compensated.events().get(1)).action());

    assertSame(Step.NOTHING, saga.releaseWhileCancelling(new Cancelling(d, "ops", "x"), released("A", 2), NOW),
        "released already");
    assertSame(Step.NOTHING, saga.releaseWhileCancelling(new Cancelling(d, "ops", "x"), committed("B", 1), NOW),
        "not a release");
  }

  @Test
  void theLastCommitShipsAndAppliesTheStatusesThatArrivedMeanwhile() {
    OrderData d = fetched(MarketStatus.PAID).withAllReserved(Map.of("A", 2, "B", 1), NOW)
        .withTracking("TRK1", NOW).withCommitted("A", NOW)
        .withStatus(new StatusRecorded(KEY, "DELIVERED", MarketStatus.DELIVERED, "m2", true, NOW));
    Step step = saga.commitReply(d, committed("B", 1), NOW);
    assertEquals(List.of(SkuCommitted.class, OrderShipped.class, BuyerNotificationDue.class, OrderDelivered.class),
        types(step.events()));
    assertEquals("TRK1", ((OrderShipped) step.events().get(1)).trackingNumber());
  }

  @Test
  void aFailedMarketplaceCancellationIsWarnedAndHeldForAnOperatorWhenFinal() {
    OrderData d = fetched(MarketStatus.PAID);
    OutOfStock waiting = new OutOfStock(d, true, OutOfStockAction.CANCEL_ON_MARKETPLACE, false);
    Step done = saga.cancelReplyWhileOutOfStock(waiting, new ShopAdapter.CancelAccepted("SN-1"), NOW);
    assertEquals(List.of(MarketplaceCancelled.class), types(done.events()));
    assertFalse(done.thenDrive());

    Step retry = saga.cancelReplyWhileOutOfStock(waiting, new ShopAdapter.CancelFailed("SN-1", "HTTP 503", true), NOW);
    assertTrue(retry.events().isEmpty());
    assertEquals("Cancelling order " + KEY + " on the marketplace failed: HTTP 503", retry.warning());

    // Not sent, our own rate limit being booked ahead: asked again later like any retryable failure, but without
    // a warning per retry (under a peak every out-of-stock order would log one on every attempt).
    Step deferred = saga.cancelReplyWhileOutOfStock(waiting,
        new ShopAdapter.CancelFailed("SN-1", "rate_limit_queue_full: booked", true, true), NOW);
    assertEquals(Step.NOTHING, deferred);

    Step refused = saga.cancelReplyWhileOutOfStock(waiting, new ShopAdapter.CancelFailed("SN-1", "shipped", false),
        NOW);
    assertEquals(OutOfStockAction.HOLD_FOR_OPERATOR, ((CompensationFinished) refused.events().get(0)).action());
    assertTrue(refused.warning().endsWith("shipped"));

    assertTrue(saga.cancelReplyElsewhere(new ShopAdapter.CancelAccepted("SN-1")).events().isEmpty());
    assertNull(saga.cancelReplyElsewhere(new ShopAdapter.CancelAccepted("SN-1")).warning());
  }

  @Test
  void fetchedDetailsOfAnOrderCancelledMeanwhileCancelItAtOnce() {
    OrderData d = notified(Channel.SHOPEE, MarketStatus.CANCELLED);
    Step step = saga.fetchReply(new Fetching(d), new ShopAdapter.OrderFetched(details(MarketStatus.PAID,
        line("A", 1))), NOW);
    assertEquals(List.of(DetailsReceived.class, CancelRequested.class, OrderCancelled.class), types(step.events()));
    Step failed = saga.fetchReply(new Fetching(d), new ShopAdapter.FetchFailed("SN-1", "HTTP 503", true), NOW);
    assertTrue(failed.events().isEmpty(), "asked again by the retry timer");
    assertEquals("Fetching order " + KEY + " failed: HTTP 503", failed.warning());
  }

  @Test
  void detailsGroupLinesPerSkuAndHoldUnpaidOrders() {
    DetailsReceived received = saga.detailsReceived(details(MarketStatus.UNPAID, line("A", 1), line("A", 2),
        new OrderDetails.Line(null, 1, BigDecimal.ONE, "mystery", null), line("B", 0)), MarketStatus.UNPAID, NOW);
    assertEquals(Map.of("A", 3), received.skuLines(), "a line of 0 units is no line");
    assertEquals(List.of("line-2"), received.unmapped());
    assertEquals(NOW.plus(Duration.ofMinutes(30)), received.holdUntil());
  }

  @Test
  void mappingTheLastLineMakesTheConfirmationDue() {
    OrderData d = notified(Channel.SHOPEE, MarketStatus.PAID);
    d = d.withDetails(saga.detailsReceived(details(MarketStatus.PAID, line("A", 1),
        new OrderDetails.Line(null, 2, BigDecimal.ONE, "mystery", "item-9")), MarketStatus.PAID, T0))
        .withReserved("A", 1, NOW);
    List<Event> events = saga.lineMapped(d, "item-9", "C", "ops", NOW);
    assertEquals(2, ((LineMapped) events.get(0)).quantity());
    assertEquals(List.of(LineMapped.class), types(events), "C still has to be reserved");
  }
}
