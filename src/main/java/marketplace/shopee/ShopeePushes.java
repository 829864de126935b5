package marketplace.shopee;

import static marketplace.JsonTrees.*;

import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import java.util.ArrayList;
import java.util.List;
import marketplace.WebhookEvent;

/**
 * Parses Shopee's pushes (already signature-checked) and lost push messages into {@link WebhookEvent}s: codes 0,
 * 1, 2, 3, 4, 7, 8, 9 and 12; other codes are acknowledged as {@link WebhookEvent.Ignored}. Pure
 * functions: malformed JSON or a missing required field throws MarketParseException naming the field.
 */
public final class ShopeePushes {
  private ShopeePushes() {}

  public static WebhookEvent read(byte[] body) {
    return read(parse(body, "Shopee push"));
  }

  /** A push as a tree: {@code {code, shop_id, timestamp, msg_id?, data}}. */
  static WebhookEvent read(JsonNode push) {
    String where = "Shopee push";
    int code = (int) longValue(push, "code", where);
    String msgId = optText(push, "msg_id");
    switch (code) {
      case 0 -> {
        JsonNode data = required(push, "data", where);
        return new WebhookEvent.ShopeeVerification(optText(data, "verify_info"));
      }
      case 3 -> {
        String shopId = text(push, "shop_id", where);
        JsonNode data = required(push, "data", where);
        String w = where + " code 3 data";
        String status = text(data, "status", w);
        long updated = optLong(data, "update_time", optLong(push, "timestamp", 0));
        return new WebhookEvent.ShopeeOrderStatus(shopId, text(data, "ordersn", w), status, ShopeeStatus.map(status),
            epochSeconds(updated), msgId);
      }
      case 4 -> {
        String shopId = text(push, "shop_id", where);
        JsonNode data = required(push, "data", where);
        String tracking = optText(data, "tracking_no");
        if (tracking == null) tracking = optText(data, "tracking_number");
        return new WebhookEvent.ShopeeTracking(shopId, text(data, "ordersn", where + " code 4 data"), tracking, msgId);
      }
      case 1, 2 -> {
        JsonNode data = required(push, "data", where);
        List<String> shops = shopIds(data);
        if (shops.isEmpty()) return new WebhookEvent.Ignored(Channel.SHOPEE, "code " + code + " (no shop)", null);
        return new WebhookEvent.ShopAuthorisation(Channel.SHOPEE, shops, code == 1
            ? WebhookEvent.ShopAuthorisation.Change.AUTHORISED : WebhookEvent.ShopAuthorisation.Change.DEAUTHORISED,
            optText(data, "authorize_type"), null);
      }
      case 7, 8, 9 -> {
        return promotion(push, code, msgId);
      }
      case 12 -> {
        JsonNode data = required(push, "data", where);
        List<String> shops = new ArrayList<>();
        for (JsonNode id : optArray(data, "shop_expire_soon")) shops.add(id.asText());
        if (shops.isEmpty()) return new WebhookEvent.Ignored(Channel.SHOPEE, "code 12 (no shop)", null);
        long before = optLong(data, "expire_before", 0);
        return new WebhookEvent.ShopAuthorisation(Channel.SHOPEE, shops,
            WebhookEvent.ShopAuthorisation.Change.EXPIRING, "authorisation expires soon",
            before > 0 ? epochSeconds(before) : null);
      }
      default -> {
        return new WebhookEvent.Ignored(Channel.SHOPEE, "code " + code, msgId == null ? null : "shopee:" + msgId);
      }
    }
  }

  /**
   * Codes 7, 8 and 9 (MARKETPLACES.md "Stock: promotions, flash sales and reserved stock"): one model's promotion
   * stock. {@code variation_id} is the model id (also read misspelt {@code veriation_id}; 0 when absent); the reserved
   * stock after the change is {@code reserved_stock} (7, 9) or the {@code new} value of {@code changed_values[]}
   * named {@code reserved_stock} (8). {@code update_time} may be a number or a string.
   */
  private static WebhookEvent promotion(JsonNode push, int code, String msgId) {
    String where = "Shopee push code " + code + " data";
    JsonNode data = required(push, "data", "Shopee push");
    String shopId = push.hasNonNull("shop_id") ? text(push, "shop_id", "Shopee push") : text(data, "shop_id", where);
    String itemId = Long.toString(longValue(data, "item_id", where));
    String modelId = Long.toString(optLong(data, "variation_id", optLong(data, "veriation_id", 0)));
    String promotionId = text(data, "promotion_id", where);
    String action = text(data, "action", where);
    Integer reserved = data.hasNonNull("reserved_stock") ? (int) longValue(data, "reserved_stock", where) : null;
    String order = null;
    if (code == 8) {
      order = optText(data, "ordersn");
      for (JsonNode change : optArray(data, "changed_values")) {
        if ("reserved_stock".equals(optText(change, "name")) && change.hasNonNull("new")) {
          reserved = (int) longValue(change, "new", where + " changed_values[]");
        }
      }
    }
    boolean ended = action.equals("promo_end") || action.equals("promo_cancelled")
        || action.equals("removed_from_promo");
    long updated = updateTime(data, optLong(push, "timestamp", 0));
    String dedup = msgId != null ? "shopee:" + msgId : "shopee:" + shopId + ":" + code + ":" + itemId + ":" + modelId
        + ":" + promotionId + ":" + action + ":" + (order == null ? "" : order) + ":" + updated;
    return new WebhookEvent.PromotionStock(Channel.SHOPEE, shopId, itemId, modelId, promotionId,
        optText(data, "promotion_type"), action, reserved, ended, epochSeconds(updated), dedup);
  }

  /** {@code update_time} as a number or a string of digits; the push's timestamp when it is neither (never a 400). */
  private static long updateTime(JsonNode data, long fallback) {
    try {
      return optLong(data, "update_time", fallback);
    } catch (marketplace.MarketParseException e) {
      return fallback;
    }
  }

  /** Codes 1 and 2 name their shops as shop_id, shopid (several samples) or shop_id_list. */
  private static List<String> shopIds(JsonNode data) {
    List<String> ids = new ArrayList<>();
    for (String field : new String[] {"shop_id", "shopid"}) {
      if (data.hasNonNull(field)) ids.add(data.get(field).asText());
    }
    for (JsonNode id : optArray(data, "shop_id_list")) ids.add(id.asText());
    return ids.stream().distinct().toList();
  }

  /**
   * One entry of get_lost_push_message: {@code {shop_id?, code, timestamp, data}} where {@code data} is the WHOLE
   * push envelope as a JSON string ({@code {"data":{...},"shop_id":..,"code":3,"timestamp":..}}, MARKETPLACES.md
   * "Lost pushes"); an already-parsed envelope object is accepted too. Handled exactly like a live push body (no
   * msg_id: de-duplication falls back to order + status + update time).
   */
  public static WebhookEvent lostPush(JsonNode message) {
    String where = "Shopee lost push message";
    JsonNode data = required(message, "data", where);
    JsonNode envelope = data.isTextual()
        ? parse(data.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8), where + " data") : data;
    if (!envelope.isObject() || !envelope.has("data")) {
      throw new marketplace.MarketParseException(where + ": data is not a push envelope {code, data, ...}");
    }
    var push = (com.fasterxml.jackson.databind.node.ObjectNode) envelope.deepCopy();
    // The entry's own fields fill what the envelope lacks (they are the same push).
    for (String field : new String[] {"code", "shop_id", "timestamp"}) {
      if (!push.has(field) && message.has(field)) push.set(field, message.get(field));
    }
    return read(push);
  }
}
