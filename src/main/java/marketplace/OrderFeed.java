package marketplace;

import common.OrderDetails;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * One shop's orders as its marketplace lists them, for finding what webhooks missed ({@code intake.MarketplacePoller}):
 * the pushes the platform failed to deliver, where it keeps them, and the orders updated in a time window.
 */
public interface OrderFeed {

  /** How logs name the shop, e.g. "Shopee shop 1001". */
  String name();

  /** True when the platform keeps the pushes it failed to deliver (Shopee), read with {@link #lostPushes}. */
  boolean keepsLostPushes();

  /** A page of lost pushes, parsed like live ones; confirm its {@code lastMessageId} once they are safely handled. */
  CompletionStage<LostPushes> lostPushes();

  /** The platform forgets lost pushes up to this id. */
  CompletionStage<Void> confirmLostPushes(long lastMessageId);

  /**
   * One page of the orders updated in [from, to): their ids, or their details where the platform lists them.
   *
   * @param cursor null for the first page, then the page's {@code nextCursor}
   */
  CompletionStage<UpdatedOrders> updatedOrders(Instant from, Instant to, String cursor);

  /** The orders' details (any number of ids). */
  CompletionStage<List<OrderDetails>> orderDetails(List<String> orderIds);

  record LostPushes(List<WebhookEvent> events, boolean hasNextPage, long lastMessageId) {}

  /**
   * @param orderIds orders to fetch with {@link #orderDetails}
   * @param orders orders the listing already carried in full
   * @param nextCursor the next page's cursor, null after the last page
   */
  record UpdatedOrders(List<String> orderIds, List<OrderDetails> orders, String nextCursor) {}
}
