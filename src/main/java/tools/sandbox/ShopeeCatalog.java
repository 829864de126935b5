package tools.sandbox;

import static tools.sandbox.SandboxJson.MAPPER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shopee's items and their seller stock (MARKETPLACES.md "Stock: writing it", "reading it back"): plain items
 * (has_model false, model 0, read with get_item_base_info) and items with models (get_model_list), seller stock per
 * location_id in multi-warehouse shops, promotion-reserved and promotion-locked models, holiday mode.
 * An item unknown at its first update_stock is created with the kind its model ids imply (real Shopee answers
 * error_item_not_found; the sandbox spares tests a catalog setup), after that the wrong kind is refused.
 */
final class ShopeeCatalog {
  /** Answer of one update_stock: the HTTP status, the body and the outcome for calls(). */
  record Result(int status, ObjectNode body, String outcome) {}

  private final Map<Long, Boolean> hasModel = new ConcurrentHashMap<>();
  /** "item:model" to seller stock per location_id ("" in a shop without warehouses). */
  private final Map<String, Map<String, Integer>> stock = new ConcurrentHashMap<>();
  private final Map<String, Integer> reserved = new ConcurrentHashMap<>();
  private final Set<String> locked = ConcurrentHashMap.newKeySet();
  private final Map<String, String> failures = new ConcurrentHashMap<>();
  private final Set<String> holiday = ConcurrentHashMap.newKeySet();
  private final Map<String, List<String>> warehouses = new ConcurrentHashMap<>();
  private volatile boolean readBackDeductsReserved;

  void reset() {
    hasModel.clear();
    stock.clear();
    reserved.clear();
    locked.clear();
    failures.clear();
    holiday.clear();
    warehouses.clear();
    readBackDeductsReserved = false;
  }

  private static String key(long itemId, long modelId) {
    return itemId + ":" + modelId;
  }

  void addItem(long itemId, boolean withModels) {
    hasModel.put(itemId, withModels);
  }

  void fail(long itemId, long modelId, String reason) {
    failures.put(key(itemId, modelId), reason);
  }

  void clearFailure(long itemId, long modelId) {
    failures.remove(key(itemId, modelId));
  }

  void setReserved(long itemId, long modelId, int units) {
    reserved.put(key(itemId, modelId), units);
  }

  void setLocked(long itemId, long modelId, boolean lock) {
    if (lock) locked.add(key(itemId, modelId));
    else locked.remove(key(itemId, modelId));
  }

  void setHoliday(String shopId, boolean on) {
    if (on) holiday.add(shopId);
    else holiday.remove(shopId);
  }

  /** Puts the shop in the multi-warehouse programme with these location ids (empty: out of it). */
  void setWarehouses(String shopId, List<String> locations) {
    if (locations.isEmpty()) warehouses.remove(shopId);
    else warehouses.put(shopId, List.copyOf(locations));
  }

  /** UNSURE in MARKETPLACES.md: whether read-back seller_stock has the promotion-reserved units deducted. */
  void setReadBackDeductsReserved(boolean deducts) {
    readBackDeductsReserved = deducts;
  }

  /** Total seller stock of the model (all locations), null when never set. */
  Integer stock(long itemId, long modelId) {
    Map<String, Integer> s = stock.get(key(itemId, modelId));
    return s == null ? null : s.values().stream().mapToInt(Integer::intValue).sum();
  }

  Integer stockAt(long itemId, long modelId, String location) {
    Map<String, Integer> s = stock.get(key(itemId, modelId));
    return s == null ? null : s.get(location == null ? "" : location);
  }

  /** A seller edit behind the service's back; in a multi-warehouse shop it goes to the first location. */
  void set(long itemId, long modelId, int units) {
    hasModel.putIfAbsent(itemId, modelId != 0);
    stock.compute(key(itemId, modelId), (k, old) -> {
      Map<String, Integer> next = new ConcurrentHashMap<>();
      String loc = old == null || old.isEmpty() ? "" : old.keySet().stream().sorted().findFirst().orElse("");
      next.put(loc, units);
      return next;
    });
  }

