package readside.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import order.OrderEvents;
import org.junit.jupiter.api.Test;

/**
 * Event-by-event checks of the pure mapping, for the transitions the end-to-end tests do not reach (delivery,
 * completion, returns, a marketplace status during mapping) and for the sequence guard.
 */
class OrderLedgerTest {
  private static final String KEY = "shopee|s1|O-1";
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

  private long seq;
  private OrderRow row;

  private OrderRow apply(OrderEvents.Event event) {
    OrderRow next = OrderLedger.apply(row, event, ++seq);
    if (next != null) row = next;
    return next;
  }

  private static Instant t(int seconds) {
    return T0.plusSeconds(seconds);
  }

  private void notifiedWithDetails(List<OrderDetails.Line> lines, List<String> unmapped, Map<String, Integer> sku) {
    apply(new OrderEvents.Notified(KEY, Channel.SHOPEE, "s1", "O-1", "UNPAID", MarketStatus.UNPAID, "m1", t(0)));
    OrderDetails details = new OrderDetails(Channel.SHOPEE, "s1", "O-1", "READY_TO_SHIP", MarketStatus.PAID, "Ana",
        "628", "addr", "IDR", new BigDecimal("30000"), lines, t(0), t(0));
    apply(new OrderEvents.DetailsReceived(KEY, details, sku, unmapped, null, t(1), null));
  }

  @Test
  void aWholeLifeFromNotifiedToReturned() {
    notifiedWithDetails(List.of(new OrderDetails.Line("A", 2, new BigDecimal("10000"), "a", null),
        new OrderDetails.Line("B", 1, new BigDecimal("10000"), "b", null)), List.of(), Map.of("A", 2, "B", 1));
    assertEquals("RESERVING", row.status());
    assertEquals(OrderLedger.STEP, row.pending(), "reserving: waits for its SKUs");
    assertEquals(MarketStatus.PAID, row.marketStatus(), "the fetched status moves the order forward");
    assertEquals(new BigDecimal("10000"), row.lines().get("A").unitPrice());
    apply(new OrderEvents.SkuReserved(KEY, "A", 2, t(2)));
    assertEquals(OrderRow.LineState.PENDING, row.lines().get("B").state());
    // the last line's reservation is recorded by the confirmation
    apply(new OrderEvents.OrderConfirmed(KEY, Channel.SHOPEE, Map.of("A", 2, "B", 1), "628", null, t(2)));
    assertEquals("CONFIRMED", row.status());
    assertEquals(0, row.pending(), "confirmed, no buyer message: waits for nothing");
    assertEquals(t(2), row.confirmedAt());
    assertEquals(OrderRow.LineState.RESERVED, row.lines().get("B").state());
    apply(new OrderEvents.ShipRequested(KEY, "TRK-1", "ops", t(3)));
    assertEquals("SHIPPING", row.status());
    apply(new OrderEvents.SkuCommitted(KEY, "A", 2, t(4)));
    apply(new OrderEvents.SkuCommitted(KEY, "B", 1, t(4)));
    apply(new OrderEvents.OrderShipped(KEY, Channel.SHOPEE, "TRK-1", "628", Map.of("A", 2, "B", 1), t(4)));
    assertEquals("SHIPPED", row.status());
    assertEquals(OrderRow.LineState.COMMITTED, row.lines().get("A").state());
    apply(new OrderEvents.StatusRecorded(KEY, "DELIVERED", MarketStatus.DELIVERED, "m2", true, t(5)));
    apply(new OrderEvents.OrderDelivered(KEY, t(5)));
    assertEquals("DELIVERED", row.status());
    assertEquals(MarketStatus.DELIVERED, row.marketStatus());
    apply(new OrderEvents.StatusRecorded(KEY, "PAID", MarketStatus.PAID, "m3", false, t(6)));
    assertEquals(MarketStatus.DELIVERED, row.marketStatus(), "a late status is recorded, not acted on");
    apply(new OrderEvents.ReturnRequested(KEY, "marketplace", t(7)));
    assertEquals(0, row.pending(), "returned: waits for an operator, whose command wakes it");
    apply(new OrderEvents.RestockRequested(KEY, "ops", t(8)));
    assertEquals(OrderLedger.STEP, row.pending(), "restocking: waits for its SKUs");
    apply(new OrderEvents.SkuRestocked(KEY, "A", 2, t(9)));
    assertEquals(OrderLedger.STEP, row.pending(), "B is not restocked yet");
    apply(new OrderEvents.SkuRestocked(KEY, "B", 1, t(9)));
    assertEquals(0, row.pending(), "every line restocked");
    assertEquals("RETURNED", row.status());
    assertEquals(OrderRow.LineState.RESTOCKED, row.lines().get("A").state());
    assertEquals(t(9), row.updatedAt());
    assertEquals(t(4), row.shippedAt());
    assertEquals("TRK-1", row.trackingNumber());
  }

