package stocksync;

import common.Channel;
import java.util.List;
import java.util.concurrent.CompletionStage;
import sku.Listing;

/**
 * Which SKUs are listed on a marketplace's item and model: pushes about a listing (Shopee's promotion pushes) name
 * only the platform's ids, while order lines carry the seller's SKU code themselves. Implemented by the read side
 * over the SKUs' listings; eventually consistent.
 */
@FunctionalInterface
public interface ListingFinder {
  /** Finds nothing: promotion pushes are acknowledged and logged. */
  ListingFinder NONE = (channel, shopId, itemId, modelId) -> java.util.concurrent.CompletableFuture.completedFuture(List.of());

  /**
   * The SKUs listed on this item and model of the shop; {@code modelId} "0" also matches every model of the item
   * (Shopee's code 9 uses 0 for the whole item).
   */
  CompletionStage<List<Found>> find(Channel channel, String shopId, String itemId, String modelId);

  record Found(String sku, Listing listing) {}
}
