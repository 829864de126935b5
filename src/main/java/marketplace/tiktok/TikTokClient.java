package marketplace.tiktok;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.RawHeader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import common.OrderDetails;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import marketplace.Batches;
import marketplace.CallOutcomes;
import marketplace.HttpCaller;
import marketplace.JsonTrees;
import marketplace.MarketParseException;
import marketplace.MarketplaceConfig;
import marketplace.ShopGuard.Attempt;
import marketplace.ShopGuard;
import marketplace.signing.Signatures;

/**
 * TikTok Shop Partner API (202309) client. Each request is signed over path, sorted query and raw body; the access
 * token travels in {@code x-tts-access-token}. Rate limits (HTTP 429, code 36009002), internal errors (36009003) and
 * 5xx are retried with back-off through the shop's {@link ShopGuard}.
 */
public final class TikTokClient {
  static final String ORDERS = "/order/202309/orders";
  static final String ORDER_SEARCH = "/order/202309/orders/search";
  static final String CANCEL = "/return_refund/202309/cancellations";
  static final int MAX_BATCH = 50;
  /**
   * Product detail, read for stock reconciliation: {@code data.skus[]{id, inventory[].quantity}}. UNSURE (not in
   * MARKETPLACES.md); configurable as {@code orchestrator.marketplaces.tiktok.product-read-path}.
   */
  static final String PRODUCT = "/product/202309/products/{product_id}";
  static final Set<Long> RETRY_CODES = Set.of(36009002L, 36009003L);

  public record SkuQuantity(String skuId, int quantity) {}

  public record SkuError(String skuId, long code, String message) {}

  /** Inventory update: TikTok answers code 0 even when some SKUs failed; those are listed here. */
  public record InventoryResult(String productId, List<SkuQuantity> requested, List<SkuError> errors) {
    public boolean complete() {
      return errors.isEmpty();
    }
  }

  public record OrderPage(List<OrderDetails> orders, String nextPageToken) {}

  private record ShopState(MarketplaceConfig.TikTokShop shop, ShopGuard guard) {}

  private final ActorSystem<?> system;
  private final MarketplaceConfig config;
  private final HttpCaller http;
  private final CallOutcomes outcomes;
  private final Map<String, ShopState> shops = new ConcurrentHashMap<>();
  private final String productReadPath;

  public TikTokClient(ActorSystem<?> system, MarketplaceConfig config) {
    this(system, config, new CallOutcomes());
  }

  public TikTokClient(ActorSystem<?> system, MarketplaceConfig config, CallOutcomes outcomes) {
    this.system = system;
    this.config = config;
    this.outcomes = outcomes;
    this.http = new HttpCaller(system, config.client());
    for (MarketplaceConfig.TikTokShop shop : config.tiktok()) {
      shops.put(shop.shopId(), new ShopState(shop, new ShopGuard(system, Channel.TIKTOK, shop.shopId(),
          config.client(), ShopGuard.perApi(system, shop.rateLimit().ratePerSecond(), shop.rateLimit().burst()),
          outcomes)));
    }
    var root = system.settings().config();
    this.productReadPath = root.hasPath("orchestrator.marketplaces.tiktok.product-read-path")
        ? root.getString("orchestrator.marketplaces.tiktok.product-read-path") : PRODUCT;
  }

  public CallOutcomes outcomes() {
    return outcomes;
  }

  public String breakerState(String shopId) {
    return state(shopId).guard().breakerState();
  }

  /** How long an inventory update starting now would wait for the shop's rate limit (reserves nothing). */
  public Duration inventoryUpdateWait(String shopId) {
    return state(shopId).guard().untilFree("update_inventory");
  }

  public CompletionStage<List<OrderDetails>> getOrderDetails(String shopId, List<String> orderIds) {
    if (orderIds.isEmpty()) return CompletableFuture.completedFuture(List.of());
    List<CompletionStage<List<OrderDetails>>> batches = new ArrayList<>();
    for (int i = 0; i < orderIds.size(); i += MAX_BATCH) {
      String ids = String.join(",", orderIds.subList(i, Math.min(orderIds.size(), i + MAX_BATCH)));
      batches.add(call(shopId, "order_detail", "GET", ORDERS, Map.of("ids", ids), null,
          root -> TikTokOrders.read(shopId, JsonTrees.required(root, "data", "TikTok orders"))));
    }
    return Batches.concat(batches);
  }

  /** Sets the available quantity of SKUs of one product. Per-SKU failures come back in {@code errors}. */
  public CompletionStage<InventoryResult> updateInventory(String shopId, String productId, List<SkuQuantity> skus) {
    if (skus.isEmpty()) throw new IllegalArgumentException("updateInventory needs at least one SKU");
    ObjectNode body = JsonTrees.object();
    var list = body.putArray("skus");
    for (SkuQuantity s : skus) {
      var sku = list.addObject().put("id", s.skuId());
      sku.putArray("inventory").addObject().put("quantity", s.quantity());
    }
    String path = "/product/202309/products/" + productId + "/inventory/update";
    return call(shopId, "update_inventory", "POST", path, Map.of(), body, root -> {
      List<SkuError> errors = new ArrayList<>();
      for (JsonNode e : JsonTrees.optArray(root.path("data"), "errors")) {
        errors.add(new SkuError(JsonTrees.optText(e.path("detail"), "sku_id"), e.path("code").asLong(),
            JsonTrees.optText(e, "message")));
      }
      return new InventoryResult(productId, List.copyOf(skus), List.copyOf(errors));
    });
  }

