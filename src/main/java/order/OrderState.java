package order;

import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventHandlerBuilder;
import common.CborSerializable;
import order.BuyerNotifications.Notification;
import order.BuyerNotifications.NotificationStatus;
import order.OrderEvents.BuyerNotificationDue;
import order.OrderEvents.BuyerNotificationFailed;
import order.OrderEvents.BuyerNotified;
import order.OrderEvents.CancelRequested;
import order.OrderEvents.CompensationFinished;
import order.OrderEvents.DetailsReceived;
import order.OrderEvents.Event;
import order.OrderEvents.LineMapped;
import order.OrderEvents.MarketplaceCancelled;
import order.OrderEvents.Notified;
import order.OrderEvents.OrderCancelled;
import order.OrderEvents.OrderCompleted;
import order.OrderEvents.OrderConfirmed;
import order.OrderEvents.OrderDelivered;
import order.OrderEvents.OrderShipped;
import order.OrderEvents.OutOfStockAction;
import order.OrderEvents.OutOfStockDeclared;
import order.OrderEvents.RestockRequested;
import order.OrderEvents.ReturnRequested;
import order.OrderEvents.ShipRequested;
import order.OrderEvents.SkuCommitted;
import order.OrderEvents.SkuHoldCleared;
import order.OrderEvents.SkuReleased;
import order.OrderEvents.SkuReserved;
import order.OrderEvents.SkuRestocked;
import order.OrderEvents.SkuUnknown;
import order.OrderEvents.StatusRecorded;
import order.OrderEvents.TrackingRecorded;

/**
 * The order's phases, one type each, and how every event changes them: each event is applied by a method of the
 * state it happens in. Most events change an order the same way in every phase, so {@link Known} applies them; a
 * phase that differs overrides the method.
 */
public final class OrderState {
  private OrderState() {}

  public sealed interface State extends CborSerializable permits Blank, Known {
    Phase phase();

    /** What the order knows; null before its first event. */
    OrderData data();

    /**
     * The order is giving its stock back (out of stock, or cancelled) and not every SKU has confirmed yet: a SKU may
     * still hold units whose reply was lost.
     */
    default boolean releasing() {
      return false;
    }
  }

  /** No event yet: the order does not exist. */
  public record Blank() implements State {
    @Override public Phase phase() { return Phase.NONE; }
    @Override public OrderData data() { return null; }

    Fetching onNotified(Notified e) {
      return new Fetching(OrderData.create(e));
    }
  }

