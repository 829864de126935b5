package sku;

import common.CborSerializable;
import common.Channel;

/**
 * Where this SKU is sold: Shopee item_id/model_id (model_id "0" for an item without models), TikTok
 * product_id/sku_id, each per shop; WhatsApp's catalog uses the SKU code itself (shopId = catalog id).
 */
public record Listing(Channel channel, String shopId, String itemId, String modelId, String productId,
                      String skuId) implements CborSerializable {
  public static Listing shopee(String shopId, String itemId, String modelId) {
    return new Listing(Channel.SHOPEE, shopId, itemId, modelId == null ? "0" : modelId, null, null);
  }

  public static Listing tiktok(String shopId, String productId, String skuId) {
    return new Listing(Channel.TIKTOK, shopId, null, null, productId, skuId);
  }

  public static Listing whatsapp(String catalogId) {
    return new Listing(Channel.WHATSAPP, catalogId, null, null, null, null);
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
}