  Map<String, Integer> totals() {
    Map<String, Integer> out = new HashMap<>();
    stock.forEach((k, v) -> out.put(k, v.values().stream().mapToInt(Integer::intValue).sum()));
    return out;
  }

  // ------------------------------------------------------------------------------------------------ the APIs

  Result warehouseDetail(String shopId) {
    List<String> locations = warehouses.get(shopId);
    if (locations == null) {
      return error("warehouse.error_not_in_whitelist", "The shop is not in the multi-warehouse whitelist.");
    }
    ObjectNode ok = ShopeeSandbox.shopeeOk();
    ArrayNode list = ok.putArray("response");
    int n = 0;
    for (String loc : locations) {
      n++;
      list.addObject().put("warehouse_id", n).put("warehouse_name", "Sandbox warehouse " + loc)
          .put("warehouse_type", 1).put("location_id", loc).put("holiday_mode_state", holiday.contains(shopId) ? 1 : 0);
    }
    return new Result(200, ok, "ok");
  }

  Result updateStock(String shopId, JsonNode json) {
    long itemId = json.path("item_id").asLong(-1);
    JsonNode stockList = json.path("stock_list");
    if (itemId < 0 || !stockList.isArray() || stockList.isEmpty() || stockList.size() > 50) {
      return error("error_param", "item_id and 1 to 50 stock_list entries are required");
    }
    if (holiday.contains(shopId)) {
      return error("error_holiday_mode_change_stock", "Shop is in holiday mode, can not change stock.");
    }
    List<String> locations = warehouses.get(shopId);
    Boolean withLocation = null;
    for (JsonNode entry : stockList) {
      JsonNode seller = entry.path("seller_stock");
      if (!seller.isArray() || seller.isEmpty()) return error("error_param", "seller_stock is required");
      for (JsonNode s : seller) {
        boolean has = s.hasNonNull("location_id");
        if (withLocation != null && withLocation != has) {
          return error("error_param", "Can not use different stock structure in one request.");
        }
        withLocation = has;
        if (locations != null && !has) {
          return error("error_busi", "The merchant/shop has multi warehouse, please input location id");
        }
        if (has && (locations == null || !locations.contains(s.get("location_id").asText()))) {
          return error("error_auth", "location_id input is not matched");
        }
        if (!s.path("stock").isInt() || s.get("stock").asInt() < 0) return error("error_param", "stock is invalid");
      }
    }
    boolean first = !hasModel.containsKey(itemId);
    boolean variants = first ? stockList.path(0).path("model_id").asLong(0) != 0 : hasModel.get(itemId);
    for (JsonNode entry : stockList) {
      if (variants && entry.path("model_id").asLong(0) == 0) {
        return error("error_edit_item_stock_for_item_has_model", "Item has model, please update stock by model_id.");
      }
    }
    hasModel.put(itemId, variants);
    ObjectNode ok = ShopeeSandbox.shopeeOk();
    ObjectNode response = ok.putObject("response");
    ArrayNode success = response.putArray("success_list");
    ArrayNode failure = response.putArray("failure_list");
    for (JsonNode entry : stockList) {
      long modelId = entry.path("model_id").asLong();
      String k = key(itemId, modelId);
      Map<String, Integer> next = new LinkedHashMap<>();
      for (JsonNode s : entry.get("seller_stock")) next.put(s.path("location_id").asText(""), s.get("stock").asInt());
      int total = next.values().stream().mapToInt(Integer::intValue).sum();
      String failed = failures.get(k);
      if (failed == null && !variants && modelId != 0) failed = "Model not found, this item has no model";
      if (failed == null && locked.contains(k)) failed = "Can not edit stock in promotion";
      if (failed == null && total < reserved.getOrDefault(k, 0)) {
        failed = "Can not update item with stock less than reserved stock";
      }
      if (failed != null) {
        failure.addObject().put("model_id", modelId).put("failed_reason", failed);
        continue;
      }
      stock.merge(k, new ConcurrentHashMap<>(next), (old, add) -> {
        Map<String, Integer> merged = new ConcurrentHashMap<>(old);
        merged.putAll(add);
        return merged;
      });
      next.forEach((loc, units) -> {
        ObjectNode s = success.addObject().put("model_id", modelId);
        if (!loc.isEmpty()) s.put("location_id", loc);
        s.put("stock", units);
      });
    }
    if (!failure.isEmpty()) {
      ok.put("error", "error_busi_update_stock_failed")
          .put("message", "Update stock failed, please check failure_list for detailed reason");
      return new Result(200, ok, "error_busi_update_stock_failed");
    }
    return new Result(200, ok, "ok");
  }