  /** An order this service knows: every phase after the first event. Each carries the same {@link OrderData}. */
  public sealed interface Known extends State permits Fetching, Reserving, NeedsMapping, Confirmed, OutOfStock,
      Shipping, Shipped, Delivered, Completed, Cancelling, Cancelled, Returned {

    /** Same phase, new data. */
    Known withData(OrderData data);

    /** A later notification of the same order is recorded by the {@link StatusRecorded} that follows it. */
    default Known onNotified(Notified e) {
      return this;
    }

    default Known onStatusRecorded(StatusRecorded e) {
      return withData(data().withStatus(e));
    }

    default Known onDetailsReceived(DetailsReceived e) {
      OrderData d = data().withDetails(e);
      return d.contents().unmapped().isEmpty() ? new Reserving(d) : new NeedsMapping(d);
    }

    default Known onLineMapped(LineMapped e) {
      OrderData d = data().withMapped(e);
      if (d.allReserved()) return new Confirmed(d);
      return nothingToMap(d) ? new Reserving(d) : new NeedsMapping(d);
    }

    default Known onSkuReserved(SkuReserved e) {
      return withData(data().withReserved(e.sku(), e.quantity(), e.at()));
    }

    default Known onTrackingRecorded(TrackingRecorded e) {
      return withData(data().withTracking(e.trackingNumber(), e.at()));
    }

    default Known onSkuUnknown(SkuUnknown e) {
      return new NeedsMapping(data().withUnknown(e.sku(), e.at()));
    }

    default Known onOrderConfirmed(OrderConfirmed e) {
      return new Confirmed(data().withAllReserved(e.skuLines(), e.at()));
    }

    default Known onOutOfStockDeclared(OutOfStockDeclared e) {
      return new OutOfStock(data().withProblem("out of stock: " + e.sku() + " requested " + e.requested()
          + ", available " + e.available() + " (" + e.reason() + ")", e.at()), false, null, false);
    }

    default Known onSkuReleased(SkuReleased e) {
      return withData(data().withReleased(e.sku(), e.at()));
    }

    default Known onCompensationFinished(CompensationFinished e) {
      return new OutOfStock(data().touch(e.at()), true, e.action(), false);
    }

    /** Only an out-of-stock order is cancelled on the marketplace by the saga; elsewhere this changes nothing. */
    default Known onMarketplaceCancelled(MarketplaceCancelled e) {
      return this;
    }

    default Known onSkuHoldCleared(SkuHoldCleared e) {
      return withData(data().withHoldCleared(e.sku(), e.at()));
    }

    default Known onShipRequested(ShipRequested e) {
      return new Shipping(data().withTracking(e.trackingNumber(), e.at()));
    }

    default Known onSkuCommitted(SkuCommitted e) {
      return withData(data().withCommitted(e.sku(), e.at()));
    }

    default Known onOrderShipped(OrderShipped e) {
      return new Shipped(data().touch(e.at()));
    }

    default Known onOrderDelivered(OrderDelivered e) {
      return new Delivered(data().touch(e.at()));
    }

    default Known onOrderCompleted(OrderCompleted e) {
      return new Completed(data().touch(e.at()));
    }

    default Known onCancelRequested(CancelRequested e) {
      return new Cancelling(data().touch(e.at()), e.by(), e.reason());
    }

    default Known onOrderCancelled(OrderCancelled e) {
      return new Cancelled(data().touch(e.at()), e.by(), e.reason());
    }

    default Known onReturnRequested(ReturnRequested e) {
      return new Returned(data().touch(e.at()), false);
    }

    default Known onRestockRequested(RestockRequested e) {
      return new Returned(data().touch(e.at()), true);
    }

    default Known onSkuRestocked(SkuRestocked e) {
      return withData(data().withRestocked(e.sku(), e.at()));
    }

    default Known onBuyerNotificationDue(BuyerNotificationDue e) {
      return withData(data().withNotification(Notification.due(e)));
    }

    default Known onBuyerNotified(BuyerNotified e) {
      return withData(data().withNotification(
          data().notification(e.kind()).settled(NotificationStatus.SENT, e.wamid(), null, e.at())));
    }

    default Known onBuyerNotificationFailed(BuyerNotificationFailed e) {
      return withData(data().withNotification(data().notification(e.kind())
          .settled(NotificationStatus.FAILED, null, e.code() + ": " + e.reason(), e.at())));
    }
  }

  private static boolean nothingToMap(OrderData d) {
    return d.contents().unmapped().isEmpty() && d.contents().unknownSkus().isEmpty();
  }

  /** Details asked from the shop adapter. */
  public record Fetching(OrderData data) implements Known {
    @Override public Phase phase() { return Phase.NOTIFIED; }
    @Override public Known withData(OrderData d) { return new Fetching(d); }
  }

  public record Reserving(OrderData data) implements Known {
    @Override public Phase phase() { return Phase.RESERVING; }
    @Override public Known withData(OrderData d) { return new Reserving(d); }
  }

  /** A line has no SKU code, or its SKU is unknown; the order resumes reserving once nothing is left to map. */
  public record NeedsMapping(OrderData data) implements Known {
    @Override public Phase phase() { return Phase.NEEDS_MAPPING; }
    @Override public Known withData(OrderData d) { return nothingToMap(d) ? new Reserving(d) : new NeedsMapping(d); }
  }

  public record Confirmed(OrderData data) implements Known {
    @Override public Phase phase() { return Phase.CONFIRMED; }
    @Override public Known withData(OrderData d) { return new Confirmed(d); }
  }

  /**
   * A line could not be reserved. {@code compensated} once every SKU of the order was released; then {@code action}
   * says what happens on the marketplace, {@code marketplaceCancelled} once the adapter confirmed.
   */
  public record OutOfStock(OrderData data, boolean compensated, OutOfStockAction action,
                           boolean marketplaceCancelled) implements Known {
    @Override public Phase phase() { return Phase.OUT_OF_STOCK; }
    @Override public Known withData(OrderData d) {
      return new OutOfStock(d, compensated, action, marketplaceCancelled);
    }
    @Override public boolean releasing() { return !compensated; }

    @Override
    public Known onMarketplaceCancelled(MarketplaceCancelled e) {
      return new OutOfStock(data.touch(e.at()), compensated, action, true);
    }
  }

