package marketplace.tiktok;

import static marketplace.JsonTrees.*;

import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import common.OrderDetails;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns TikTok's order responses into {@link OrderDetails}. Pure functions; bad input throws MarketParseException. */
public final class TikTokOrders {
  private TikTokOrders() {}

  /** TikTok GET /order/202309/orders: the {@code data} object of the envelope (or the whole body when it has one). */
  public static List<OrderDetails> read(String shopId, byte[] body) {
    JsonNode root = parse(body, "TikTok orders");
    return read(shopId, root.has("data") ? root.get("data") : root);
  }

  /**
   * TikTok has no quantity field: one line item per unit. Units are grouped by seller_sku (and sku_id, so two
   * listings sharing a seller SKU keep their own refs); the group's size is the quantity.
   */
  public static List<OrderDetails> read(String shopId, JsonNode data) {
    String where = "TikTok orders";
    List<OrderDetails> orders = new ArrayList<>();
    for (JsonNode o : array(data, "orders", where)) {
      String id = text(o, "id", where + " order");
      String w = where + " order " + id;
      String status = text(o, "status", w);
      Map<String, List<JsonNode>> groups = new LinkedHashMap<>();
      for (JsonNode item : array(o, "line_items", w)) {
        String wi = w + " line_item";
        String sku = optText(item, "seller_sku");
        String skuId = text(item, "sku_id", wi);
        groups.computeIfAbsent((sku == null ? "" : sku) + "\u0000" + skuId, k -> new ArrayList<>()).add(item);
      }
      List<OrderDetails.Line> lines = new ArrayList<>();
      for (List<JsonNode> units : groups.values()) {
        JsonNode first = units.get(0);
        String title = optText(first, "product_name");
        String skuName = optText(first, "sku_name");
        if (skuName != null) title = title == null ? skuName : title + " / " + skuName;
        lines.add(new OrderDetails.Line(optText(first, "seller_sku"), units.size(), optDecimal(first, "sale_price"),
            title, optText(first, "product_id") + ":" + optText(first, "sku_id")));
      }
      JsonNode address = o.path("recipient_address");
      JsonNode payment = o.path("payment");
      BigDecimal total = optDecimal(payment, "total_amount");
      orders.add(new OrderDetails(Channel.TIKTOK, shopId, id, status, TikTokStatus.map(status),
          optText(address, "name"), phoneDigits(optText(address, "phone_number")), optText(address, "full_address"),
          optText(payment, "currency"), total, List.copyOf(lines), epochSeconds(optLong(o, "create_time", 0)),
          epochSeconds(optLong(o, "update_time", 0))));
    }
    return orders;
  }
}
