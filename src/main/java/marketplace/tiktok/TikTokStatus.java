package marketplace.tiktok;

import common.MarketStatus;
import java.util.Map;

/**
 * TikTok Shop order status onto the orchestrator lifecycle (MARKETPLACES.md, "Statuses").
 *
 * <pre>
 * TikTok status          MarketStatus   why
 * UNPAID                 UNPAID         placed, not paid
 * ON_HOLD                PAID           paid; TikTok holds it briefly for buyer cancellation
 * AWAITING_SHIPMENT      PAID
 * PARTIALLY_SHIPPING     PAID           some packages not yet shipped: stock stays reserved
 * AWAITING_COLLECTION    PAID           label printed, carrier not yet collected
 * IN_TRANSIT             SHIPPED
 * DELIVERED              DELIVERED
 * COMPLETED              COMPLETED
 * CANCELLED              CANCELLED      order API spelling
 * CANCEL                 CANCELLED      webhook spelling
 * anything else          UNKNOWN        recorded, never acted on
 * </pre>
 */
public final class TikTokStatus {
  public static final Map<String, MarketStatus> TABLE = Map.ofEntries(
      Map.entry("UNPAID", MarketStatus.UNPAID),
      Map.entry("ON_HOLD", MarketStatus.PAID),
      Map.entry("AWAITING_SHIPMENT", MarketStatus.PAID),
      Map.entry("PARTIALLY_SHIPPING", MarketStatus.PAID),
      Map.entry("AWAITING_COLLECTION", MarketStatus.PAID),
      Map.entry("IN_TRANSIT", MarketStatus.SHIPPED),
      Map.entry("DELIVERED", MarketStatus.DELIVERED),
      Map.entry("COMPLETED", MarketStatus.COMPLETED),
      Map.entry("CANCELLED", MarketStatus.CANCELLED),
      Map.entry("CANCEL", MarketStatus.CANCELLED));

  private TikTokStatus() {}

  public static MarketStatus map(String tiktokStatus) {
    if (tiktokStatus == null) return MarketStatus.UNKNOWN;
    return TABLE.getOrDefault(tiktokStatus, MarketStatus.UNKNOWN);
  }
}