  /** The quantity TikTok shows for each SKU of one product (SKU id to the sum over its warehouses). */
  public CompletionStage<Map<String, Integer>> getSkuQuantities(String shopId, String productId) {
    String path = productReadPath.replace("{product_id}", productId);
    return call(shopId, "stock_read", "GET", path, Map.of(), null, root -> {
      JsonNode data = JsonTrees.required(root, "data", "TikTok product detail");
      Map<String, Integer> quantities = new LinkedHashMap<>();
      for (JsonNode sku : JsonTrees.optArray(data, "skus")) {
        int total = 0;
        for (JsonNode inventory : JsonTrees.optArray(sku, "inventory")) total += inventory.path("quantity").asInt(0);
        quantities.put(JsonTrees.text(sku, "id", "TikTok product sku"), total);
      }
      return quantities;
    });
  }

  /** Seller cancellation with the configured reason (UNSURE of TikTok's codes). Returns the cancel id when given. */
  public CompletionStage<String> cancelOrder(String shopId, String orderId) {
    ObjectNode body = JsonTrees.object().put("order_id", orderId).put("cancel_reason", config.tiktokCancelReason());
    return call(shopId, "cancel_order", "POST", CANCEL, Map.of(), body,
        root -> JsonTrees.optText(root.path("data"), "cancel_id"));
  }

  /** Orders updated in [from, to), 100 per page, for reconciliation. */
  public CompletionStage<OrderPage> searchOrders(String shopId, Instant from, Instant to, String pageToken) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("page_size", "100");
    if (pageToken != null && !pageToken.isEmpty()) params.put("page_token", pageToken);
    ObjectNode body = JsonTrees.object().put("update_time_ge", from.getEpochSecond()).put("update_time_lt", to.getEpochSecond());
    return call(shopId, "order_search", "POST", ORDER_SEARCH, params, body, root -> {
      JsonNode data = JsonTrees.required(root, "data", "TikTok order search");
      List<OrderDetails> orders = data.has("orders") ? TikTokOrders.read(shopId, data) : List.of();
      return new OrderPage(orders, JsonTrees.optText(data, "next_page_token"));
    });
  }

  private ShopState state(String shopId) {
    ShopState state = shops.get(shopId);
    if (state == null) throw new IllegalArgumentException("no TikTok shop '" + shopId + "' in orchestrator.marketplaces");
    return state;
  }

  private <T> CompletionStage<T> call(String shopId, String kind, String method, String path,
      Map<String, String> params, ObjectNode body, Function<JsonNode, T> onOk) {
    ShopState state;
    try {
      state = state(shopId);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    byte[] raw = body == null ? new byte[0] : body.toString().getBytes(StandardCharsets.UTF_8);
    return state.guard().call(kind, () -> attempt(state.shop(), method, path, params, raw, body != null, onOk));
  }

  private <T> CompletionStage<Attempt<T>> attempt(MarketplaceConfig.TikTokShop shop, String method, String path,
      Map<String, String> params, byte[] raw, boolean hasBody, Function<JsonNode, T> onOk) {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("app_key", shop.appKey());
    query.put("timestamp", Long.toString(Instant.now().getEpochSecond()));
    query.put("shop_cipher", shop.shopCipher());
    query.putAll(params);
    query.put("sign", Signatures.tiktokRequestSign(shop.appSecret(), path, query, raw));
    StringBuilder uri = new StringBuilder(shop.baseUrl()).append(path);
    char sep = '?';
    for (var e : query.entrySet()) {
      uri.append(sep).append(HttpCaller.encode(e.getKey())).append('=').append(HttpCaller.encode(e.getValue()));
      sep = '&';
    }
    HttpRequest request = method.equals("GET") ? HttpRequest.GET(uri.toString())
        : HttpRequest.POST(uri.toString()).withEntity(ContentTypes.APPLICATION_JSON, hasBody ? raw : new byte[0]);
    request = request.addHeader(RawHeader.create("x-tts-access-token", shop.accessToken()));
    return http.send(request).thenApply(reply -> classify(reply, onOk));
  }

  static <T> Attempt<T> classify(HttpCaller.Reply reply, Function<JsonNode, T> onOk) {
    int status = reply.status();
    if (status == 429) return new Attempt.Retry<>("http_429", "Too many requests", false, HttpCaller.retryAfter(reply));
    if (status >= 500) return new Attempt.Retry<>("http_" + status, HttpCaller.abbreviate(reply.text()), true, null);
    JsonNode root;
    try {
      root = JsonTrees.parse(reply.body(), "TikTok response");
    } catch (MarketParseException e) {
      return status >= 400 ? new Attempt.Fail<>("http_" + status, HttpCaller.abbreviate(reply.text()))
          : new Attempt.Fail<>("parse", e.getMessage());
    }
    long code = root.path("code").asLong(-1);
    String message = JsonTrees.optText(root, "message");
    if (code == 0 && status < 400) return new Attempt.Ok<>(onOk.apply(root), Integer.toString(status));
    if (RETRY_CODES.contains(code)) {
      return new Attempt.Retry<>(Long.toString(code), message, code == 36009003L, null);
    }
    return new Attempt.Fail<>(code == -1 ? "http_" + status : Long.toString(code), message);
  }
}
