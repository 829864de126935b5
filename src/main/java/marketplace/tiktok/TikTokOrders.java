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

  /** Units of one (seller_sku, sku_id) while an order's lines are grouped. */
  private static final class Unit {
    final String sku;
    final BigDecimal price;
    final String title;
    final String ref;
    int quantity;

    Unit(String sku, BigDecimal price, String title, String ref) {
      this.sku = sku;
      this.price = price;
      this.title = title;
      this.ref = ref;
    }
  }

  private static void add(Map<String, Unit> groups, String sku, String skuId, int units, BigDecimal price,
      String title, String ref) {
    groups.computeIfAbsent((sku == null ? "" : sku) + "\u0000" + skuId, k -> new Unit(sku, price, title, ref))
        .quantity += units;
  }

  /** TikTok GET /order/202309/orders: the {@code data} object of the envelope (or the whole body when it has one). */
  public static List<OrderDetails> read(String shopId, byte[] body) {
    JsonNode root = parse(body, "TikTok orders");
    return read(shopId, root.has("data") ? root.get("data") : root);
  }

  /**
   * TikTok has no quantity field: one line item per unit. Units are grouped by seller_sku (and sku_id, so two
   * listings sharing a seller SKU keep their own refs); the group's size is the quantity.
   *
   * <p>A virtual bundle's line item carries {@code combined_listing_skus[]{sku_id, product_id, seller_sku, sku_count}}:
   * it becomes {@code sku_count} units of each child per bundle unit (the bundle's own seller_sku holds no stock).
   * Child lines carry no unit price (TikTok prices the bundle, not its parts); their title names the bundle.
   */
  public static List<OrderDetails> read(String shopId, JsonNode data) {
    String where = "TikTok orders";
    List<OrderDetails> orders = new ArrayList<>();
    for (JsonNode o : array(data, "orders", where)) {
      String id = text(o, "id", where + " order");
      String w = where + " order " + id;
      String status = text(o, "status", w);
      Map<String, Unit> groups = new LinkedHashMap<>();
      for (JsonNode item : array(o, "line_items", w)) {
        String wi = w + " line_item";
        String skuId = text(item, "sku_id", wi);
        JsonNode children = optArray(item, "combined_listing_skus");
        if (children.isEmpty()) {
          String sku = optText(item, "seller_sku");
          String title = optText(item, "product_name");
          String skuName = optText(item, "sku_name");
          if (skuName != null) title = title == null ? skuName : title + " / " + skuName;
          add(groups, sku, skuId, 1, optDecimal(item, "sale_price"), title,
              optText(item, "product_id") + ":" + skuId);
          continue;
        }
        String bundle = optText(item, "seller_sku");
        for (JsonNode child : children) {
          String wc = wi + " combined_listing_skus";
          long count = longValue(child, "sku_count", wc);
          if (count < 1) throw new marketplace.MarketParseException(wc + ".sku_count must be at least 1, got " + count);
          String childSkuId = text(child, "sku_id", wc);
          add(groups, optText(child, "seller_sku"), childSkuId, (int) count, null,
              "in bundle " + (bundle == null ? skuId : bundle), optText(child, "product_id") + ":" + childSkuId);
        }
      }
      List<OrderDetails.Line> lines = new ArrayList<>();
      for (Unit u : groups.values()) lines.add(new OrderDetails.Line(u.sku, u.quantity, u.price, u.title, u.ref));
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