  Result itemBaseInfo(String list) {
    if (list == null || list.isBlank()) return error("error_param", "item_id_list is required");
    String[] ids = list.split(",");
    if (ids.length > 50) return error("error_param", "at most 50 item_id");
    ObjectNode ok = ShopeeSandbox.shopeeOk();
    ArrayNode items = ok.putObject("response").putArray("item_list");
    for (String id : ids) {
      long itemId = SandboxJson.parseLong(id.trim());
      Boolean models = hasModel.get(itemId);
      if (models == null) continue;
      ObjectNode item = items.addObject().put("item_id", itemId).put("item_status", "NORMAL").put("has_model", models)
          .put("has_promotion", reserved.getOrDefault(key(itemId, 0), 0) > 0 || locked.contains(key(itemId, 0)));
      if (!models) item.set("stock_info_v2", stockInfo(itemId, 0));
    }
    return new Result(200, ok, "ok");
  }

  Result modelList(long itemId) {
    if (itemId < 0) return error("error_param", "item_id is required");
    Boolean models = hasModel.get(itemId);
    if (models == null) return error("error_item_not_found", "Item not found.");
    // UNSURE of Shopee's exact answer here; MARKETPLACES.md: get_model_list is not the read path for plain items.
    if (!models) return error("error_param", "This item has no model, read it with get_item_base_info.");
    ObjectNode ok = ShopeeSandbox.shopeeOk();
    ArrayNode list = ok.putObject("response").putArray("model");
    stock.keySet().stream().filter(k -> k.startsWith(itemId + ":")).sorted().forEach(k -> {
      long modelId = Long.parseLong(k.substring(k.indexOf(':') + 1));
      ObjectNode m = list.addObject().put("model_id", modelId).put("model_status", "MODEL_NORMAL")
          .put("has_promotion", locked.contains(k) || reserved.getOrDefault(k, 0) > 0);
      m.set("stock_info_v2", stockInfo(itemId, modelId));
    });
    return new Result(200, ok, "ok");
  }

  private ObjectNode stockInfo(long itemId, long modelId) {
    String k = key(itemId, modelId);
    int held = reserved.getOrDefault(k, 0);
    ObjectNode info = MAPPER.createObjectNode();
    ArrayNode seller = info.putArray("seller_stock");
    int total = 0;
    for (var e : new java.util.TreeMap<>(stock.getOrDefault(k, Map.of())).entrySet()) {
      int shown = readBackDeductsReserved && total == 0 ? Math.max(0, e.getValue() - held) : e.getValue();
      total += shown;
      seller.addObject().put("location_id", e.getKey()).put("stock", shown).put("if_saleable", true);
    }
    info.putObject("summary_info").put("total_reserved_stock", held).put("total_available_stock", total);
    info.putArray("shopee_stock");
    return info;
  }

  private static Result error(String code, String message) {
    return new Result(200, ShopeeSandbox.shopeeError(code, message), code);
  }
}
