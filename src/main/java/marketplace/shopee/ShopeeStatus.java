package marketplace.shopee;

import common.MarketStatus;
import java.util.Map;

/**
 * Shopee order_status onto the orchestrator lifecycle (MARKETPLACES.md, "Order statuses").
 *
 * <pre>
 * Shopee status        MarketStatus       why
 * UNPAID               UNPAID             placed, not paid: hold stock with expiry
 * PENDING              UNPAID             regional pre-payment state
 * INVOICE_PENDING      PAID               paid, waiting for an invoice before shipping
 * READY_TO_SHIP        PAID               paid, seller must ship
 * PROCESSED            PAID               shipping label arranged, not yet handed over
 * RETRY_SHIP           PAID               handover failed, ship again
 * SHIPPED              SHIPPED            with the carrier
 * TO_CONFIRM_RECEIVE   DELIVERED          delivered, buyer yet to confirm
 * COMPLETED            COMPLETED
 * IN_CANCEL            CANCEL_REQUESTED   buyer asked; the platform decides
 * CANCELLED            CANCELLED
 * TO_RETURN            RETURN_REQUESTED
 * anything else        UNKNOWN            recorded, never acted on
 * </pre>
 */
public final class ShopeeStatus {
  public static final Map<String, MarketStatus> TABLE = Map.ofEntries(
      Map.entry("UNPAID", MarketStatus.UNPAID),
      Map.entry("PENDING", MarketStatus.UNPAID),
      Map.entry("INVOICE_PENDING", MarketStatus.PAID),
      Map.entry("READY_TO_SHIP", MarketStatus.PAID),
      Map.entry("PROCESSED", MarketStatus.PAID),
      Map.entry("RETRY_SHIP", MarketStatus.PAID),
      Map.entry("SHIPPED", MarketStatus.SHIPPED),
      Map.entry("TO_CONFIRM_RECEIVE", MarketStatus.DELIVERED),
      Map.entry("COMPLETED", MarketStatus.COMPLETED),
      Map.entry("IN_CANCEL", MarketStatus.CANCEL_REQUESTED),
      Map.entry("CANCELLED", MarketStatus.CANCELLED),
      Map.entry("TO_RETURN", MarketStatus.RETURN_REQUESTED));

  private ShopeeStatus() {}

  public static MarketStatus map(String shopeeStatus) {
    if (shopeeStatus == null) return MarketStatus.UNKNOWN;
    return TABLE.getOrDefault(shopeeStatus, MarketStatus.UNKNOWN);
  }
}