  /** Committing stock. */
  public record Shipping(OrderData data) implements Known {
    @Override public Phase phase() { return Phase.SHIPPING; }
    @Override public Known withData(OrderData d) { return new Shipping(d); }
  }

  public record Shipped(OrderData data) implements Known {
    @Override public Phase phase() { return Phase.SHIPPED; }
    @Override public Known withData(OrderData d) { return new Shipped(d); }
  }

  public record Delivered(OrderData data) implements Known {
    @Override public Phase phase() { return Phase.DELIVERED; }
    @Override public Known withData(OrderData d) { return new Delivered(d); }
  }

  public record Completed(OrderData data) implements Known {
    @Override public Phase phase() { return Phase.COMPLETED; }
    @Override public Known withData(OrderData d) { return new Completed(d); }
  }

  /** Releasing every SKU before shipping. */
  public record Cancelling(OrderData data, String by, String reason) implements Known {
    @Override public Phase phase() { return Phase.CANCELLING; }
    @Override public Known withData(OrderData d) { return new Cancelling(d, by, reason); }
    @Override public boolean releasing() { return true; }
  }

  public record Cancelled(OrderData data, String by, String reason) implements Known {
    @Override public Phase phase() { return Phase.CANCELLED; }
    @Override public Known withData(OrderData d) { return new Cancelled(d, by, reason); }
  }

  /** Goods on their way back. {@code restocking} once an operator confirmed; done when every SKU is restocked. */
  public record Returned(OrderData data, boolean restocking) implements Known {
    @Override public Phase phase() { return Phase.RETURNED; }
    @Override public Known withData(OrderData d) { return new Returned(d, restocking); }
  }

  /** Which state method applies which event (the entity's event handler). */
  static EventHandler<State, Event> eventHandler(EventHandlerBuilder<State, Event> b) {
    b.forStateType(Blank.class)
        .onEvent(Notified.class, Blank::onNotified);
    b.forStateType(Known.class)
        .onEvent(Notified.class, Known::onNotified)
        .onEvent(StatusRecorded.class, Known::onStatusRecorded)
        .onEvent(DetailsReceived.class, Known::onDetailsReceived)
        .onEvent(LineMapped.class, Known::onLineMapped)
        .onEvent(SkuReserved.class, Known::onSkuReserved)
        .onEvent(TrackingRecorded.class, Known::onTrackingRecorded)
        .onEvent(SkuUnknown.class, Known::onSkuUnknown)
        .onEvent(OrderConfirmed.class, Known::onOrderConfirmed)
        .onEvent(OutOfStockDeclared.class, Known::onOutOfStockDeclared)
        .onEvent(SkuReleased.class, Known::onSkuReleased)
        .onEvent(CompensationFinished.class, Known::onCompensationFinished)
        .onEvent(MarketplaceCancelled.class, Known::onMarketplaceCancelled)
        .onEvent(SkuHoldCleared.class, Known::onSkuHoldCleared)
        .onEvent(ShipRequested.class, Known::onShipRequested)
        .onEvent(SkuCommitted.class, Known::onSkuCommitted)
        .onEvent(OrderShipped.class, Known::onOrderShipped)
        .onEvent(OrderDelivered.class, Known::onOrderDelivered)
        .onEvent(OrderCompleted.class, Known::onOrderCompleted)
        .onEvent(CancelRequested.class, Known::onCancelRequested)
        .onEvent(OrderCancelled.class, Known::onOrderCancelled)
        .onEvent(ReturnRequested.class, Known::onReturnRequested)
        .onEvent(RestockRequested.class, Known::onRestockRequested)
        .onEvent(SkuRestocked.class, Known::onSkuRestocked)
        .onEvent(BuyerNotificationDue.class, Known::onBuyerNotificationDue)
        .onEvent(BuyerNotified.class, Known::onBuyerNotified)
        .onEvent(BuyerNotificationFailed.class, Known::onBuyerNotificationFailed);
    return b.build();
  }
}