  @Test
  void anEventAlreadyAppliedChangesNothing() {
    notifiedWithDetails(List.of(new OrderDetails.Line("A", 1, BigDecimal.ONE, "a", null)), List.of(), Map.of("A", 1));
    OrderRow before = row;
    assertNull(OrderLedger.apply(before, new OrderEvents.CancelRequested(KEY, "ops", "x", t(9)), 2),
        "sequence number 2 was applied already");
    assertNull(OrderLedger.apply(before, new OrderEvents.CancelRequested(KEY, "ops", "x", t(9)), 1));
    assertEquals("RESERVING", before.status());
    assertEquals(2, before.lastEventSeq());
    assertNull(OrderLedger.apply(null, new OrderEvents.OrderCompleted(KEY, t(1)), 5),
        "no row to apply to: nothing written");
  }

  @Test
  void mappingAnUnmappedLineAndAnUnknownSkuResumesReserving() {
    notifiedWithDetails(List.of(new OrderDetails.Line(null, 2, BigDecimal.ONE, "x", "item-1"),
        new OrderDetails.Line("GHOST", 1, new BigDecimal("5"), "g", null)), List.of("item-1"), Map.of("GHOST", 1));
    assertEquals("NEEDS_MAPPING", row.status());
    assertEquals(List.of("item-1"), row.unmapped());
    apply(new OrderEvents.SkuUnknown(KEY, "GHOST", t(2)));
    assertEquals("unknown SKU GHOST", row.problem());
    apply(new OrderEvents.LineMapped(KEY, "item-1", "A", 2, "ops", t(3)));
    assertEquals("NEEDS_MAPPING", row.status(), "GHOST is still unknown");
    apply(new OrderEvents.StatusRecorded(KEY, "X", MarketStatus.UNKNOWN, null, false, t(4)));
    assertEquals("NEEDS_MAPPING", row.status());
    apply(new OrderEvents.LineMapped(KEY, "GHOST", "B", 1, "ops", t(5)));
    assertEquals("RESERVING", row.status());
    assertEquals(Map.of("A", 2, "B", 1), Map.of("A", row.lines().get("A").quantity(), "B",
        row.lines().get("B").quantity()));
    assertEquals(2, row.lines().size(), "the unknown code's line is replaced");
    assertEquals(new BigDecimal("5"), row.lines().get("B").unitPrice(), "the replaced line keeps its price");
    // a journal written before the confirmation recorded the last reservation: every line has its SkuReserved
    apply(new OrderEvents.SkuReserved(KEY, "A", 2, t(6)));
    apply(new OrderEvents.SkuReserved(KEY, "B", 1, t(6)));
    apply(new OrderEvents.OrderConfirmed(KEY, Channel.SHOPEE, Map.of("A", 2, "B", 1), "628", null, t(6)));
    assertEquals("CONFIRMED", row.status());
    assertEquals(OrderRow.LineState.RESERVED, row.lines().get("B").state());
  }

