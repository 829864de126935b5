package marketplace.tiktok;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.RawHeader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import common.Futures;
import common.OrderDetails;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import marketplace.Batches;
import marketplace.CallOutcomes;
import marketplace.FailureClass;
import marketplace.HttpCaller;
import marketplace.JsonTrees;
import marketplace.MarketCallException;
import marketplace.MarketParseException;
import marketplace.LocalShopTokens;
import marketplace.MarketplaceConfig;
import marketplace.ShopDirectory;
import marketplace.ShopTokens;
import marketplace.ShopGuard.Attempt;
import marketplace.ShopGuard;
import marketplace.signing.Signatures;

/**
 * TikTok Shop Partner API (202309) client. Each request is signed over path, sorted query and raw body; the access
 * token travels in {@code x-tts-access-token}. Every answer is classified by {@link TikTokErrors} (one table for the
 * envelope code and for {@code data.errors}); retries go through the shop's {@link ShopGuard}; an expired token
 * (105002) is renewed once through the shop's {@link ShopTokens} and the call repeated once.
 */
public final class TikTokClient {
  static final String ORDERS = "/order/202309/orders";
  static final String ORDER_SEARCH = "/order/202309/orders/search";
  static final String CANCEL = "/return_refund/202309/cancellations";
  static final int MAX_BATCH = 50;
  /**
   * Product detail: {@code data.skus[]{id, inventory[]{warehouse_id, quantity}}} (MARKETPLACES.md "Inventory update":
   * the SKUs' warehouses and the stock read-back). Configurable as {@code orchestrator.marketplaces.tiktok.product-read-path}.
   */
  static final String PRODUCT = "/product/202309/products/{product_id}";

  public record OrderPage(List<OrderDetails> orders, String nextPageToken) {}

  /** What a cancel came to: TikTok's cancel id, or {@code alreadyCancelled} (25001011, or the order read CANCELLED). */
  public record CancelResult(String cancelId, String reason, boolean alreadyCancelled) {}

  private record ShopState(MarketplaceConfig.TikTokShop shop, ShopGuard guard) {}

  private final ActorSystem<?> system;
  private final MarketplaceConfig config;
  private final HttpCaller http;
  private final CallOutcomes outcomes;
  private final ShopTokens tokens;
  private final ShopDirectory directory;
  private final TikTokAuthorizer authorizer;
  private final Map<String, ShopState> shops = new ConcurrentHashMap<>();
  private final String productReadPath;
  private final TikTokCancelReasons cancelReasons;
  private final boolean zeroQuantityRefused;

  /** A client on its own (its unit tests): the configured tokens, refreshed in memory. */
  public TikTokClient(ActorSystem<?> system, MarketplaceConfig config) {
    this(system, config, new CallOutcomes());
  }

  public TikTokClient(ActorSystem<?> system, MarketplaceConfig config, CallOutcomes outcomes) {
    this(system, config, outcomes, new LocalShopTokens(Channel.TIKTOK, config), ShopDirectory.NONE);
  }

  /**
   * @param tokens where every call gets its shop's access token (the shops' connection entities in the service)
   * @param directory the connected shops: one not configured is called with the app's settings and its cipher
   */
  public TikTokClient(ActorSystem<?> system, MarketplaceConfig config, CallOutcomes outcomes, ShopTokens tokens,
      ShopDirectory directory) {
    this.system = system;
    this.config = config;
    this.outcomes = outcomes;
    this.tokens = tokens;
    this.directory = directory;
    this.http = new HttpCaller(system, config.client());
    for (MarketplaceConfig.TikTokShop shop : config.tiktok()) shops.put(shop.shopId(), newState(shop));
    var root = system.settings().config();
    this.productReadPath = root.hasPath("orchestrator.marketplaces.tiktok.product-read-path")
        ? root.getString("orchestrator.marketplaces.tiktok.product-read-path") : PRODUCT;
    this.cancelReasons = TikTokCancelReasons.fromConfig(root);
    this.zeroQuantityRefused = root.hasPath("orchestrator.marketplaces.tiktok.zero-quantity")
        && root.getString("orchestrator.marketplaces.tiktok.zero-quantity").equals("refuse");
    this.authorizer = new TikTokAuthorizer(this, http, config);
    if (tokens instanceof LocalShopTokens local) local.refreshWith(authorizer);
  }

  private ShopState newState(MarketplaceConfig.TikTokShop shop) {
    return new ShopState(shop, new ShopGuard(system, Channel.TIKTOK, shop.shopId(), config.client(),
        ShopGuard.perApi(system, shop.rateLimit().ratePerSecond(), shop.rateLimit().burst()), outcomes));
  }

  /** The authorisation flow and token refresh of this client's app. */
  public TikTokAuthorizer authorizer() {
    return authorizer;
  }

  /** {@code zero-quantity = refuse}: a SKU at 0 is refused locally (UNSURE whether TikTok accepts 0). */
  public boolean zeroQuantityRefused() {
    return zeroQuantityRefused;
  }

