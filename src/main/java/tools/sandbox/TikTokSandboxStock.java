package tools.sandbox;

import static tools.sandbox.SandboxJson.MAPPER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.sandbox.Storefront.Outcome;

/**
 * TikTok's per-warehouse inventory as the platform keeps it (MARKETPLACES.md "Inventory update"): each SKU has its
 * warehouses; an update must list every one of them when there are several (sandbox codes: 12019028 an entry
 * without warehouse_id, 12052037 a warehouse left out, 12052533 a warehouse the SKU does not have), virtual bundle
 * SKUs cannot be edited (12052850), a promotion lock refuses a quantity below the current one (12052393), and
 * quantities outside 0..99999 (1..99999 when zero is refused, UNSURE) get 12019024. Failures are per SKU in
 * {@code data.errors} with envelope code 0. A SKU never defined is learnt from its first update, in one warehouse.
 *
 * <p>A SKU's warehouse map is its lock: buyers' checkouts ({@link Storefront}) check and deduct under it, and
 * updates write under it, so a checkout never takes units another one or an update has just changed.
 */
final class TikTokSandboxStock {
  static final String DEFAULT_WAREHOUSE = "7068500000000000001";

  private record Sku(String productId, Map<String, Integer> warehouses) {}

  private final Map<String, Sku> skus = new ConcurrentHashMap<>();
  private final Map<String, Long> bundles = new ConcurrentHashMap<>();
  private final Map<String, Boolean> promotionLocked = new ConcurrentHashMap<>();
  private final Map<String, long[]> failCodes = new ConcurrentHashMap<>();
  private final Map<String, String> failMessages = new ConcurrentHashMap<>();
  private volatile boolean zeroAccepted = true;
  private final ShownListeners shown;

  /** What a checkout took: units per warehouse (empty when refused). */
  record Taken(Outcome outcome, Map<String, Integer> fromWarehouses) {}

  TikTokSandboxStock(ShownListeners shown) {
    this.shown = shown;
  }

  void reset() {
    skus.clear();
    bundles.clear();
    promotionLocked.clear();
    failCodes.clear();
    failMessages.clear();
    zeroAccepted = true;
  }

  void define(String productId, String skuId, List<String> warehouseIds) {
    Map<String, Integer> w = new LinkedHashMap<>();
    for (String id : warehouseIds) w.put(id, 0);
    Sku s = new Sku(productId, java.util.Collections.synchronizedMap(w));
    synchronized (s.warehouses()) {
      skus.put(skuId, s);
      shown.shown(Channel.TIKTOK, skuId, 0);
    }
  }

  void bundle(String productId, String skuId) {
    define(productId, skuId, List.of(DEFAULT_WAREHOUSE));
    bundles.put(skuId, 12052850L);
  }

  void lockPromotion(String skuId, boolean locked) {
    if (locked) promotionLocked.put(skuId, true);
    else promotionLocked.remove(skuId);
  }

  void acceptZero(boolean accepted) {
    zeroAccepted = accepted;
  }

  void fail(String skuId, long code, String message) {
    failCodes.put(skuId, new long[] {code});
    failMessages.put(skuId, message);
  }

  void clearFailure(String skuId) {
    failCodes.remove(skuId);
    failMessages.remove(skuId);
  }

