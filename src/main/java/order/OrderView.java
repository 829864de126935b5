package order;

import common.CborSerializable;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import order.BuyerNotifications.Notification;
import order.BuyerNotifications.NotificationStatus;
import order.OrderEvents.NotificationKind;
import order.OrderState.State;

/**
 * An order as the admin API shows it (GET /admin/orders/...): the answer to {@link OrderEntity.Get} and to every
 * operator command.
 *
 * @param releasing the order is giving its stock back (out of stock, or cancelled) and not every SKU has
 *     confirmed yet: {@code reserved} may be empty while a SKU still holds units whose reply was lost
 */
public record OrderView(String orderKey, Channel channel, String shopId, String orderId, String phase,
                        String marketStatusRaw, MarketStatus marketStatus, Map<String, Integer> lines,
                        Map<String, Integer> reserved, boolean releasing, List<String> unmapped,
                        Set<String> unknownSkus,
                        Instant holdUntil, String trackingNumber, String problem, String buyerName,
                        String currency, java.math.BigDecimal totalAmount, Instant createdAt, Instant updatedAt,
                        List<NotificationView> notifications)
    implements CborSerializable {
  static OrderView of(State state) {
    OrderData d = state.data();
    OrderData.Identity id = d.identity();
    OrderData.Contents contents = d.contents();
    OrderDetails details = contents.details();
    return new OrderView(id.orderKey(), id.channel(), id.shopId(), id.orderId(), state.phase().name(),
        d.market().rawStatus(), d.market().status(), contents.skuLines(), d.stock().reserved(), state.releasing(),
        contents.unmapped(), contents.unknownSkus(), d.stock().holdUntil(),
        d.trackingNumber(), d.problem(), details == null ? null : details.buyerName(),
        details == null ? null : details.currency(), details == null ? null : details.totalAmount(),
        id.createdAt(), d.updatedAt(), d.notifications().stream().map(NotificationView::of).toList());
  }

  /** The buyer's name from the buyer data store, for an order whose events carry none. */
  public OrderView withBuyerName(String name) {
    return new OrderView(orderKey, channel, shopId, orderId, phase, marketStatusRaw, marketStatus, lines, reserved,
        releasing, unmapped, unknownSkus, holdUntil, trackingNumber, problem, name, currency, totalAmount, createdAt,
        updatedAt, notifications);
  }

  public OrderView withNotifications(List<NotificationView> views) {
    return new OrderView(orderKey, channel, shopId, orderId, phase, marketStatusRaw, marketStatus, lines, reserved,
        releasing, unmapped, unknownSkus, holdUntil, trackingNumber, problem, buyerName, currency, totalAmount, createdAt,
        updatedAt, List.copyOf(views));
  }

  /**
   * A buyer notification in the admin view. {@code status} is the order's record (PENDING, SENT, FAILED);
   * {@code delivery*} is WhatsApp's latest delivery status of the message, filled in by the admin route from the
   * outbound_messages table (null until a status arrived).
   */
  public record NotificationView(NotificationKind kind, NotificationStatus status, String wamid, String error,
                                 Instant at, String deliveryStatus, Instant deliveryAt, String deliveryErrors)
      implements CborSerializable {
    static NotificationView of(Notification n) {
      return new NotificationView(n.kind(), n.status(), n.wamid(), n.error(), n.at(), null, null, null);
    }

    public NotificationView withDelivery(String status, Instant statusAt, String errors) {
      return new NotificationView(kind, this.status, wamid, error, at, status, statusAt, errors);
    }
  }
}
