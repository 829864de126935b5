package tools.sandbox;

import static tools.sandbox.SandboxJson.MAPPER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import tools.sandbox.Storefront.Outcome;

/**
 * Shopee's items and their seller stock (MARKETPLACES.md "Stock: writing it", "reading it back"): plain items
 * (has_model false, model 0, read with get_item_base_info) and items with models (get_model_list), seller stock per
 * location_id in multi-warehouse shops, promotion-reserved and promotion-locked models, holiday mode.
 * An item unknown at its first update_stock is created with the kind its model ids imply (real Shopee answers
 * error_item_not_found; the sandbox spares tests a catalog setup), after that the wrong kind is refused.
 *
 * <p>Buyers' checkouts ({@link Storefront}) deduct from the same stock. Every change of a model's stock or reserved
 * units happens under that model's own lock, so a checkout's "enough stock?" and its deduction are one step against
 * other checkouts, update_stock calls and campaigns, while other models go on in parallel.
 */
final class ShopeeCatalog {
  /** Answer of one update_stock: the HTTP status, the body and the outcome for calls(). */
  record Result(int status, ObjectNode body, String outcome) {}

  /**
   * What a checkout took from a model: units per location, the model's promotion-reserved units before and after
   * (the reserved units are used first), and the promotion running then (0: none).
   */
  record Taken(Outcome outcome, Map<String, Integer> fromLocations, int reservedBefore, int reservedAfter,
      long promotionId) {
    static Taken refused(Outcome outcome) {
      return new Taken(outcome, Map.of(), 0, 0, 0);
    }

    int reservedUsed() {
      return reservedBefore - reservedAfter;
    }
  }

  /** A flash-sale campaign running on a model; its reserved units are in {@code reserved}. */
  record Campaign(String shopId, long promotionId, long startTime, long endTime) {}

  private final ShownListeners shown;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final Map<String, Campaign> campaigns = new ConcurrentHashMap<>();

  private final Map<Long, Boolean> hasModel = new ConcurrentHashMap<>();
  /** "item:model" to seller stock per location_id ("" in a shop without warehouses). */
  private final Map<String, Map<String, Integer>> stock = new ConcurrentHashMap<>();
  private final Map<String, Integer> reserved = new ConcurrentHashMap<>();
  private final Set<String> locked = ConcurrentHashMap.newKeySet();
  private final Map<String, String> failures = new ConcurrentHashMap<>();
  private final Set<String> holiday = ConcurrentHashMap.newKeySet();
  private final Map<String, List<String>> warehouses = new ConcurrentHashMap<>();
  private volatile boolean readBackDeductsReserved;

  ShopeeCatalog(ShownListeners shown) {
    this.shown = shown;
  }

  void reset() {
    campaigns.clear();
    hasModel.clear();
    stock.clear();
    reserved.clear();
    locked.clear();
    failures.clear();
    holiday.clear();
    warehouses.clear();
    readBackDeductsReserved = false;
  }

  /** The listing id the storefront's listeners are given: {@code itemId:modelId}. */
  static String key(long itemId, long modelId) {
    return itemId + ":" + modelId;
  }

  private Object lock(String k) {
    return locks.computeIfAbsent(k, x -> new Object());
  }

