package marketplace.tiktok;

import static marketplace.JsonTrees.*;

import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import marketplace.WebhookEvent;

/**
 * Parses TikTok Shop's notifications (already signature-checked) into {@link WebhookEvent}s. Pure functions:
 * malformed JSON or a missing required field throws MarketParseException naming the field.
 */
public final class TikTokNotifications {
  private TikTokNotifications() {}

  public static WebhookEvent read(byte[] body) {
    String where = "TikTok notification";
    JsonNode root = parse(body, where);
    int type = (int) longValue(root, "type", where);
    if (type == 6 || type == 7) {
      String shopId = text(root, "shop_id", where);
      JsonNode data = root.path("data");
      if (type == 6) {
        return new WebhookEvent.ShopAuthorisation(Channel.TIKTOK, java.util.List.of(shopId),
            WebhookEvent.ShopAuthorisation.Change.DEAUTHORISED, optText(data, "message"), null);
      }
      String expiration = optText(data, "expiration_time");
      java.time.Instant endsAt = null;
      try {
        if (expiration != null) endsAt = java.time.Instant.ofEpochSecond(Long.parseLong(expiration.trim()));
      } catch (NumberFormatException e) {
        throw new marketplace.MarketParseException(where + " type 7: expiration_time is not unix seconds");
      }
      return new WebhookEvent.ShopAuthorisation(Channel.TIKTOK, java.util.List.of(shopId),
          WebhookEvent.ShopAuthorisation.Change.EXPIRING, optText(data, "message"), endsAt);
    }
    if (type != 1 && type != 11) {
      String id = optText(root, "tts_notification_id");
      return new WebhookEvent.Ignored(Channel.TIKTOK, "type " + type, id == null ? null : "tiktok:" + id);
    }
    String notificationId = text(root, "tts_notification_id", where);
    String shopId = text(root, "shop_id", where);
    JsonNode data = required(root, "data", where);
    String w = where + " type " + type + " data";
    if (type == 1) {
      String status = text(data, "order_status", w);
      long updated = optLong(data, "update_time", optLong(root, "timestamp", 0));
      return new WebhookEvent.TikTokOrderStatus(shopId, text(data, "order_id", w), status, TikTokStatus.map(status),
          data.path("is_on_hold_order").asBoolean(false), epochSeconds(updated), notificationId);
    }
    return new WebhookEvent.TikTokCancellation(shopId, text(data, "order_id", w), text(data, "cancel_status", w),
        optText(data, "cancellations_role"), optText(data, "cancel_id"), notificationId);
  }
}
