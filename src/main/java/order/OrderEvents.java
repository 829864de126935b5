package order;

import common.CborSerializable;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What an order persists, and what the read side reads back. Stored with the class name (see
 * {@code infra.PersistedTypes}) and the record components as JSON field names: neither may change.
 */
public final class OrderEvents {
  private OrderEvents() {}

  /** Every event names its order and when it happened; tagged for the read side. */
  public sealed interface Event extends CborSerializable {
    String orderKey();

    Instant at();
  }

  public record Notified(String orderKey, Channel channel, String shopId, String orderId, String rawStatus,
                         MarketStatus status, String dedupId, Instant at) implements Event {}

  /** A later status report. {@code acted} is false when it did not move the order forward (duplicate, late). */
  public record StatusRecorded(String orderKey, String rawStatus, MarketStatus status, String dedupId,
                               boolean acted, Instant at) implements Event {}

  /**
   * Details known: lines grouped per master SKU; {@code unmapped} lists line references without a SKU code.
   * {@code holdUntil} is set for unpaid orders: their reservations expire unless payment arrives.
   */
  public record DetailsReceived(String orderKey, OrderDetails details, Map<String, Integer> skuLines,
                                List<String> unmapped, Instant holdUntil, Instant at, BuyerDataHeld buyerData)
      implements Event {}

  /**
   * Which of the buyer's values ({@code order.BuyerDataStore}, table buyer_data) were recorded for the order instead
   * of in {@code details}, and when they are erased. Null in events written before buyer data left the journal (their
   * details still carry the values) and when the order named no buyer.
   */
  public record BuyerDataHeld(boolean name, boolean phone, boolean address, Instant eraseAfter)
      implements CborSerializable {}

  public record LineMapped(String orderKey, String lineRef, String sku, int quantity, String by, Instant at)
      implements Event {}

  public record SkuReserved(String orderKey, String sku, int quantity, Instant at) implements Event {}

  public record TrackingRecorded(String orderKey, String trackingNumber, Instant at) implements Event {}

  public record SkuUnknown(String orderKey, String sku, Instant at) implements Event {}

  /**
   * Every line holds its reservation: this records the last line's (the ones before have a {@link SkuReserved}
   * each; journals written before this rule have one for the last line too, which changes nothing).
   */
  public record OrderConfirmed(String orderKey, Channel channel, Map<String, Integer> skuLines, String buyerPhone,
                          Instant holdUntil, Instant at) implements Event {}

  /** A line could not be reserved: compensation releases every SKU of the order. */
  public record OutOfStockDeclared(String orderKey, String sku, int requested, int available, String reason,
                                   Instant at) implements Event {}

  public record SkuReleased(String orderKey, String sku, int quantity, Instant at) implements Event {}

  /** Compensation done. {@code action}: what happens to the marketplace order. */
  public record CompensationFinished(String orderKey, OutOfStockAction action, Instant at) implements Event {}

  public record MarketplaceCancelled(String orderKey, Instant at) implements Event {}

  public record SkuHoldCleared(String orderKey, String sku, Instant at) implements Event {}

  public record ShipRequested(String orderKey, String trackingNumber, String by, Instant at) implements Event {}

  public record SkuCommitted(String orderKey, String sku, int quantity, Instant at) implements Event {}

  public record OrderShipped(String orderKey, Channel channel, String trackingNumber, String buyerPhone,
                        Map<String, Integer> skuLines, Instant at) implements Event {}

  public record OrderDelivered(String orderKey, Instant at) implements Event {}

  public record OrderCompleted(String orderKey, Instant at) implements Event {}

  public record CancelRequested(String orderKey, String by, String reason, Instant at) implements Event {}

  public record OrderCancelled(String orderKey, String by, String reason, Map<String, Integer> skuLines, Instant at)
      implements Event {}

  public record ReturnRequested(String orderKey, String by, Instant at) implements Event {}

  public record RestockRequested(String orderKey, String by, Instant at) implements Event {}

  public record SkuRestocked(String orderKey, String sku, int quantity, Instant at) implements Event {}

  public enum OutOfStockAction { CANCEL_ON_MARKETPLACE, HOLD_FOR_OPERATOR }

  /**
   * The buyer is to get a WhatsApp template message about {@code kind}. Persisted with the event it announces, so
   * the message is fixed once (a configuration change later does not re-notify old orders); sent until
   * {@link BuyerNotified} or {@link BuyerNotificationFailed} is persisted.
   *
   * @param to the buyer's phone number, digits only; null when it is in the buyer data store (orders recorded since
   *     buyer data left the journal): the sender reads it there when it sends
   */
  public record BuyerNotificationDue(String orderKey, NotificationKind kind, String phoneNumberId, String to,
                                     String template, String language, List<String> parameters, Instant at)
      implements Event {}

  /** WhatsApp accepted the message: {@code wamid} is its id, which delivery statuses name. */
  public record BuyerNotified(String orderKey, NotificationKind kind, String wamid, Instant at) implements Event {}

  /** WhatsApp refused the message for good (e.g. 131026 undeliverable): never sent again. */
  public record BuyerNotificationFailed(String orderKey, NotificationKind kind, String code, String reason,
                                        Instant at) implements Event {}

  /** SOLD_OUT: a WhatsApp or phone order the stock could not cover (no marketplace accepted it: no cancellation). */
  public enum NotificationKind { CONFIRMED, SHIPPED, SOLD_OUT }
}
