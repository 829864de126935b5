package marketplace.shopee;

import static marketplace.JsonTrees.*;

import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import common.OrderDetails;
import java.util.ArrayList;
import java.util.List;

/** Turns Shopee's order responses into {@link OrderDetails}. Pure functions; bad input throws MarketParseException. */
public final class ShopeeOrders {
  private ShopeeOrders() {}

  /** Shopee get_order_detail: the {@code response} object of the envelope (or the whole body when it has one). */
  public static List<OrderDetails> read(String shopId, byte[] body) {
    JsonNode root = parse(body, "Shopee get_order_detail");
    return read(shopId, root.has("response") ? root.get("response") : root);
  }

  public static List<OrderDetails> read(String shopId, JsonNode response) {
    String where = "Shopee get_order_detail";
    List<OrderDetails> orders = new ArrayList<>();
    for (JsonNode o : array(response, "order_list", where)) {
      String sn = text(o, "order_sn", where + " order");
      String w = where + " order " + sn;
      String status = text(o, "order_status", w);
      JsonNode address = o.path("recipient_address");
      String buyerName = optText(address, "name");
      if (buyerName == null) buyerName = optText(o, "buyer_username");
      List<OrderDetails.Line> lines = new ArrayList<>();
      for (JsonNode item : optArray(o, "item_list")) {
        String wi = w + " item";
        long itemId = longValue(item, "item_id", wi);
        long modelId = optLong(item, "model_id", 0);
        // An item with models (variations) carries the seller SKU on the model; a plain item on the item.
        String sku = modelId != 0 ? optText(item, "model_sku") : optText(item, "item_sku");
        long qty = longValue(item, "model_quantity_purchased", wi);
        String title = optText(item, "item_name");
        String modelName = optText(item, "model_name");
        if (modelName != null) title = title == null ? modelName : title + " / " + modelName;
        lines.add(new OrderDetails.Line(sku, (int) qty, optDecimal(item, "model_discounted_price"), title,
            itemId + ":" + modelId));
      }
      orders.add(new OrderDetails(Channel.SHOPEE, shopId, sn, status, ShopeeStatus.map(status), buyerName,
          phoneDigits(optText(address, "phone")), optText(address, "full_address"), optText(o, "currency"),
          optDecimal(o, "total_amount"), List.copyOf(lines), epochSeconds(optLong(o, "create_time", 0)),
          epochSeconds(optLong(o, "update_time", 0))));
    }
    return orders;
  }
}
