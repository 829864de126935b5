package marketplace.tiktok;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import marketplace.FailureClass;
import marketplace.JsonTrees;

/**
 * TikTok's inventory payloads (MARKETPLACES.md "Inventory update"): the update body, its {@code data.errors}
 * (partial failures arrive with envelope code 0), and the product detail's per-warehouse inventory. Pure functions.
 */
public final class TikTokInventory {
  private TikTokInventory() {}

  /** One warehouse's absolute in-stock quantity; {@code warehouseId} null only for a single-warehouse SKU. */
  public record WarehouseQuantity(String warehouseId, int quantity) {}

  public record SkuInventory(String skuId, List<WarehouseQuantity> inventory) {}

  /** A warehouse named in an error's {@code detail.extra_errors}. */
  public record WarehouseError(String warehouseId, long code, String message) {}

  /** One {@code data.errors[]} entry; {@code skuId} null when TikTok did not say which SKU. */
  public record SkuError(String skuId, long code, String message, FailureClass failureClass,
      List<WarehouseError> warehouses) {
    public String describe() {
      StringBuilder s = new StringBuilder("data.errors ").append(code).append(": ").append(message);
      for (WarehouseError w : warehouses) {
        s.append("; warehouse ").append(w.warehouseId()).append(' ').append(w.code()).append(": ").append(w.message());
      }
      return s.toString();
    }
  }

  /** Inventory update: TikTok answers code 0 even when some SKUs failed; those are listed here. */
  public record InventoryResult(String productId, List<SkuInventory> requested, List<SkuError> errors) {
    public boolean complete() {
      return errors.isEmpty();
    }
  }

  /** {@code {"skus":[{"id", "inventory":[{"warehouse_id"?, "quantity"}]}]}}. */
  public static ObjectNode body(List<SkuInventory> skus) {
    ObjectNode body = JsonTrees.object();
    var list = body.putArray("skus");
    for (SkuInventory s : skus) {
      var inventory = list.addObject().put("id", s.skuId()).putArray("inventory");
      for (WarehouseQuantity w : s.inventory()) {
        ObjectNode entry = inventory.addObject();
        if (w.warehouseId() != null) entry.put("warehouse_id", w.warehouseId());
        entry.put("quantity", w.quantity());
      }
    }
    return body;
  }

  /** {@code data.errors[]{code, message, detail{sku_id, extra_errors[]{warehouse_id, code, message}}}}. */
  public static List<SkuError> errors(JsonNode root) {
    List<SkuError> errors = new ArrayList<>();
    for (JsonNode e : JsonTrees.optArray(root.path("data"), "errors")) {
      long code = e.path("code").asLong(-1);
      JsonNode detail = e.path("detail");
      List<WarehouseError> warehouses = new ArrayList<>();
      for (JsonNode w : JsonTrees.optArray(detail, "extra_errors")) {
        warehouses.add(new WarehouseError(JsonTrees.optText(w, "warehouse_id"), w.path("code").asLong(-1),
            JsonTrees.optText(w, "message")));
      }
      errors.add(new SkuError(JsonTrees.optText(detail, "sku_id"), code, JsonTrees.optText(e, "message"),
          TikTokErrors.of(code), List.copyOf(warehouses)));
    }
    return List.copyOf(errors);
  }

  /** Product detail {@code data.skus[]{id, inventory[]{warehouse_id, quantity}}}: SKU id to its warehouses. */
  public static Map<String, List<WarehouseQuantity>> product(JsonNode root) {
    JsonNode data = JsonTrees.required(root, "data", "TikTok product detail");
    Map<String, List<WarehouseQuantity>> skus = new LinkedHashMap<>();
    for (JsonNode sku : JsonTrees.optArray(data, "skus")) {
      List<WarehouseQuantity> inventory = new ArrayList<>();
      for (JsonNode w : JsonTrees.optArray(sku, "inventory")) {
        inventory.add(new WarehouseQuantity(JsonTrees.optText(w, "warehouse_id"), w.path("quantity").asInt(0)));
      }
      skus.put(JsonTrees.text(sku, "id", "TikTok product sku"), List.copyOf(inventory));
    }
    return skus;
  }
}
