package marketplace.tiktok;

import common.OrderDetails;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import marketplace.FailureClass;
import marketplace.MarketplaceConfig;
import marketplace.ShopApi;
import sku.Listing;

/**
 * One TikTok shop for its adapter: stock goes in one call per product carrying all its SKUs, each listing answered
 * by its target: the SKU id, or {@code skuId@warehouseId} when the listing names a warehouse.
 *
 * <p>Multi-warehouse (MARKETPLACES.md "Inventory update"): every warehouse assigned to a SKU must be listed. The
 * SKUs' warehouses are read from the product detail (cached per product, read again after a warehouse error or a
 * stock read); the listing's warehouse gets the quantity and the SKU's other warehouses get 0 (this service keeps
 * one stock per listing, so stock it does not place is none). A multi-warehouse SKU whose listing names no
 * warehouse, or a warehouse the SKU does not have, is refused here with PERMANENT_CONFIG and not sent.
 */
public final class TikTokShopApi implements ShopApi {
  private static final String PRODUCT = "product:";
  private static final char AT = '@';

  private final TikTokClient client;
  private final String shopId;
  private final java.util.function.BooleanSupplier configured;
  private final boolean zeroRefused;
  /** Product id to SKU id to its warehouse ids, from the product detail. */
  private final Map<String, Map<String, List<String>>> warehouses = new ConcurrentHashMap<>();

  public TikTokShopApi(TikTokClient client, MarketplaceConfig config, String shopId) {
    this(client, config, marketplace.ShopDirectory.NONE, shopId);
  }

  /** A shop is there when configured, or connected (then known to {@code directory}, possibly only later). */
  public TikTokShopApi(TikTokClient client, MarketplaceConfig config, marketplace.ShopDirectory directory, String shopId) {
    this.client = client;
    this.shopId = shopId;
    boolean inConfig = config.tiktokShop(shopId).isPresent();
    this.configured = () -> inConfig || directory.shop(common.Channel.TIKTOK, shopId).isPresent();
    this.zeroRefused = client.zeroQuantityRefused();
  }

  @Override
  public boolean configured() {
    return configured.getAsBoolean();
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
    return listing.warehouseId() == null ? listing.skuId() : listing.skuId() + AT + listing.warehouseId();
  }

  @Override
  public Duration pushWait() {
    return client.inventoryUpdateWait(shopId);
  }

  @Override
  public CompletionStage<PushResult> push(String group, List<TargetStock> stocks) {
    String productId = productId(group);
    Map<String, List<String>> known = warehouses.get(productId);
    CompletionStage<Map<String, List<String>>> ready = known != null ? CompletableFuture.completedFuture(known)
        : readWarehouses(productId);
    return ready.thenCompose(skuWarehouses -> send(productId, stocks, skuWarehouses));
  }

