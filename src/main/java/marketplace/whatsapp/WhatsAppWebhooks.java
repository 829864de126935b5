package marketplace.whatsapp;

import static marketplace.JsonTrees.*;

import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import common.OrderDetails;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import marketplace.MarketParseException;
import marketplace.WebhookEvent;

/**
 * Parses WhatsApp Cloud API webhooks (already signature-checked) into {@link WebhookEvent}s. Pure functions:
 * malformed JSON or a missing required field throws {@link MarketParseException} naming the field.
 */
public final class WhatsAppWebhooks {
  private WhatsAppWebhooks() {}

  /**
   * Every event of a (possibly batched) WhatsApp webhook, in the order they appear: every entry, every change, each
   * change routed by its {@code field}; a {@code messages} change names its own number (metadata.phone_number_id).
   */
  public static List<WebhookEvent> read(byte[] body) {
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
        if (!field.equals("messages")) {
          // template status, quality, account updates...: their value has no metadata; acknowledged, not acted on
          events.add(new WebhookEvent.Ignored(Channel.WHATSAPP, "field " + field, null));
          continue;
        }
        JsonNode value = required(change, "value", where + " change");
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
