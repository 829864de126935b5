package stocksync;

import akka.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sku.Listing;

/**
 * Stock a marketplace holds for a promotion on one SKU listing (Shopee flash sales and product promotions, pushes
 * 7/8/9): how many units the promotion reserves now, and when it ends. What the stock sync does with it (reserved
 * units allocated to that listing, the floor of what it is pushed, the remainder released on the end;
 * MARKETPLACES.md "Stock: promotions, flash sales and reserved stock"): under shares the reserved units are part
 * of what the listing holds (they are inside its seller_stock, so inside its exposure); they are the floor of any
 * push to it and the listing is never a giver while they last ({@link ShareSync#campaign}). The absolute strategy
 * ignores them (today's sync, kept for comparison).
 */
public final class PromotionStock {
  private static final Logger log = LoggerFactory.getLogger(PromotionStock.class);

  private PromotionStock() {}

  /**
   * @param reservedStock the units the promotion reserves on this listing after the change; null when the push did
   *     not say
   * @param ended the promotion no longer holds this listing's stock
   */
  public static void reserved(ActorSystem<?> system, String sku, Listing listing, String promotionId,
      Integer reservedStock, boolean ended) {
    log.debug("Promotion {} on SKU {} listing {}: reserved {}{}", promotionId, sku, listing.key(),
        reservedStock == null ? "not stated" : reservedStock, ended ? ", ended" : "");
    if (ended) ShareSync.campaign(system, sku, listing.key(), 0);
    else if (reservedStock != null) ShareSync.campaign(system, sku, listing.key(), reservedStock);
  }
}