  private CompletionStage<PushResult> send(String productId, List<TargetStock> stocks,
      Map<String, List<String>> skuWarehouses) {
    Map<String, TargetFailure> failed = new HashMap<>();
    Map<String, List<TargetStock>> bySku = new LinkedHashMap<>();
    for (TargetStock s : stocks) bySku.computeIfAbsent(sku(s.target()), k -> new ArrayList<>()).add(s);
    List<TikTokInventory.SkuInventory> skus = new ArrayList<>();
    Map<String, List<String>> targetsBySku = new HashMap<>();
    for (var e : bySku.entrySet()) {
      String skuId = e.getKey();
      List<String> assigned = skuWarehouses.getOrDefault(skuId, List.of());
      String refusal = null;
      Map<String, Integer> byWarehouse = new LinkedHashMap<>();
      Integer unplaced = null;
      for (TargetStock s : e.getValue()) {
        String wh = warehouse(s.target());
        if (wh == null) unplaced = s.quantity();
        else if (!assigned.isEmpty() && !assigned.contains(wh)) {
          refusal = "warehouse " + wh + " is not assigned to TikTok SKU " + skuId + " (it has " + assigned + ")";
        } else byWarehouse.put(wh, s.quantity());
      }
      if (refusal == null && unplaced != null && assigned.size() > 1) {
        refusal = "TikTok SKU " + skuId + " has warehouses " + assigned + ": the listing must name its warehouse";
      }
      List<TikTokInventory.WarehouseQuantity> inventory = new ArrayList<>();
      if (refusal == null) {
        if (byWarehouse.isEmpty()) {
          // a single (or unknown) warehouse: the id is sent when the product detail named it
          inventory.add(new TikTokInventory.WarehouseQuantity(assigned.size() == 1 ? assigned.get(0) : null, unplaced));
        } else {
          for (String wh : assigned) inventory.add(new TikTokInventory.WarehouseQuantity(wh, byWarehouse.getOrDefault(wh, 0)));
          for (var w : byWarehouse.entrySet()) {
            if (!assigned.contains(w.getKey())) inventory.add(new TikTokInventory.WarehouseQuantity(w.getKey(), w.getValue()));
          }
        }
      }
      FailureClass refusalClass = FailureClass.PERMANENT_CONFIG;
      if (refusal == null && zeroRefused && inventory.stream().anyMatch(w -> w.quantity() == 0)) {
        refusal = "quantity 0 for TikTok SKU " + skuId + " is refused by zero-quantity = refuse (UNSURE whether TikTok accepts 0)";
        refusalClass = FailureClass.PERMANENT_LISTING;
      }
      if (refusal != null) {
        for (TargetStock s : e.getValue()) failed.put(s.target(), new TargetFailure(refusal, refusalClass));
        continue;
      }
      skus.add(new TikTokInventory.SkuInventory(skuId, List.copyOf(inventory)));
      targetsBySku.put(skuId, e.getValue().stream().map(TargetStock::target).toList());
    }
    if (skus.isEmpty()) return CompletableFuture.completedFuture(new PushResult(failed, null));
    return client.updateInventory(shopId, productId, skus).thenApply(result -> {
      // An error without a sku_id cannot be placed: the whole call counts as failed.
      if (result.errors().stream().anyMatch(e -> e.skuId() == null)) {
        return new PushResult(Map.of(), "data.errors without sku_id: " + result.errors());
      }
      for (TikTokInventory.SkuError e : result.errors()) {
        if (TikTokErrors.WAREHOUSE_CODES.contains(e.code())) warehouses.remove(productId);
        for (String target : targetsBySku.getOrDefault(e.skuId(), List.of())) {
          failed.put(target, new TargetFailure(e.describe(), e.failureClass()));
        }
      }
      return new PushResult(failed, null);
    });
  }

  /** Each target's quantity: the SKU's total for a plain target, the warehouse's for {@code sku@warehouse}. */
  @Override
  public CompletionStage<Map<String, Integer>> readStock(String group) {
    String productId = productId(group);
    return client.getProductInventory(shopId, productId).thenApply(skus -> {
      remember(productId, skus);
      Map<String, Integer> shown = new HashMap<>();
      skus.forEach((skuId, inventory) -> {
        int total = 0;
        for (TikTokInventory.WarehouseQuantity w : inventory) {
          total += w.quantity();
          if (w.warehouseId() != null) shown.put(skuId + AT + w.warehouseId(), w.quantity());
        }
        shown.put(skuId, total);
      });
      return shown;
    });
  }

  private CompletionStage<Map<String, List<String>>> readWarehouses(String productId) {
    return client.getProductInventory(shopId, productId).thenApply(skus -> remember(productId, skus));
  }

  private Map<String, List<String>> remember(String productId,
      Map<String, List<TikTokInventory.WarehouseQuantity>> skus) {
    Map<String, List<String>> byS = new HashMap<>();
    skus.forEach((skuId, inventory) -> byS.put(skuId, inventory.stream()
        .map(TikTokInventory.WarehouseQuantity::warehouseId).filter(w -> w != null).toList()));
    warehouses.put(productId, Map.copyOf(byS));
    return byS;
  }

  private static String sku(String target) {
    int at = target.indexOf(AT);
    return at < 0 ? target : target.substring(0, at);
  }

  private static String warehouse(String target) {
    int at = target.indexOf(AT);
    return at < 0 ? null : target.substring(at + 1);
  }

  private static String productId(String group) {
    return group.substring(PRODUCT.length());
  }
}
