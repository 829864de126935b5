package tools.sandbox;

import static tools.sandbox.SandboxJson.MAPPER;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The data of Shopee's promotion pushes (MARKETPLACES.md "Stock: promotions, flash sales and reserved stock";
 * contracts shopee-push-code7/8/9): code 7 item_promotion_push, code 8 reserved_stock_change_push, code 9
 * promotion_update_push. {@code variation_id} is the API's model_id (0: an item without models).
 */
final class ShopeePromotionPushes {
  static final String FLASH_SALE = "flash_sale";

  private ShopeePromotionPushes() {}

  /** Code 9: the model was added to the promotion with {@code reserved} units ({@code added_in_promo}). */
  static ObjectNode addedInPromo(String shopId, long itemId, long modelId, ShopeeCatalog.Campaign c, int reserved) {
    ObjectNode d = MAPPER.createObjectNode();
    d.put("shop_id", Long.parseLong(shopId)).put("promotion_id", c.promotionId()).put("promotion_type", FLASH_SALE)
        .put("start_time", c.startTime()).put("end_time", c.endTime()).put("action", "added_in_promo")
        .put("item_id", itemId).put("variation_id", modelId).put("reserved_stock", reserved);
    return d;
  }

  /** Code 7: {@code promo_lock_stock} with the reserved figure, or {@code promo_end} with reserved_stock 0. */
  static ObjectNode itemPromotion(String shopId, long itemId, long modelId, ShopeeCatalog.Campaign c, String action,
      long endTime, int reserved) {
    ObjectNode d = MAPPER.createObjectNode();
    d.put("shop_id", Long.parseLong(shopId)).put("item_id", itemId).put("variation_id", modelId)
        .put("promotion_type", FLASH_SALE).put("promotion_id", c.promotionId()).put("action", action)
        .put("update_time", Instant.now().getEpochSecond()).put("start_time", c.startTime()).put("end_time", endTime)
        .put("reserved_stock", reserved);
    return d;
  }

  /** Code 8: an order used reserved units ({@code place_order}) or gave them back ({@code cancel_order}). */
  static ObjectNode reservedStockChange(String shopId, long itemId, long modelId, long promotionId, String action,
      String orderSn, int old, int now) {
    ObjectNode d = MAPPER.createObjectNode();
    d.put("shop_id", Long.parseLong(shopId)).put("item_id", itemId).put("variation_id", modelId);
    d.putArray("changed_values").addObject().put("name", "reserved_stock").put("old", old).put("new", now);
    d.put("promotion_type", FLASH_SALE).put("promotion_id", promotionId).put("action", action)
        .put("ordersn", orderSn).put("update_time", Instant.now().getEpochSecond());
    return d;
  }
}
