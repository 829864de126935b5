package marketplace;

import common.CborSerializable;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * What an inbound marketplace webhook says, parsed by its channel's parser ({@code marketplace.channels.WebhookParser}).
 * Each event names its channel and a de-duplication key: platforms deliver at least once, so the receiver drops an
 * event whose key it has seen.
 */
public sealed interface WebhookEvent extends CborSerializable {

  Channel channel();

  /** Stable id of this delivery's content for de-duplication; null only for events that need none. */
  String dedupKey();

  /** Shopee push code 3. {@code dedupKey} is msg_id when sent, else order + status + update time. */
  record ShopeeOrderStatus(String shopId, String orderSn, String status, MarketStatus marketStatus,
      Instant updatedAt, String msgId) implements WebhookEvent {
    public Channel channel() {
      return Channel.SHOPEE;
    }

    public String dedupKey() {
      return msgId != null ? "shopee:" + msgId
          : "shopee:" + shopId + ":" + orderSn + ":" + status + ":" + (updatedAt == null ? "" : updatedAt.getEpochSecond());
    }
  }

  /** Shopee push code 0, sent from the console when the callback URL is registered: must get a 2xx. */
  record ShopeeVerification(String verifyInfo) implements WebhookEvent {
    public Channel channel() {
      return Channel.SHOPEE;
    }

    public String dedupKey() {
      return null;
    }
  }

  /**
   * Shopee push code 4. Field names are UNSURE in the docs: {@code trackingNumber} is null when not recognised; fetch
   * it with get_tracking_number.
   */
  record ShopeeTracking(String shopId, String orderSn, String trackingNumber, String msgId) implements WebhookEvent {
    public Channel channel() {
      return Channel.SHOPEE;
    }

    public String dedupKey() {
      return msgId != null ? "shopee:" + msgId : "shopee:" + shopId + ":" + orderSn + ":tracking:" + trackingNumber;
    }
  }

  /**
   * Shopee pushes 7 ({@code item_promotion_push}), 8 ({@code reserved_stock_change_push}) and 9
   * ({@code promotion_update_push}): stock reserved for a promotion on one model, changed. Changes no order: the
   * order behind a code 8 arrives through code 3, so this never deducts stock.
   *
   * @param modelId the push's {@code variation_id} (0: an item without models, or the whole item for code 9)
   * @param action as pushed: {@code promo_lock_stock}, {@code promo_cancelled}, {@code promo_end} (7);
   *     {@code place_order}, {@code cancel_order} (8); {@code added_in_promo}, {@code removed_from_promo},
   *     {@code promo_time_updated} (9)
   * @param reservedStock the model's reserved stock for this promotion after the change; null when the push does
   *     not say (code 9 of a promotion without reserved stock)
   * @param ended the promotion no longer holds this model's stock (promo_end, promo_cancelled, removed_from_promo):
   *     its unsold remainder returns to normal stock
   * @param dedupKey msg_id when sent, else code + shop + model + promotion + action + (order) + update time
   */
  record PromotionStock(Channel channel, String shopId, String itemId, String modelId, String promotionId,
      String promotionType, String action, Integer reservedStock, boolean ended, Instant at, String dedupKey)
      implements WebhookEvent {}

  /** TikTok type 1 ORDER_STATUS_CHANGE. */
  record TikTokOrderStatus(String shopId, String orderId, String status, MarketStatus marketStatus, boolean onHold,
      Instant updatedAt, String notificationId) implements WebhookEvent {
    public Channel channel() {
      return Channel.TIKTOK;
    }

    public String dedupKey() {
      return "tiktok:" + notificationId;
    }
  }

  /** TikTok type 11 CANCELLATION_STATUS_CHANGE. */
  record TikTokCancellation(String shopId, String orderId, String cancelStatus, String cancellationsRole,
      String cancelId, String notificationId) implements WebhookEvent {
    public Channel channel() {
      return Channel.TIKTOK;
    }

    public String dedupKey() {
      return "tiktok:" + notificationId;
    }
  }

  /**
   * A WhatsApp catalog order: the full order arrives in the webhook, no fetch needed.
   *
   * @param phoneNumberId our business number's id (metadata.phone_number_id), the "shop" of this channel
   * @param messageId the order key (wamid...)
   * @param buyerPhone the sender's digits ({@code from}); never logged
   */
  record WhatsAppOrder(String phoneNumberId, String messageId, String buyerPhone, String buyerName, Instant sentAt,
      String catalogId, String note, String currency, List<OrderDetails.Line> lines) implements WebhookEvent {
    public Channel channel() {
      return Channel.WHATSAPP;
    }

    public String dedupKey() {
      return "whatsapp:" + messageId;
    }

    public BigDecimal total() {
      return lines.stream().map(l -> l.unitPrice().multiply(BigDecimal.valueOf(l.quantity())))
          .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** The order in the shared shape. Not paid yet: payment is arranged in the chat, so it starts UNPAID. */
    public OrderDetails toOrderDetails() {
      return new OrderDetails(Channel.WHATSAPP, phoneNumberId, messageId, "order", MarketStatus.UNPAID, buyerName,
          buyerPhone, null, currency, total(), lines, sentAt, sentAt);
    }

    @Override
    public String toString() {
      return "WhatsAppOrder[" + messageId + ", phoneNumberId=" + phoneNumberId + ", lines=" + lines.size() + "]";
    }
  }

  /** Delivery status of a message we sent. Arrival order is not guaranteed: compare {@code at}. */
  record WhatsAppDelivery(String phoneNumberId, String messageId, String status, Instant at, String recipientId,
      List<DeliveryError> errors) implements WebhookEvent {
    public Channel channel() {
      return Channel.WHATSAPP;
    }

    public String dedupKey() {
      return "whatsapp:" + messageId + ":" + status;
    }
  }

  record DeliveryError(int code, String title) implements CborSerializable {}

  /** A buyer's text message, for an operator to read. */
  record WhatsAppText(String phoneNumberId, String messageId, String from, String name, Instant at, String body)
      implements WebhookEvent {
    public Channel channel() {
      return Channel.WHATSAPP;
    }

    public String dedupKey() {
      return "whatsapp:" + messageId;
    }

    @Override
    public String toString() {
      return "WhatsAppText[" + messageId + ", phoneNumberId=" + phoneNumberId + "]";
    }
  }

  /** A well-formed notification this service does not act on (acknowledge it with 2xx). */
  record Ignored(Channel channel, String kind, String dedupKey) implements WebhookEvent {}

  /**
   * A shop's authorisation as the platform reports it: Shopee push 1 (AUTHORISED), 2 (DEAUTHORISED, also on expiry)
   * and 12 (EXPIRING: {@code endsAt} is a batch cut-off), TikTok webhook 6 (DEAUTHORISED) and 7 (EXPIRING).
   */
  record ShopAuthorisation(Channel channel, List<String> shopIds, Change change, String reason, Instant endsAt)
      implements WebhookEvent {
    public enum Change { AUTHORISED, DEAUTHORISED, EXPIRING }

    /** Recorded in an entity whose state makes a repeat harmless: no de-duplication key needed. */
    @Override
    public String dedupKey() {
      return null;
    }
  }
}