  @Test
  void outOfStockThenCancelledOnTheMarketplace() {
    notifiedWithDetails(List.of(new OrderDetails.Line("A", 1, BigDecimal.ONE, "a", null)), List.of(), Map.of("A", 1));
    apply(new OrderEvents.OutOfStockDeclared(KEY, "A", 1, 0, "INSUFFICIENT_STOCK: none left", t(2)));
    assertEquals("OUT_OF_STOCK", row.status());
    assertEquals("out of stock: A requested 1, available 0 (INSUFFICIENT_STOCK: none left)", row.problem());
    apply(new OrderEvents.SkuReleased(KEY, "A", 0, t(3)));
    assertEquals(OrderLedger.STEP, row.pending(), "releasing its stock");
    apply(new OrderEvents.CompensationFinished(KEY, OrderEvents.OutOfStockAction.CANCEL_ON_MARKETPLACE, t(3)));
    assertEquals(OrderLedger.STEP, row.pending(), "the marketplace cancellation is still to be accepted");
    apply(new OrderEvents.StatusRecorded(KEY, "X", MarketStatus.UNKNOWN, null, false, t(3)));
    assertEquals(OrderLedger.STEP, row.pending(), "other events in the phase change nothing");
    apply(new OrderEvents.MarketplaceCancelled(KEY, t(4)));
    assertEquals(0, row.pending(), "done: never woken again (the soak's sweeper woke such orders forever)");
    assertEquals("OUT_OF_STOCK", row.status());
    assertEquals(t(4), row.updatedAt());
    assertEquals(OrderRow.LineState.RELEASED, row.lines().get("A").state());
  }

  @Test
  void anOrderHeldForAnOperatorWaitsForNothingAndABuyerMessageUntilItIsSentOrRefused() {
    notifiedWithDetails(List.of(new OrderDetails.Line("A", 1, BigDecimal.ONE, "a", null)), List.of(), Map.of("A", 1));
    apply(new OrderEvents.OutOfStockDeclared(KEY, "A", 1, 0, "INSUFFICIENT_STOCK", t(2)));
    apply(new OrderEvents.BuyerNotificationDue(KEY, OrderEvents.NotificationKind.SOLD_OUT, "p", null, "order_sold_out",
        "en", List.of(), t(2)));
    assertEquals(OrderLedger.STEP | OrderLedger.MESSAGE, row.pending());
    apply(new OrderEvents.SkuReleased(KEY, "A", 0, t(3)));
    apply(new OrderEvents.CompensationFinished(KEY, OrderEvents.OutOfStockAction.HOLD_FOR_OPERATOR, t(3)));
    assertEquals(OrderLedger.MESSAGE, row.pending(), "held for an operator: only the message is due");
    apply(new OrderEvents.BuyerNotified(KEY, OrderEvents.NotificationKind.SOLD_OUT, "wamid.1", t(4)));
    assertEquals(0, row.pending());

    // a confirmation's message is due until WhatsApp refuses it for good
    row = null;
    seq = 0;
    notifiedWithDetails(List.of(new OrderDetails.Line("A", 1, BigDecimal.ONE, "a", null)), List.of(), Map.of("A", 1));
    apply(new OrderEvents.OrderConfirmed(KEY, Channel.SHOPEE, Map.of("A", 1), "628", null, t(2)));
    apply(new OrderEvents.BuyerNotificationDue(KEY, OrderEvents.NotificationKind.CONFIRMED, "p", null, "order_confirmed",
        "en", List.of(), t(2)));
    assertEquals(OrderLedger.MESSAGE, row.pending());
    apply(new OrderEvents.BuyerNotificationFailed(KEY, OrderEvents.NotificationKind.CONFIRMED, "131026", "undeliverable",
        t(3)));
    assertEquals(0, row.pending());
  }

  @Test
  void aWhatsAppOrderOutOfStockHasNoMarketplaceCancellationToWaitFor() {
    apply(new OrderEvents.Notified("whatsapp|555|wamid.1", Channel.WHATSAPP, "555", "wamid.1", "UNPAID",
        MarketStatus.UNPAID, "m1", t(0)));
    apply(new OrderEvents.OutOfStockDeclared("whatsapp|555|wamid.1", "A", 1, 0, "INSUFFICIENT_STOCK", t(1)));
    apply(new OrderEvents.CompensationFinished("whatsapp|555|wamid.1",
        OrderEvents.OutOfStockAction.CANCEL_ON_MARKETPLACE, t(2)));
    assertEquals(0, row.pending(), "no marketplace API, so no cancellation is sent (OrderSaga.outstanding)");
  }

  @org.junit.jupiter.api.Test
  void everyOrderEventTypeHasALedgerMapping() {
    java.util.Set<Class<?>> all = java.util.Set.of(order.OrderEvents.Event.class.getPermittedSubclasses());
    java.util.Set<Class<?>> missing = new java.util.HashSet<>(all);
    missing.removeAll(OrderLedger.MAPPED);
    org.junit.jupiter.api.Assertions.assertEquals(java.util.Set.of(), missing, "events the ledger does not map");
  }
}
