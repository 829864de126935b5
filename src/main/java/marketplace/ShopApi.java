package marketplace;

import common.OrderDetails;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import sku.Listing;

/**
 * What a {@link ShopAdapter} needs from the marketplace API of its shop: one implementation per channel, in the
 * channel's package, and {@link NoMarketplaceApi} for channels without one (WhatsApp, phone orders).
 *
 * <p>Stock goes in calls per group (a Shopee item, a TikTok product): {@link #group} names a listing's call,
 * {@link #target} the listing within it, as the marketplace names it in its answer.
 */
public interface ShopApi {

  /** The shop is in {@code orchestrator.marketplaces}. */
  boolean configured();

  /** The orders' details; an order the marketplace did not return is missing from the list. */
  CompletionStage<List<OrderDetails>> fetchOrders(List<String> orderIds);

  /** @param listingRefs the order's lines as the platform knows them ({@link OrderDetails.Line#listingRef}) */
  CompletionStage<?> cancel(String orderId, List<String> listingRefs);

  /** The stock call this listing goes in; null when the listing's ids cannot be sent. */
  String group(Listing listing);

  /** The id the marketplace answers for this listing within its group (only asked of a listing with a group). */
  String target(Listing listing);

  /**
   * The listing's target when it is named by the SKU itself (WhatsApp's catalogue: the retailer id is the SKU
   * code, the listing holds only the catalogue id); by default the listing's own ids.
   */
  default String target(String sku, Listing listing) {
    return target(listing);
  }

  /**
   * Whether this shop takes stock pushes (and reads for reconciliation). Independent of order fetches and cancels:
   * a WhatsApp catalogue takes availability pushes, its orders carry their details and cannot be cancelled.
   */
  default boolean pushesStock() {
    return true;
  }

  /** How long a stock call starting now would wait for the shop's rate limit (reserves nothing). */
  Duration pushWait();

  /** One stock call for a group; fails when the call failed, else says which targets the marketplace refused. */
  CompletionStage<PushResult> push(String group, List<TargetStock> stocks);

  /** The stock the marketplace shows for each target of a group. */
  CompletionStage<Map<String, Integer>> readStock(String group);

  /** The quantity to show on one target. */
  record TargetStock(String target, int quantity) {}

  /** Why the marketplace refused one target, and what the error table says to do about it. */
  record TargetFailure(String reason, FailureClass failureClass) {}

  /**
   * @param failed target to the marketplace's reason, for the targets it refused
   * @param error not null when the answer fails the whole call (nothing in it can be trusted per target)
   */
  record PushResult(Map<String, TargetFailure> failed, String error) {}
}
