package marketplace.shopee;

import common.OrderDetails;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
  private static final String AT = "@";
  static final String RESERVED_IN_SYNC = "orchestrator.marketplaces.shopee.reserved-stock-in-sync";

  private final ShopeeClient client;
  private final String shopId;
  private final java.util.function.BooleanSupplier configured;
  private final boolean reservedInSync;
  /** The last quantity Shopee accepted per group/target (in memory: only for the reserved-stock leniency). */
  private final Map<String, Integer> pushed = new ConcurrentHashMap<>();

  public ShopeeShopApi(ShopeeClient client, MarketplaceConfig config, String shopId) {
    this(client, config, marketplace.ShopDirectory.NONE, shopId);
  }

  /** A shop is there when configured, or connected (then known to {@code directory}, possibly only later). */
  public ShopeeShopApi(ShopeeClient client, MarketplaceConfig config, marketplace.ShopDirectory directory, String shopId) {
    this.client = client;
    this.shopId = shopId;
    boolean inConfig = config.shopeeShop(shopId).isPresent();
    this.configured = () -> inConfig || directory.shop(common.Channel.SHOPEE, shopId).isPresent();
    this.reservedInSync = client.settings().hasPath(RESERVED_IN_SYNC) && client.settings().getBoolean(RESERVED_IN_SYNC);
  }

  @Override
  public boolean configured() {
    return configured.getAsBoolean();
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

  /** The model id, with {@code @location_id} when the listing names its Shopee warehouse. */
  @Override
  public String target(Listing listing) {
    String model = Long.toString(Long.parseLong(listing.modelId()));
    return listing.warehouseId() == null ? model : model + AT + listing.warehouseId();
  }

  @Override
  public Duration pushWait() {
    return client.stockUpdateWait(shopId);
  }

  /**
   * One update_stock call carries every model of the item. In a multi-warehouse shop each model is sent with every
   * location of the shop: the listing's warehouse gets the quantity and the others 0 (our stock lives in the one
   * warehouse the listing names; MARKETPLACES.md asks for all locations, UNSURE whether omitted ones keep their
   * value). A listing without a warehouse in such a shop is refused here, without calling Shopee.
   */
  @Override
  public CompletionStage<PushResult> push(String group, List<TargetStock> stocks) {
    long itemId = itemId(group);
    return client.warehouseLocations(shopId).thenCompose(locations -> {
      Map<String, TargetFailure> failed = new HashMap<>();
      Map<Long, Map<String, Integer>> byModel = new LinkedHashMap<>();
      Map<Long, List<String>> targetsOf = new HashMap<>();
      for (TargetStock s : stocks) {
        String[] parts = s.target().split(AT, 2);
        String location = parts.length == 2 ? parts[1] : null;
        if (location == null && !locations.isEmpty()) {
          failed.put(s.target(), new TargetFailure("multi-warehouse shop: name the listing's warehouse "
              + "(Shopee location_id, one of " + locations + ")", FailureClass.PERMANENT_CONFIG));
          continue;
        }
        long model = Long.parseLong(parts[0]);
        byModel.computeIfAbsent(model, m -> new LinkedHashMap<>()).put(location, s.quantity());
        targetsOf.computeIfAbsent(model, m -> new ArrayList<>()).add(s.target());
      }
      if (byModel.isEmpty()) return CompletableFuture.completedFuture(new PushResult(failed, null));
      List<ShopeeClient.ModelLocations> models = new ArrayList<>();
      byModel.forEach((model, quantities) -> {
        List<ShopeeClient.LocationStock> entries = new ArrayList<>();
        quantities.forEach((loc, q) -> entries.add(new ShopeeClient.LocationStock(loc, q)));
        if (!quantities.containsKey(null)) {
          for (String loc : locations) if (!quantities.containsKey(loc)) entries.add(new ShopeeClient.LocationStock(loc, 0));
        }
        models.add(new ShopeeClient.ModelLocations(model, entries));
      });
      return client.updateItemStock(shopId, itemId, models).thenApply(result -> {
        for (ShopeeClient.ModelFailure f : result.failed()) {
          FailureClass failureClass = ShopeeErrors.classify(reasonCode(f.reason()), f.reason());
          for (String target : targetsOf.getOrDefault(f.modelId(), List.of(Long.toString(f.modelId())))) {
            failed.put(target, new TargetFailure("failure_list: " + f.reason(), failureClass));
          }
        }
        for (TargetStock s : stocks) if (!failed.containsKey(s.target())) pushed.put(group + "/" + s.target(), s.quantity());
        return new PushResult(failed, null);
      });
    });
  }

  /**
   * Seller stock per target: the listing's location, else the single (or summed) seller_stock entry. With
   * {@code reserved-stock-in-sync}, a value equal to what we last pushed minus total_reserved_stock is reported as
   * the pushed value (MARKETPLACES.md UNSURE whether read-back seller_stock has promotion-reserved units deducted).
   */
  @Override
  public CompletionStage<Map<String, Integer>> readStock(String group) {
    return client.getItemStock(shopId, itemId(group)).thenApply(stocks -> {
      Map<String, Integer> byTarget = new HashMap<>();
      stocks.forEach((model, info) -> {
        String m = Long.toString(model);
        int all = info.sellerStock().values().stream().mapToInt(Integer::intValue).sum();
        byTarget.put(m, lenient(group, m, all, info.reservedStock()));
        info.sellerStock().forEach((loc, stock) -> {
          if (!loc.isEmpty()) byTarget.put(m + AT + loc, lenient(group, m + AT + loc, stock, info.reservedStock()));
        });
      });
      return byTarget;
    });
  }

  private int lenient(String group, String target, int shown, int reserved) {
    Integer last = pushed.get(group + "/" + target);
    if (reservedInSync && last != null && reserved > 0 && shown == last - reserved) return last;
    return shown;
  }

  /** A failed_reason that is one token (e.g. error_cannt_edit_stock_in_promotion) is also matched as a code. */
  private static String reasonCode(String reason) {
    return reason == null || reason.isBlank() || reason.trim().contains(" ") ? null : reason.trim();
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
