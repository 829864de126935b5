package marketplace.shopee;

import common.OrderDetails;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import marketplace.MarketplaceConfig;
import marketplace.FailureClass;
import marketplace.ShopApi;
import sku.Listing;

/** One Shopee shop for its adapter: stock goes in one call per item, each listing answered by its model id. */
public final class ShopeeShopApi implements ShopApi {
  private static final String ITEM = "item:";

  private final ShopeeClient client;
  private final String shopId;
  private final boolean configured;

  public ShopeeShopApi(ShopeeClient client, MarketplaceConfig config, String shopId) {
    this.client = client;
    this.shopId = shopId;
    this.configured = config.shopeeShop(shopId).isPresent();
  }

  @Override
  public boolean configured() {
    return configured;
  }


  @Override
  public CompletionStage<List<OrderDetails>> fetchOrders(List<String> orderIds) {
    return client.getOrderDetails(shopId, orderIds);
  }

  /** Shopee's cancel call names the order's lines: {@code itemId:modelId} refs that are not such pairs are left out. */
  @Override
  public CompletionStage<?> cancel(String orderId, List<String> listingRefs) {
    List<ShopeeClient.ItemModel> items = new ArrayList<>();
    for (String ref : listingRefs) {
      String[] ids = ref == null ? new String[0] : ref.split(":");
      if (ids.length == 2) {
        try {
          items.add(new ShopeeClient.ItemModel(Long.parseLong(ids[0]), Long.parseLong(ids[1])));
        } catch (NumberFormatException ignored) {
          // not a Shopee listing reference
        }
      }
    }
    return client.cancelOrder(shopId, orderId, items);
  }

  @Override
  public String group(Listing listing) {
    if (!numeric(listing.itemId()) || !numeric(listing.modelId())) return null;
    return ITEM + listing.itemId();
  }

  @Override
  public String target(Listing listing) {
    return Long.toString(Long.parseLong(listing.modelId()));
  }

  @Override
  public Duration pushWait() {
    return client.stockUpdateWait(shopId);
  }

  @Override
  public CompletionStage<PushResult> push(String group, List<TargetStock> stocks) {
    List<ShopeeClient.ModelStock> models = stocks.stream()
        .map(s -> new ShopeeClient.ModelStock(Long.parseLong(s.target()), s.quantity())).toList();
    return client.updateStock(shopId, itemId(group), models).thenApply(result -> {
      Map<String, TargetFailure> failed = new HashMap<>();
      for (ShopeeClient.ModelFailure f : result.failed()) {
        failed.put(Long.toString(f.modelId()), new TargetFailure("failure_list: " + f.reason(), FailureClass.UNKNOWN));
      }
      return new PushResult(failed, null);
    });
  }

  @Override
  public CompletionStage<Map<String, Integer>> readStock(String group) {
    return client.getModelStocks(shopId, itemId(group)).thenApply(stocks -> {
      Map<String, Integer> byModel = new HashMap<>();
      stocks.forEach((model, stock) -> byModel.put(Long.toString(model), stock));
      return byModel;
    });
  }

  private static long itemId(String group) {
    return Long.parseLong(group.substring(ITEM.length()));
  }

  private static boolean numeric(String s) {
    if (s == null || s.isBlank()) return false;
    try {
      Long.parseLong(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
