package marketplace.shopee;

import common.OrderDetails;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import marketplace.OrderFeed;

/** One Shopee shop's lost pushes and order list (ids only: their details are fetched apart). */
public final class ShopeeOrderFeed implements OrderFeed {
  private final ShopeeClient client;
  private final String shopId;

  public ShopeeOrderFeed(ShopeeClient client, String shopId) {
    this.client = client;
    this.shopId = shopId;
  }

  @Override
  public String name() {
    return "Shopee shop " + shopId;
  }

  @Override
  public boolean keepsLostPushes() {
    return true;
  }

  @Override
  public CompletionStage<LostPushes> lostPushes() {
    return client.getLostPushMessages(shopId)
        .thenApply(page -> new LostPushes(page.events(), page.hasNextPage(), page.lastMessageId()));
  }

  @Override
  public CompletionStage<Void> confirmLostPushes(long lastMessageId) {
    return client.confirmLostPushConsumed(shopId, lastMessageId);
  }

  /** get_order_list by update time; the window may not exceed 15 days (a longer one throws). */
  @Override
  public CompletionStage<UpdatedOrders> updatedOrders(Instant from, Instant to, String cursor) {
    return client.getOrderList(shopId, from, to, cursor).thenApply(list -> new UpdatedOrders(list.orderSns(),
        List.of(), list.more() && list.nextCursor() != null ? list.nextCursor() : null));
  }

  @Override
  public CompletionStage<List<OrderDetails>> orderDetails(List<String> orderIds) {
    return client.getOrderDetails(shopId, orderIds);
  }
}
