package marketplace.tiktok;

import common.OrderDetails;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import marketplace.OrderFeed;

/** One TikTok shop's order search (orders in full); TikTok keeps no lost notifications. */
public final class TikTokOrderFeed implements OrderFeed {
  private final TikTokClient client;
  private final String shopId;

  public TikTokOrderFeed(TikTokClient client, String shopId) {
    this.client = client;
    this.shopId = shopId;
  }

  @Override
  public String name() {
    return "TikTok shop " + shopId;
  }

  @Override
  public boolean keepsLostPushes() {
    return false;
  }

  @Override
  public CompletionStage<LostPushes> lostPushes() {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("TikTok keeps no lost notifications"));
  }

  @Override
  public CompletionStage<Void> confirmLostPushes(long lastMessageId) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("TikTok keeps no lost notifications"));
  }

  @Override
  public CompletionStage<UpdatedOrders> updatedOrders(Instant from, Instant to, String cursor) {
    return client.searchOrders(shopId, from, to, cursor).thenApply(page -> new UpdatedOrders(List.of(),
        page.orders(), page.nextPageToken() != null && !page.nextPageToken().isBlank() ? page.nextPageToken() : null));
  }

  @Override
  public CompletionStage<List<OrderDetails>> orderDetails(List<String> orderIds) {
    return client.getOrderDetails(shopId, orderIds);
  }
}
