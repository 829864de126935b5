package sku;

import common.CborSerializable;
import common.Channel;

/**
 * Where this SKU is sold: Shopee item_id/model_id (model_id "0" for an item without models), TikTok
 * product_id/sku_id, each per shop; WhatsApp's catalog uses the SKU code itself (shopId = catalog id).
 *
 * @param warehouseId the marketplace warehouse the SKU's stock is pushed to in a multi-warehouse shop (Shopee
 *     {@code location_id}, TikTok {@code warehouse_id}); null in a shop with one warehouse. Events journaled before
 *     this field existed replay with null.
 */
public record Listing(Channel channel, String shopId, String itemId, String modelId, String productId,
                      String skuId,
                      @com.fasterxml.jackson.annotation.JsonInclude(
                          com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String warehouseId)
    implements CborSerializable {
  public Listing(Channel channel, String shopId, String itemId, String modelId, String productId, String skuId) {
    this(channel, shopId, itemId, modelId, productId, skuId, null);
  }

  public static Listing shopee(String shopId, String itemId, String modelId) {
    return new Listing(Channel.SHOPEE, shopId, itemId, modelId == null ? "0" : modelId, null, null);
  }

  public static Listing tiktok(String shopId, String productId, String skuId) {
    return new Listing(Channel.TIKTOK, shopId, null, null, productId, skuId);
  }

  public static Listing whatsapp(String catalogId) {
    return new Listing(Channel.WHATSAPP, catalogId, null, null, null, null);
  }

  /** The same listing pushed to a named marketplace warehouse (blank: none). */
  public Listing inWarehouse(String warehouse) {
    return new Listing(channel, shopId, itemId, modelId, productId, skuId,
        warehouse == null || warehouse.isBlank() ? null : warehouse);
  }

  /** One listing per channel and shop. */
  public String key() {
    return key(channel, shopId);
  }

  public static String key(Channel channel, String shopId) {
    return channel.key() + ":" + shopId;
  }

  public String validationError() {
    if (channel == null) return "channel is required (shopee, tiktok or whatsapp)";
    if (blank(shopId)) return "shopId is required";
    return channel.listingError(itemId, productId, skuId);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /** As the record's own, without the warehouse when there is none: SKU history texts read as they always did. */
  @Override
  public String toString() {
    return "Listing[channel=" + channel + ", shopId=" + shopId + ", itemId=" + itemId + ", modelId=" + modelId
        + ", productId=" + productId + ", skuId=" + skuId + (warehouseId == null ? "" : ", warehouseId=" + warehouseId)
        + "]";
  }
}
