package readside.ledger;

import common.MarketStatus;
import common.OrderDetails;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;
import order.OrderEvents.Event;
import order.OrderEvents;
import order.Phase;

/**
 * Applies one order event to the order's read-side row: a pure function, the same transitions as the entity's
 * event handler (phase names from {@link Phase}), kept next to nothing but the row so it can be checked event by
 * event. Idempotent: an event whose sequence number is not above the row's
 * {@code lastEventSeq} changes nothing.
 */
public final class OrderLedger {
  private static final java.util.Set<Class<?>> IGNORED_WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** The event types {@link #apply} maps (tests check this covers every {@code OrderEvents.Event}). */
  public static final java.util.Set<Class<?>> MAPPED = java.util.Set.of(OrderEvents.Notified.class,
      OrderEvents.StatusRecorded.class, OrderEvents.DetailsReceived.class, OrderEvents.LineMapped.class,
      OrderEvents.SkuReserved.class, OrderEvents.SkuUnknown.class, OrderEvents.OrderConfirmed.class,
      OrderEvents.OutOfStockDeclared.class, OrderEvents.SkuReleased.class, OrderEvents.CompensationFinished.class,
      OrderEvents.MarketplaceCancelled.class, OrderEvents.SkuHoldCleared.class, OrderEvents.ShipRequested.class,
      OrderEvents.SkuCommitted.class, OrderEvents.OrderShipped.class, OrderEvents.OrderDelivered.class,
      OrderEvents.OrderCompleted.class, OrderEvents.CancelRequested.class, OrderEvents.OrderCancelled.class,
      OrderEvents.ReturnRequested.class, OrderEvents.RestockRequested.class, OrderEvents.SkuRestocked.class,
      OrderEvents.TrackingRecorded.class, OrderEvents.BuyerNotificationDue.class, OrderEvents.BuyerNotified.class,
      OrderEvents.BuyerNotificationFailed.class);

  /** {@link OrderRow#pending}: a step of the saga (a peer's answer, a marketplace cancellation, a restock) is due. */
  public static final int STEP = 1;
  /** {@link OrderRow#pending}: a buyer message is due and not yet sent or refused for good. */
  public static final int MESSAGE = 2;

  private OrderLedger() {}

  /**
   * @param current the row as stored, or null when the order has none yet
   * @return the row after the event, or null when nothing is to be written (seen already, or no row to apply to)
   */
  public static OrderRow apply(OrderRow current, Event event, long sequenceNr) {
    if (current == null) {
      return event instanceof OrderEvents.Notified n ? created(n, sequenceNr) : null;
    }
    if (sequenceNr <= current.lastEventSeq) return null;
    OrderRow row = current.copy();
    row.lastEventSeq = sequenceNr;
    Instant at = event.at();

    if (event instanceof OrderEvents.Notified) {
      // a notification of a known order is recorded by StatusRecorded; the phase does not change
    } else if (event instanceof OrderEvents.StatusRecorded e) {
      if (e.acted() && (row.marketStatus == null || e.status().rank() > row.marketStatus.rank())) row.marketStatus = e.status();
      touchKeepingPhase(row, at);
    } else if (event instanceof OrderEvents.DetailsReceived e) {
      details(row, e);
      row.status = row.unmapped.isEmpty() ? Phase.RESERVING.name() : Phase.NEEDS_MAPPING.name();
      row.updatedAt = at;
    } else if (event instanceof OrderEvents.LineMapped e) {
      mapped(row, e);
      row.status = allReserved(row) ? Phase.CONFIRMED.name()
          : row.unmapped.isEmpty() && noUnknownSku(row) ? Phase.RESERVING.name() : Phase.NEEDS_MAPPING.name();
      row.updatedAt = at;
    } else if (event instanceof OrderEvents.SkuReserved e) {
      line(row, e.sku(), OrderRow.LineState.RESERVED);
      touchKeepingPhase(row, at);
    } else if (event instanceof OrderEvents.SkuUnknown e) {
      line(row, e.sku(), OrderRow.LineState.UNKNOWN_SKU);
      row.problem = "unknown SKU " + e.sku();
      row.status = Phase.NEEDS_MAPPING.name();
      row.updatedAt = at;
    } else if (event instanceof OrderEvents.OrderConfirmed e) {
      // the confirmation records the last line's reservation (see OrderEvents.OrderConfirmed)
      for (String sku : e.skuLines().keySet()) {
        OrderRow.Line line = row.lines.get(sku);
        if (line != null && !line.state().holdsReservation()) line(row, sku, OrderRow.LineState.RESERVED);
      }
      row.status = Phase.CONFIRMED.name();
      row.confirmedAt = at;
      row.updatedAt = at;
    } else if (event instanceof OrderEvents.OutOfStockDeclared e) {
      row.status = Phase.OUT_OF_STOCK.name();
      row.problem = "out of stock: " + e.sku() + " requested " + e.requested() + ", available " + e.available()
          + " (" + e.reason() + ")";
      row.updatedAt = at;
    } else if (event instanceof OrderEvents.SkuReleased e) {
      line(row, e.sku(), OrderRow.LineState.RELEASED);
      touchKeepingPhase(row, at);
    } else if (event instanceof OrderEvents.CompensationFinished) {
      row.status = Phase.OUT_OF_STOCK.name();
      row.updatedAt = at;
    } else if (event instanceof OrderEvents.MarketplaceCancelled) {
      if (Phase.OUT_OF_STOCK.name().equals(row.status)) row.updatedAt = at; // elsewhere the entity ignores it
    } else if (event instanceof OrderEvents.SkuHoldCleared) {
      touchKeepingPhase(row, at);
    } else if (event instanceof OrderEvents.ShipRequested e) {
      row.status = Phase.SHIPPING.name();
      if (e.trackingNumber() != null) row.trackingNumber = e.trackingNumber();
      row.updatedAt = at;
    } else if (event instanceof OrderEvents.SkuCommitted e) {
      line(row, e.sku(), OrderRow.LineState.COMMITTED);
      touchKeepingPhase(row, at);
    } else if (event instanceof OrderEvents.OrderShipped) {
      row.status = Phase.SHIPPED.name();
      row.shippedAt = at;
      row.updatedAt = at;
    } else if (event instanceof OrderEvents.OrderDelivered) {
      phase(row, Phase.DELIVERED, at);
    } else if (event instanceof OrderEvents.OrderCompleted) {
      phase(row, Phase.COMPLETED, at);
    } else if (event instanceof OrderEvents.CancelRequested) {
      phase(row, Phase.CANCELLING, at);
    } else if (event instanceof OrderEvents.OrderCancelled) {
      phase(row, Phase.CANCELLED, at);
    } else if (event instanceof OrderEvents.ReturnRequested || event instanceof OrderEvents.RestockRequested) {
      phase(row, Phase.RETURNED, at);
    } else if (event instanceof OrderEvents.SkuRestocked e) {
      line(row, e.sku(), OrderRow.LineState.RESTOCKED);
      touchKeepingPhase(row, at);
    } else if (event instanceof OrderEvents.TrackingRecorded e) {
      row.trackingNumber = e.trackingNumber();
      touchKeepingPhase(row, at);
    } else if (event instanceof OrderEvents.BuyerNotificationDue || event instanceof OrderEvents.BuyerNotified
        || event instanceof OrderEvents.BuyerNotificationFailed) {
      // buyer messages are shown from outbound_messages; the ledger row only advances its sequence number
    } else if (!IGNORED_WARNED.contains(event.getClass())) {
      // never stall the ledger on an event it does not know (OrderLedgerTest checks every event type is mapped)
      IGNORED_WARNED.add(event.getClass());
      org.slf4j.LoggerFactory.getLogger(OrderLedger.class).warn("No ledger mapping for {}", event.getClass().getName());
    }
    row.pending = pendingAfter(row, event);
    return row;
  }

  /**
   * What the order waits for after {@code event}, as the entity's state says it: a waiting phase waits for its step,
   * except an out-of-stock order whose compensation is done (and, when it cancels on the marketplace, the
   * marketplace cancelled it) and a returned order that is not restocking; a buyer message waits until it is sent
   * or refused for good.
   */
  private static int pendingAfter(OrderRow row, Event event) {
    int pending = row.pending;
    if (event instanceof OrderEvents.BuyerNotificationDue) pending |= MESSAGE;
    if (event instanceof OrderEvents.BuyerNotified || event instanceof OrderEvents.BuyerNotificationFailed) {
      pending &= ~MESSAGE;
    }
    boolean step;
    if (event instanceof OrderEvents.OutOfStockDeclared) {
      step = true;
    } else if (event instanceof OrderEvents.CompensationFinished e) {
      // as OrderSaga.outstanding: only a channel with a marketplace API has a cancellation to send
      step = e.action() == OrderEvents.OutOfStockAction.CANCEL_ON_MARKETPLACE && row.channel.hasMarketplaceApi();
    } else if (event instanceof OrderEvents.MarketplaceCancelled && Phase.OUT_OF_STOCK.name().equals(row.status)) {
      step = false;
    } else if (event instanceof OrderEvents.ReturnRequested) {
      step = false; // an operator confirms the restock
    } else if (event instanceof OrderEvents.RestockRequested || event instanceof OrderEvents.SkuRestocked) {
      step = row.lines.values().stream().anyMatch(l -> l.state() == OrderRow.LineState.COMMITTED);
    } else if (Phase.OUT_OF_STOCK.name().equals(row.status) || Phase.RETURNED.name().equals(row.status)) {
      step = (pending & STEP) != 0; // within these phases only the events above change it
    } else {
      step = Phase.valueOf(row.status).waitsForSomething();
    }
    return step ? pending | STEP : pending & ~STEP;
  }

  private static OrderRow created(OrderEvents.Notified e, long sequenceNr) {
    OrderRow row = new OrderRow();
    row.orderKey = e.orderKey();
    row.channel = e.channel();
    row.shopId = e.shopId();
    row.orderId = e.orderId();
    row.status = Phase.NOTIFIED.name();
    row.marketStatus = e.status();
    row.createdAt = e.at();
    row.updatedAt = e.at();
    row.lastEventSeq = sequenceNr;
    row.pending = STEP;
    return row;
  }

  private static void phase(OrderRow row, Phase phase, Instant at) {
    row.status = phase.name();
    row.updatedAt = at;
  }

  /** Same phase with new data; as in {@code NeedsMapping.withData}, an order with nothing left to map resumes. */
  private static void touchKeepingPhase(OrderRow row, Instant at) {
    row.updatedAt = at;
    if (Phase.NEEDS_MAPPING.name().equals(row.status) && row.unmapped.isEmpty() && noUnknownSku(row)) {
      row.status = Phase.RESERVING.name();
    }
  }

  private static void details(OrderRow row, OrderEvents.DetailsReceived e) {
    OrderDetails d = e.details();
    MarketStatus fetched = d.marketStatus();
    if (fetched != null && (row.marketStatus == null || fetched.rank() > row.marketStatus.rank())) row.marketStatus = fetched;
    row.buyerName = d.buyerName();
    row.buyerPhone = d.buyerPhone();
    row.currency = d.currency();
    row.totalAmount = d.totalAmount();
    Map<String, OrderRow.Line> lines = new TreeMap<>();
    for (Map.Entry<String, Integer> sku : e.skuLines().entrySet()) {
      OrderRow.Line before = row.lines.get(sku.getKey());
      // the entity forgets unknown SKUs on new details but keeps its reservations
      OrderRow.LineState state = before != null && before.state().holdsReservation()
          ? before.state() : OrderRow.LineState.PENDING;
      lines.put(sku.getKey(), new OrderRow.Line(sku.getValue(), unitPrice(d, sku.getKey()), state));
    }
    row.lines = lines;
    row.unmapped = new ArrayList<>(e.unmapped());
  }

  /** Price of one unit of {@code sku}: of the first line of that SKU that has one. */
  private static BigDecimal unitPrice(OrderDetails details, String sku) {
    if (details.lines() == null) return null;
    for (OrderDetails.Line line : details.lines()) {
      if (sku.equals(line.sellerSku()) && line.unitPrice() != null) return line.unitPrice();
    }
    return null;
  }

  private static void mapped(OrderRow row, OrderEvents.LineMapped e) {
    row.unmapped.remove(e.lineRef());
    OrderRow.Line replaced = row.lines.get(e.lineRef());
    BigDecimal price = null;
    if (replaced != null && replaced.state() == OrderRow.LineState.UNKNOWN_SKU) {
      row.lines.remove(e.lineRef()); // the unknown code is replaced by the mapped SKU
      price = replaced.unitPrice();
    }
    OrderRow.Line existing = row.lines.get(e.sku());
    row.lines.put(e.sku(), existing == null
        ? new OrderRow.Line(e.quantity(), price, OrderRow.LineState.PENDING)
        : new OrderRow.Line(existing.quantity() + e.quantity(), existing.unitPrice(), existing.state()));
  }

  private static void line(OrderRow row, String sku, OrderRow.LineState state) {
    OrderRow.Line line = row.lines.get(sku);
    if (line != null) row.lines.put(sku, line.withState(state));
  }

  private static boolean noUnknownSku(OrderRow row) {
    return row.lines.values().stream().noneMatch(l -> l.state() == OrderRow.LineState.UNKNOWN_SKU);
  }

  /** As {@code OrderData.allReserved}: nothing unmapped or unknown, and every line holds its reservation. */
  private static boolean allReserved(OrderRow row) {
    return row.unmapped.isEmpty() && row.lines.values().stream().allMatch(l -> l.state().holdsReservation());
  }
}
