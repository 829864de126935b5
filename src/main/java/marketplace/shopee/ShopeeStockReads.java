package marketplace.shopee;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import marketplace.JsonTrees;
import marketplace.MarketParseException;
import marketplace.shopee.ShopeeClient.StockInfo;

/** Parses Shopee's stock read-backs (get_item_base_info, get_model_list) into seller stock per location. */
final class ShopeeStockReads {
  private ShopeeStockReads() {}

  /**
   * get_item_base_info for one item: model 0's stock when the item has no models, null when it has models (then
   * get_model_list is the read path). stock_info_v2 is read inside the item, falling back to response level
   * (MARKETPLACES.md UNSURE: the sample and the parameter table disagree).
   */
  static Map<Long, StockInfo> baseInfo(JsonNode root, long itemId) {
    JsonNode response = JsonTrees.required(root, "response", "Shopee get_item_base_info");
    JsonNode item = null;
    for (JsonNode i : JsonTrees.optArray(response, "item_list")) {
      if (i.path("item_id").asLong(-1) == itemId) item = i;
    }
    if (item == null) throw new MarketParseException("Shopee get_item_base_info: item " + itemId + " not in item_list");
    if (item.path("has_model").asBoolean(false)) return null;
    JsonNode info = item.has("stock_info_v2") ? item.get("stock_info_v2") : response.get("stock_info_v2");
    if (info == null || !info.isObject()) {
      throw new MarketParseException("Shopee get_item_base_info: item " + itemId + " without stock_info_v2");
    }
    Map<Long, StockInfo> out = new LinkedHashMap<>();
    out.put(0L, stockInfo(info, "get_item_base_info"));
    return out;
  }

  /** get_model_list: {@code response.model[]{model_id, stock_info_v2}}. */
  static Map<Long, StockInfo> modelList(JsonNode root) {
    JsonNode response = JsonTrees.required(root, "response", "Shopee get_model_list");
    Map<Long, StockInfo> out = new LinkedHashMap<>();
    for (JsonNode model : JsonTrees.optArray(response, "model")) {
      JsonNode info = model.get("stock_info_v2");
      if (info == null || !info.isObject()) throw new MarketParseException("Shopee get_model_list: model without stock_info_v2");
      out.put(model.path("model_id").asLong(0), stockInfo(info, "get_model_list"));
    }
    return out;
  }

  /** get_warehouse_detail: the pickup (warehouse_type 1) location ids, the keys of seller_stock. */
  static java.util.List<String> locations(JsonNode root) {
    java.util.List<String> locations = new java.util.ArrayList<>();
    for (JsonNode w : JsonTrees.optArray(root, "response")) {
      String location = JsonTrees.optText(w, "location_id");
      if (location != null && !location.isBlank() && w.path("warehouse_type").asInt(1) == 1) locations.add(location);
    }
    return java.util.List.copyOf(locations);
  }

  private static StockInfo stockInfo(JsonNode info, String where) {
    Map<String, Integer> seller = new LinkedHashMap<>();
    for (JsonNode s : JsonTrees.optArray(info, "seller_stock")) {
      JsonNode stock = s.get("stock");
      if (stock == null || !stock.isNumber()) throw new MarketParseException("Shopee " + where + ": seller_stock without stock");
      String location = JsonTrees.optText(s, "location_id");
      seller.merge(location == null ? "" : location, stock.asInt(), Integer::sum);
    }
    int reserved = info.path("summary_info").path("total_reserved_stock").asInt(0);
    return new StockInfo(Map.copyOf(seller), reserved);
  }
}