  public CallOutcomes outcomes() {
    return outcomes;
  }

  public String breakerState(String shopId) {
    return state(shopId).guard().breakerState();
  }

  /** The access token a client on its own carries now (its unit tests); in the service the connection entity holds it. */
  public String accessToken(String shopId) {
    if (!(tokens instanceof LocalShopTokens local)) throw new IllegalStateException("tokens live in the shop's connection");
    return local.grant(shopId).accessToken();
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

  /**
   * Sets the in-stock quantity of SKUs of one product, per warehouse. Per-SKU failures (which TikTok answers with
   * code 0) come back in {@code errors}, each classified by {@link TikTokErrors}.
   */
  public CompletionStage<TikTokInventory.InventoryResult> updateInventory(String shopId, String productId,
      List<TikTokInventory.SkuInventory> skus) {
    if (skus.isEmpty()) throw new IllegalArgumentException("updateInventory needs at least one SKU");
    String path = "/product/202309/products/" + productId + "/inventory/update";
    return call(shopId, "update_inventory", "POST", path, Map.of(), TikTokInventory.body(skus),
        root -> new TikTokInventory.InventoryResult(productId, List.copyOf(skus), TikTokInventory.errors(root)));
  }

  /** Each SKU of one product with its warehouses and their quantities (the product detail's {@code skus[].inventory[]}). */
  public CompletionStage<Map<String, List<TikTokInventory.WarehouseQuantity>>> getProductInventory(String shopId,
      String productId) {
    String path = productReadPath.replace("{product_id}", productId);
    return call(shopId, "stock_read", "GET", path, Map.of(), null, TikTokInventory::product);
  }

  /**
   * Seller cancellation with the reason that matches the order's status (read first; an order already CANCELLED is
   * not cancelled again). On 25001021 the status is read again and the cancel repeated once with its reason;
   * 25001011 counts as done; 25001051/25001045 fail (permanent, surfaced).
   */
  public CompletionStage<CancelResult> cancelOrder(String shopId, String orderId) {
    return orderStatus(shopId, orderId).thenCompose(status -> cancelWith(shopId, orderId, status, true));
  }

  private CompletionStage<CancelResult> cancelWith(String shopId, String orderId, String status, boolean mayRetry) {
    if ("CANCELLED".equals(status) || "CANCEL".equals(status)) {
      return CompletableFuture.completedFuture(new CancelResult(null, null, true));
    }
    String region;
    try {
      region = state(shopId).shop().region();
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    String reason = cancelReasons.reasonFor(status, region);
    ObjectNode body = JsonTrees.object().put("order_id", orderId).put("cancel_reason", reason);
    CompletionStage<CancelResult> sent = call(shopId, "cancel_order", "POST", CANCEL, Map.of(), body,
        root -> new CancelResult(JsonTrees.optText(root.path("data"), "cancel_id"), reason, false));
    return sent.handle((ok, error) -> {
      if (error == null) return CompletableFuture.completedFuture(ok);
      Throwable e = Futures.unwrap(error);
      if (e instanceof MarketCallException m && m.failureClass() == FailureClass.DONE) {
        return CompletableFuture.completedFuture(new CancelResult(null, reason, true));
      }
      if (mayRetry && e instanceof MarketCallException m
          && m.code().equals(Long.toString(TikTokErrors.CANCEL_REASON_MISMATCH))) {
        return orderStatus(shopId, orderId).thenCompose(now -> cancelWith(shopId, orderId, now, false));
      }
      return CompletableFuture.<CancelResult>failedFuture(e);
    }).thenCompose(f -> f);
  }

  /** The order's status as TikTok reads it now; null when TikTok does not return the order. */
  private CompletionStage<String> orderStatus(String shopId, String orderId) {
    return getOrderDetails(shopId, List.of(orderId)).thenApply(orders -> orders.stream()
        .filter(o -> o.orderId().equals(orderId)).map(OrderDetails::status).findFirst().orElse(null));
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
    if (state != null) return state;
    var connected = directory.shop(Channel.TIKTOK, shopId);
    if (connected.isEmpty()) {
      throw new IllegalArgumentException("no TikTok shop '" + shopId + "' configured or connected");
    }
    return shops.computeIfAbsent(shopId, id -> newState(config.tiktokApp().shop(id, connected.get().shopCipher(),
        connected.get().region())));
  }

  /** One call through the guard; on 105002 the token is renewed (one refresh shared by all callers) and the call sent once more. */
  private <T> CompletionStage<T> call(String shopId, String kind, String method, String path,
      Map<String, String> params, ObjectNode body, Function<JsonNode, T> onOk) {
    ShopState state;
    try {
      state = state(shopId);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    byte[] raw = body == null ? new byte[0] : body.toString().getBytes(StandardCharsets.UTF_8);
    String[] used = new String[1];
    return tokens.current(Channel.TIKTOK, shopId).thenCompose(token -> {
      used[0] = token.token();
      return state.guard().call(kind, () -> attempt(state.shop(), token.token(), method, path, params, raw,
          body != null, onOk, true));
    }).handle((ok, error) -> {
      if (error == null) return CompletableFuture.completedFuture(ok);
      Throwable e = Futures.unwrap(error);
      if (!(e instanceof MarketCallException m) || m.failureClass() != FailureClass.REFRESH_ONCE) {
        return CompletableFuture.<T>failedFuture(e);
      }
      return tokens.renew(Channel.TIKTOK, shopId, used[0]).thenCompose(token -> state.guard().call(kind,
              () -> attempt(state.shop(), token.token(), method, path, params, raw, body != null, onOk, true)))
          .exceptionallyCompose(again -> CompletableFuture.failedFuture(secondExpiry(Futures.unwrap(again))));
    }).thenCompose(f -> f);
  }

  /** A signed app-level call with a token that names no shop yet (the authorised-shops list): no shop_cipher. */
  <T> CompletionStage<T> appCall(String kind, String token, String path, Function<JsonNode, T> onOk) {
    MarketplaceConfig.TikTokApp app = config.tiktokApp();
    MarketplaceConfig.TikTokShop asApp = app.shop("app", "", "");
    return attempt(asApp, token, "GET", path, Map.of(), new byte[0], false, onOk, false).thenCompose(result -> {
      if (result instanceof Attempt.Ok<T> ok) return CompletableFuture.completedFuture(ok.value());
      String code = result instanceof Attempt.Fail<T> f ? f.code() : ((Attempt.Retry<T>) result).code();
      String message = result instanceof Attempt.Fail<T> f ? f.message() : ((Attempt.Retry<T>) result).message();
      FailureClass failureClass = result instanceof Attempt.Fail<T> f ? f.failureClass() : FailureClass.RETRY;
      return CompletableFuture.failedFuture(new MarketCallException(Channel.TIKTOK, "?", kind, code, message, 1,
          failureClass, null, null));
    });
  }

  /** A 105002 right after a good refresh is not a token problem any more: permanent (config), never a loop. */
  private static Throwable secondExpiry(Throwable e) {
    if (e instanceof MarketCallException m && m.failureClass() == FailureClass.REFRESH_ONCE) {
      return new MarketCallException(m.channel(), m.shopId(), m.kind(), m.code(),
          "still expired after a token refresh", m.attempts(), FailureClass.PERMANENT_CONFIG, null, m);
    }
    return e;
  }

  private <T> CompletionStage<Attempt<T>> attempt(MarketplaceConfig.TikTokShop shop, String token, String method,
      String path, Map<String, String> params, byte[] raw, boolean hasBody, Function<JsonNode, T> onOk,
      boolean shopApi) {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("app_key", shop.appKey());
    query.put("timestamp", Long.toString(Instant.now().getEpochSecond()));
    if (shopApi) query.put("shop_cipher", shop.shopCipher());
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
    request = request.addHeader(RawHeader.create("x-tts-access-token", token));
    return http.send(request).thenApply(reply -> classify(reply, onOk));
  }

  /** One answer by {@link TikTokErrors}: HTTP 429/5xx retry (Retry-After honoured), else the envelope's code decides. */
  static <T> Attempt<T> classify(HttpCaller.Reply reply, Function<JsonNode, T> onOk) {
    int status = reply.status();
    Duration retryAfter = HttpCaller.retryAfter(reply);
    JsonNode root = null;
    try {
      root = JsonTrees.parse(reply.body(), "TikTok response");
    } catch (MarketParseException e) {
      if (TikTokErrors.ofHttp(status) == FailureClass.RETRY) {
        return new Attempt.Retry<>("http_" + status, HttpCaller.abbreviate(reply.text()), status != 429, retryAfter);
      }
      return status >= 400 ? new Attempt.Fail<>("http_" + status, HttpCaller.abbreviate(reply.text()))
          : new Attempt.Fail<>("parse", e.getMessage());
    }
    long code = root.path("code").asLong(-1);
    String message = JsonTrees.optText(root, "message");
    if (code == 0 && status < 400) return new Attempt.Ok<>(onOk.apply(root), Integer.toString(status));
    FailureClass failureClass = code == -1 ? TikTokErrors.ofHttp(status) : TikTokErrors.of(code);
    if (failureClass == FailureClass.UNKNOWN && TikTokErrors.ofHttp(status) == FailureClass.RETRY) {
      failureClass = FailureClass.RETRY; // 429 / 5xx whatever the body says
    }
    String shown = code == -1 ? "http_" + status : Long.toString(code);
    if (failureClass == FailureClass.RETRY) {
      boolean unhealthy = status >= 500 || (code != -1 && TikTokErrors.unhealthy(code));
      return new Attempt.Retry<>(shown, message, unhealthy, retryAfter);
    }
    return new Attempt.Fail<>(shown, message, failureClass);
  }
}
