package marketplace;

import marketplace.shopee.ShopeeStatus;
import marketplace.tiktok.TikTokStatus;

import static marketplace.JsonTrees.*;

import common.Channel;
import common.OrderDetails;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses raw webhook bodies (already signature-checked) into {@link WebhookEvent}s. Pure functions: malformed JSON or
 * a missing required field throws {@link MarketParseException} naming the field (the route answers 400).
 */
public final class WebhookParser {
  private WebhookParser() {}

  // ---------------------------------------------------------------------------------------------------- Shopee

  public static WebhookEvent shopee(byte[] body) {
    return shopee(parse(body, "Shopee push"));
  }

  /** A push as a tree: {@code {code, shop_id, timestamp, msg_id?, data}}. */
  static WebhookEvent shopee(JsonNode push) {
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
      default -> {
        return new WebhookEvent.Ignored(Channel.SHOPEE, "code " + code, msgId == null ? null : "shopee:" + msgId);
      }
    }
  }

  /**
   * One entry of get_lost_push_message: {@code {shop_id, code, timestamp, data}} where data is a JSON string. Parsed
   * as if it had been pushed (no msg_id: de-duplication falls back to order + status + update time).
   */
  public static WebhookEvent shopeeLostPush(JsonNode message) {
    String where = "Shopee lost push message";
    JsonNode data = required(message, "data", where);
    JsonNode dataTree = data.isTextual() ? parse(data.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8),
        where + " data") : data;
    var push = object();
    push.set("code", required(message, "code", where));
    push.set("shop_id", required(message, "shop_id", where));
    if (message.has("timestamp")) push.set("timestamp", message.get("timestamp"));
    push.set("data", dataTree);
    return shopee(push);
  }

  // ---------------------------------------------------------------------------------------------------- TikTok

  public static WebhookEvent tiktok(byte[] body) {
    String where = "TikTok notification";
    JsonNode root = parse(body, where);
    int type = (int) longValue(root, "type", where);
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

  // -------------------------------------------------------------------------------------------------- WhatsApp

  /** Every event of a (possibly batched) WhatsApp webhook, in the order they appear. */
  public static List<WebhookEvent> whatsApp(byte[] body) {
    String where = "WhatsApp webhook";
    JsonNode root = parse(body, where);
    String object = text(root, "object", where);
    if (!object.equals("whatsapp_business_account")) {
      throw new MarketParseException(where + ": object must be 'whatsapp_business_account', got '" + object + "'");
    }
    List<WebhookEvent> events = new ArrayList<>();
    for (JsonNode entry : array(root, "entry", where)) {
      for (JsonNode change : array(entry, "changes", where + " entry")) {
        String field = text(change, "field", where + " change");
        JsonNode value = required(change, "value", where + " change");
        if (!field.equals("messages")) {
          events.add(new WebhookEvent.Ignored(Channel.WHATSAPP, "field " + field, null));
          continue;
        }
        String phoneNumberId = text(required(value, "metadata", where + " value"), "phone_number_id",
            where + " value.metadata");
        for (JsonNode message : optArray(value, "messages")) {
          events.add(whatsAppMessage(phoneNumberId, value, message));
        }
        for (JsonNode status : optArray(value, "statuses")) {
          events.add(whatsAppStatus(phoneNumberId, status));
        }
      }
    }
    return events;
  }

  private static WebhookEvent whatsAppMessage(String phoneNumberId, JsonNode value, JsonNode message) {
    String where = "WhatsApp message";
    String id = text(message, "id", where);
    String from = text(message, "from", where);
    String type = text(message, "type", where);
    Instant at = epochSeconds(optLong(message, "timestamp", 0));
    String name = contactName(value, from);
    switch (type) {
      case "order" -> {
        String w = where + " " + id + " order";
        JsonNode order = required(message, "order", w);
        JsonNode items = array(order, "product_items", w);
        if (items.isEmpty()) throw new MarketParseException(w + ": product_items is empty");
        String catalogId = optText(order, "catalog_id");
        List<OrderDetails.Line> lines = new ArrayList<>();
        String currency = null;
        for (JsonNode item : items) {
          String wi = w + " product_item";
          String sku = text(item, "product_retailer_id", wi);
          long quantity = longValue(item, "quantity", wi);
          if (quantity <= 0 || quantity > Integer.MAX_VALUE) {
            throw new MarketParseException(wi + ": quantity must be positive, got " + quantity);
          }
          BigDecimal price = decimal(item, "item_price", wi);
          String itemCurrency = text(item, "currency", wi);
          if (currency == null) currency = itemCurrency;
          else if (!currency.equals(itemCurrency)) {
            throw new MarketParseException(wi + ": mixed currencies " + currency + " and " + itemCurrency);
          }
          lines.add(new OrderDetails.Line(sku, (int) quantity, price, null,
              catalogId == null ? sku : catalogId + "/" + sku));
        }
        return new WebhookEvent.WhatsAppOrder(phoneNumberId, id, phoneDigits(from), name, at, catalogId,
            optText(order, "text"), currency, List.copyOf(lines));
      }
      case "text" -> {
        return new WebhookEvent.WhatsAppText(phoneNumberId, id, phoneDigits(from), name, at,
            text(required(message, "text", where + " " + id), "body", where + " " + id + " text"));
      }
      default -> {
        return new WebhookEvent.Ignored(Channel.WHATSAPP, "message type " + type, "whatsapp:" + id);
      }
    }
  }

  private static String contactName(JsonNode value, String waId) {
    for (JsonNode contact : optArray(value, "contacts")) {
      if (waId.equals(optText(contact, "wa_id"))) return optText(contact.path("profile"), "name");
    }
    return null;
  }

  private static WebhookEvent whatsAppStatus(String phoneNumberId, JsonNode status) {
    String where = "WhatsApp status";
    List<WebhookEvent.DeliveryError> errors = new ArrayList<>();
    for (JsonNode error : optArray(status, "errors")) {
      errors.add(new WebhookEvent.DeliveryError((int) optLong(error, "code", 0), optText(error, "title")));
    }
    return new WebhookEvent.WhatsAppDelivery(phoneNumberId, text(status, "id", where), text(status, "status", where),
        epochSeconds(optLong(status, "timestamp", 0)), optText(status, "recipient_id"), List.copyOf(errors));
  }
}