  /** The SKU's quantity summed over its warehouses; null when never set. */
  Integer total(String skuId) {
    Sku s = skus.get(skuId);
    if (s == null) return null;
    synchronized (s.warehouses()) {
      return s.warehouses().values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  Integer at(String skuId, String warehouseId) {
    Sku s = skus.get(skuId);
    return s == null ? null : s.warehouses().get(warehouseId);
  }

  /** A seller edit in Seller Center: the SKU's first warehouse (created when unknown). */
  void set(String productId, String skuId, int quantity) {
    Sku s = skus.computeIfAbsent(skuId, k -> new Sku(productId,
        java.util.Collections.synchronizedMap(new LinkedHashMap<>(Map.of(DEFAULT_WAREHOUSE, 0)))));
    synchronized (s.warehouses()) {
      String first = s.warehouses().keySet().iterator().next();
      s.warehouses().put(first, quantity);
      notifyShown(skuId, s);
    }
  }

  /** Called with the SKU's lock held: listeners see one SKU's changes in order. */
  private void notifyShown(String skuId, Sku s) {
    shown.shown(Channel.TIKTOK, skuId, s.warehouses().values().stream().mapToInt(Integer::intValue).sum());
  }

  /**
   * A buyer checks out {@code qty}: refused when the SKU is unknown or not this product's, or when fewer units are
   * left over its warehouses; else taken from the first warehouse with stock, then the next.
   */
  Taken take(String productId, String skuId, int qty) {
    if (qty <= 0) throw new IllegalArgumentException("qty must be positive");
    Sku s = skus.get(skuId);
    if (s == null || !s.productId().equals(productId)) return new Taken(Outcome.REFUSED_NOT_LISTED, Map.of());
    synchronized (s.warehouses()) {
      int total = s.warehouses().values().stream().mapToInt(Integer::intValue).sum();
      if (qty > total) return new Taken(Outcome.REFUSED_NO_STOCK, Map.of());
      Map<String, Integer> taken = new LinkedHashMap<>();
      int left = qty;
      for (Map.Entry<String, Integer> w : s.warehouses().entrySet()) {
        int units = Math.min(w.getValue(), left);
        if (units <= 0) continue;
        w.setValue(w.getValue() - units);
        taken.put(w.getKey(), units);
        left -= units;
        if (left == 0) break;
      }
      notifyShown(skuId, s);
      return new Taken(Outcome.ACCEPTED, taken);
    }
  }

  /** A cancelled checkout's units go back to the warehouses they came from. */
  void giveBack(String skuId, Map<String, Integer> fromWarehouses) {
    Sku s = skus.get(skuId);
    if (s == null) return;
    synchronized (s.warehouses()) {
      fromWarehouses.forEach((w, units) -> s.warehouses().merge(w, units, Integer::sum));
      notifyShown(skuId, s);
    }
  }

  Map<String, Integer> totals() {
    Map<String, Integer> all = new HashMap<>();
    skus.keySet().forEach(k -> all.put(k, total(k)));
    return all;
  }

  /** The update: applies each SKU that passes, and lists the others in {@code errors}. */
  void update(String productId, JsonNode body, ArrayNode errors) {
    for (JsonNode sku : body.path("skus")) {
      String skuId = sku.path("id").asText();
      String problem = null;
      long code = 0;
      String warehouse = null;
      Sku known = skus.get(skuId);
      List<String> assigned = known == null ? List.of(DEFAULT_WAREHOUSE) : new ArrayList<>(known.warehouses().keySet());
      Map<String, Integer> wanted = new LinkedHashMap<>();
      for (JsonNode entry : sku.path("inventory")) {
        int q = entry.path("quantity").asInt(-1);
        String wh = entry.hasNonNull("warehouse_id") ? entry.get("warehouse_id").asText() : null;
        if (wh == null && assigned.size() > 1) {
          code = 12019028;
          problem = "warehouse_id is required: the SKU has several warehouses";
        } else if (wh != null && !assigned.contains(wh)) {
          code = 12052533;
          problem = "warehouse is not assigned to the SKU";
          warehouse = wh;
        } else if (q < (zeroAccepted ? 0 : 1) || q > 99_999) {
          code = 12019024;
          problem = "quantity out of range";
          warehouse = wh;
        }
        if (problem != null) break;
        wanted.put(wh == null ? assigned.get(0) : wh, q);
      }
      if (problem == null && wanted.isEmpty()) {
        code = 12019028;
        problem = "inventory is required";
      }
      if (problem == null && !wanted.keySet().containsAll(assigned)) {
        code = 12052037;
        problem = "every warehouse of the SKU must be listed";
        warehouse = assigned.stream().filter(w -> !wanted.containsKey(w)).findFirst().orElse(null);
      }
      if (problem == null && bundles.containsKey(skuId)) {
        code = 12052850;
        problem = "combined listing (virtual bundle) stock cannot be edited";
      }
      if (problem == null && promotionLocked.containsKey(skuId)) {
        for (var w : wanted.entrySet()) {
          Integer now = known == null ? null : known.warehouses().get(w.getKey());
          if (now != null && w.getValue() < now) {
            code = 12052393;
            problem = "Product locked for Promotion and stock can't be updated below current stock";
            warehouse = w.getKey();
          }
        }
      }
      if (problem == null && failCodes.containsKey(skuId)) {
        code = failCodes.get(skuId)[0];
        problem = failMessages.get(skuId);
      }
      if (problem != null) {
        ObjectNode e = errors.addObject().put("code", code).put("message", problem);
        ObjectNode detail = e.putObject("detail").put("sku_id", skuId);
        if (warehouse != null) {
          detail.putArray("extra_errors").addObject().put("warehouse_id", warehouse).put("code", code)
              .put("message", problem);
        }
        continue;
      }
      Sku s = known != null ? known : skus.computeIfAbsent(skuId, k -> new Sku(productId,
          java.util.Collections.synchronizedMap(new LinkedHashMap<>(Map.of(DEFAULT_WAREHOUSE, 0)))));
      synchronized (s.warehouses()) {
        s.warehouses().putAll(wanted);
        notifyShown(skuId, s);
      }
    }
  }

  /** GET product detail: {@code data{id, skus[]{id, inventory[]{warehouse_id, quantity}}}}. */
  ObjectNode product(String productId) {
    ObjectNode data = MAPPER.createObjectNode().put("id", productId);
    ArrayNode list = data.putArray("skus");
    skus.forEach((skuId, s) -> {
      if (!s.productId().equals(productId)) return;
      ArrayNode inventory = list.addObject().put("id", skuId).putArray("inventory");
      synchronized (s.warehouses()) {
        s.warehouses().forEach((wh, q) -> inventory.addObject().put("warehouse_id", wh).put("quantity", q));
      }
    });
    return data;
  }
}