  private int total(String k) {
    Map<String, Integer> s = stock.get(k);
    return s == null ? 0 : s.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Called with the model's lock held: listeners see one model's changes in order. */
  private void notifyShown(String k) {
    shown.shown(Channel.SHOPEE, k, total(k));
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
    synchronized (lock(key(itemId, modelId))) {
      reserved.put(key(itemId, modelId), units);
    }
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
    String key = key(itemId, modelId);
    synchronized (lock(key)) {
      stock.compute(key, (k, old) -> {
        Map<String, Integer> next = new ConcurrentHashMap<>();
        String loc = old == null || old.isEmpty() ? "" : old.keySet().stream().sorted().findFirst().orElse("");
        next.put(loc, units);
        return next;
      });
      notifyShown(key);
    }
  }

  Map<String, Integer> totals() {
    Map<String, Integer> out = new HashMap<>();
    stock.forEach((k, v) -> out.put(k, v.values().stream().mapToInt(Integer::intValue).sum()));
    return out;
  }

  // ------------------------------------------------------------------------------------------ buyers, campaigns

  /** What the listing shows buyers: seller_stock over all locations, promotion-reserved units included. */
  int shown(long itemId, long modelId) {
    return total(key(itemId, modelId));
  }

  /**
   * A buyer checks out {@code qty}: refused when the model was never listed (no stock set) or the shop is on holiday,
   * or when fewer than {@code qty} units are left; else taken from the first location with stock, then the next
   * (the shop's warehouse order), reserved units first.
   */
  Taken take(String shopId, long itemId, long modelId, int qty) {
    if (qty <= 0) throw new IllegalArgumentException("qty must be positive");
    if (holiday.contains(shopId)) return Taken.refused(Outcome.REFUSED_NOT_LISTED);
    String k = key(itemId, modelId);
    synchronized (lock(k)) {
      Map<String, Integer> s = stock.get(k);
      if (s == null) return Taken.refused(Outcome.REFUSED_NOT_LISTED);
      if (qty > total(k)) return Taken.refused(Outcome.REFUSED_NO_STOCK);
      Map<String, Integer> taken = new LinkedHashMap<>();
      int left = qty;
      for (String loc : locationOrder(shopId, s)) {
        int units = Math.min(s.get(loc), left);
        if (units <= 0) continue;
        s.put(loc, s.get(loc) - units);
        taken.put(loc, units);
        left -= units;
        if (left == 0) break;
      }
      int before = reserved.getOrDefault(k, 0);
      int after = Math.max(0, before - qty);
      if (before > 0) reserved.put(k, after);
      Campaign c = campaigns.get(k);
      notifyShown(k);
      return new Taken(Outcome.ACCEPTED, taken, before, after, c == null ? 0 : c.promotionId());
    }
  }

  private List<String> locationOrder(String shopId, Map<String, Integer> s) {
    List<String> order = new java.util.ArrayList<>(warehouses.getOrDefault(shopId, List.of()));
    order.retainAll(s.keySet());
    s.keySet().stream().filter(l -> !order.contains(l)).sorted().forEach(order::add);
    return order;
  }

  /**
   * A cancelled checkout: its units go back to the locations they came from, its reserved units back to the
   * campaign when the same promotion still runs (else they stay in normal stock). Returns the reserved figure
   * before and after.
   */
  int[] giveBack(long itemId, long modelId, Taken taken) {
    String k = key(itemId, modelId);
    synchronized (lock(k)) {
      Map<String, Integer> s = stock.computeIfAbsent(k, x -> new ConcurrentHashMap<>());
      taken.fromLocations().forEach((loc, units) -> s.merge(loc, units, Integer::sum));
      int before = reserved.getOrDefault(k, 0);
      int after = before;
      Campaign c = campaigns.get(k);
      if (c != null && c.promotionId() == taken.promotionId() && taken.reservedUsed() > 0) {
        after = before + taken.reservedUsed();
        reserved.put(k, after);
      }
      notifyShown(k);
      return new int[] {before, after};
    }
  }

  /**
   * A flash-sale campaign starts on the model: it reserves min(reserve, stock) units, which stay part of
   * seller_stock. Returns the reserved figure.
   */
  int startCampaign(String shopId, long itemId, long modelId, long promotionId, int reserve, long start, long end) {
    String k = key(itemId, modelId);
    synchronized (lock(k)) {
      if (!stock.containsKey(k)) throw new IllegalArgumentException("model " + k + " is not listed");
      Campaign running = campaigns.get(k);
      if (running != null) {
        throw new IllegalStateException("promotion " + running.promotionId() + " already runs on " + k);
      }
      int units = Math.max(0, Math.min(reserve, total(k)));
      reserved.put(k, units);
      campaigns.put(k, new Campaign(shopId, promotionId, start, end));
      notifyShown(k);
      return units;
    }
  }

  Campaign campaign(long itemId, long modelId) {
    return campaigns.get(key(itemId, modelId));
  }

  /** The campaign ends: reserved becomes 0, the unsold rest is normal stock. Null when that promotion is not running. */
  Campaign endCampaign(long itemId, long modelId, long promotionId) {
    String k = key(itemId, modelId);
    synchronized (lock(k)) {
      Campaign c = campaigns.get(k);
      if (c == null || c.promotionId() != promotionId) return null;
      campaigns.remove(k);
      reserved.remove(k);
      notifyShown(k);
      return c;
    }
  }

  int reservedNow(long itemId, long modelId) {
    return reserved.getOrDefault(key(itemId, modelId), 0);
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
      synchronized (lock(k)) {
        // the floor is the reserved figure now: checkouts of the campaign lower it
        if (failed == null && total < reserved.getOrDefault(k, 0)) {
          failed = "Can not update item with stock less than reserved stock";
        }
        if (failed == null) {
          stock.merge(k, new ConcurrentHashMap<>(next), (old, add) -> {
            Map<String, Integer> merged = new ConcurrentHashMap<>(old);
            merged.putAll(add);
            return merged;
          });
          notifyShown(k);
        }
      }
      if (failed != null) {
        failure.addObject().put("model_id", modelId).put("failed_reason", failed);
        continue;
      }
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
          .put("has_promotion", reserved.getOrDefault(key(itemId, 0), 0) > 0 || locked.contains(key(itemId, 0))
              || campaigns.containsKey(key(itemId, 0)));
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
          .put("has_promotion", locked.contains(k) || reserved.getOrDefault(k, 0) > 0 || campaigns.containsKey(k));
      Campaign c = campaigns.get(k);
      if (c != null) m.put("promotion_id", c.promotionId());
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
