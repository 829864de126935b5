package common;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * An order as the marketplace describes it, already normalised by its adapter: lines carry the seller's master SKU
 * code (Shopee model_sku or item_sku, TikTok seller_sku grouped into quantities, WhatsApp product_retailer_id).
 *
 * @param status the platform's own status string (kept for the record)
 * @param marketStatus that status mapped onto the lifecycle
 * @param buyerPhone digits only, or null when the platform does not give it (never logged)
 */
public record OrderDetails(
    Channel channel,
    String shopId,
    String orderId,
    String status,
    MarketStatus marketStatus,
    String buyerName,
    String buyerPhone,
    String shippingAddress,
    String currency,
    BigDecimal totalAmount,
    List<Line> lines,
    Instant createdAt,
    Instant updatedAt)
    implements CborSerializable {

  /**
   * @param sellerSku master SKU code; null or blank when the marketplace line carries none (needs mapping)
   * @param listingRef the platform's ids for the listing (Shopee item_id/model_id, TikTok product_id/sku_id)
   */
  public record Line(String sellerSku, int quantity, BigDecimal unitPrice, String title, String listingRef)
      implements CborSerializable {}
}
