package marketplace.tiktok;

import common.OrderDetails;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import marketplace.MarketplaceConfig;
import marketplace.FailureClass;
import marketplace.ShopApi;
import sku.Listing;

/** One TikTok shop for its adapter: stock goes in one call per product, each listing answered by its SKU id. */
public final class TikTokShopApi implements ShopApi {
  private static final String PRODUCT = "product:";

  private final TikTokClient client;
  private final String shopId;
  private final boolean configured;

  public TikTokShopApi(TikTokClient client, MarketplaceConfig config, String shopId) {
    this.client = client;
    this.shopId = shopId;
    this.configured = config.tiktokShop(shopId).isPresent();
  }

  @Override
  public boolean configured() {
    return configured;
  }


  @Override
  public CompletionStage<List<OrderDetails>> fetchOrders(List<String> orderIds) {
    return client.getOrderDetails(shopId, orderIds);
  }

  @Override
  public CompletionStage<?> cancel(String orderId, List<String> listingRefs) {
    return client.cancelOrder(shopId, orderId);
  }

  @Override
  public String group(Listing listing) {
    if (listing.productId() == null || listing.productId().isBlank() || listing.skuId() == null) return null;
    return PRODUCT + listing.productId();
  }

  @Override
  public String target(Listing listing) {
    return listing.skuId();
  }

  @Override
  public Duration pushWait() {
    return client.inventoryUpdateWait(shopId);
  }

  @Override
  public CompletionStage<PushResult> push(String group, List<TargetStock> stocks) {
    List<TikTokClient.SkuQuantity> skus = stocks.stream()
        .map(s -> new TikTokClient.SkuQuantity(s.target(), s.quantity())).toList();
    return client.updateInventory(shopId, productId(group), skus).thenApply(result -> {
      // An error without a sku_id cannot be placed: the whole call counts as failed.
      if (result.errors().stream().anyMatch(e -> e.skuId() == null)) {
        return new PushResult(Map.of(), "data.errors without sku_id: " + result.errors());
      }
      Map<String, TargetFailure> failed = new HashMap<>();
      for (TikTokClient.SkuError e : result.errors()) {
        failed.put(e.skuId(), new TargetFailure("data.errors " + e.code() + ": " + e.message(), FailureClass.UNKNOWN));
      }
      return new PushResult(failed, null);
    });
  }

  @Override
  public CompletionStage<Map<String, Integer>> readStock(String group) {
    return client.getSkuQuantities(shopId, productId(group));
  }

  private static String productId(String group) {
    return group.substring(PRODUCT.length());
  }
}
