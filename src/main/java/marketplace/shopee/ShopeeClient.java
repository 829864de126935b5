package marketplace.shopee;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import common.Futures;
import common.OrderDetails;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import marketplace.Batches;
import marketplace.CallOutcomes;
import marketplace.HttpCaller;
import marketplace.JsonTrees;
import marketplace.MarketCallException;
import marketplace.MarketParseException;
import marketplace.MarketplaceConfig;
import marketplace.ShopGuard.Attempt;
import marketplace.ShopGuard;
import marketplace.WebhookEvent;
import marketplace.signing.Signatures;

/**
 * Shopee Open Platform v2 client (MARKETPLACES.md). Asynchronous throughout; every call goes through the shop's
 * {@link ShopGuard} (rate limit, circuit breaker, retries). The access token is refreshed shortly before it expires,
 * and on {@code error_auth} the call is retried once after a refresh.
 */
public final class ShopeeClient {
  static final String ORDER_DETAIL = "/api/v2/order/get_order_detail";
  static final String UPDATE_STOCK = "/api/v2/product/update_stock";
  static final String CANCEL_ORDER = "/api/v2/order/cancel_order";
  static final String ORDER_LIST = "/api/v2/order/get_order_list";
  static final String LOST_PUSH = "/api/v2/push/get_lost_push_message";
  static final String CONFIRM_LOST_PUSH = "/api/v2/push/confirm_consumed_lost_push_message";
  static final String TOKEN_REFRESH = "/api/v2/auth/access_token/get";
  static final int MAX_BATCH = 50;
  /**
   * UNSURE: MARKETPLACES.md has no "get stock" call. get_model_list answering
   * {@code response.model[]{model_id, stock_info_v2.summary_info.total_available_stock}} is from memory of Shopee's
   * docs, not checked; configurable as {@code orchestrator.marketplaces.shopee.stock-read-path}.
   */
  static final String MODEL_LIST = "/api/v2/product/get_model_list";

  public record ModelStock(long modelId, int stock) {}

  public record ModelFailure(long modelId, String reason) {}

  /** One item's stock update: which models took the new stock and which did not (read from failure_list). */
  public record StockUpdateResult(long itemId, List<ModelStock> succeeded, List<ModelFailure> failed) {
    public boolean complete() {
      return failed.isEmpty();
    }
  }

  public record ItemModel(long itemId, long modelId) {}

  public record OrderListPage(List<String> orderSns, boolean more, String nextCursor) {}

  /** Lost pushes parsed like live ones; confirm {@code lastMessageId} once they are safely handled. */
  public record LostPushPage(List<WebhookEvent> events, boolean hasNextPage, long lastMessageId) {}

  public record Tokens(String accessToken, String refreshToken, Instant expiresAt) {
    @Override
    public String toString() {
      return "Tokens[accessToken=***, refreshToken=***, expiresAt=" + expiresAt + "]";
    }
  }

  private final class ShopState {
    final MarketplaceConfig.ShopeeShop shop;
    final ShopGuard guard;
    volatile Tokens tokens;
    private CompletableFuture<Tokens> refreshing;

    ShopState(MarketplaceConfig.ShopeeShop shop) {
      this.shop = shop;
      this.guard = new ShopGuard(system, Channel.SHOPEE, shop.shopId(), config.client(),
          ShopGuard.perApi(system, shop.rateLimit().ratePerSecond(), shop.rateLimit().burst()), outcomes);
      // Expiry of a configured token is unknown: it is used until Shopee answers error_auth.
      this.tokens = new Tokens(shop.accessToken(), shop.refreshToken(), null);
    }

    synchronized CompletableFuture<Tokens> refresh() {
      CompletableFuture<Tokens> current = refreshing;
      if (current == null) {
        CompletableFuture<Tokens> started = doRefresh(this).toCompletableFuture();
        current = started;
        refreshing = started;
        // May run at once, on this thread, when the refresh already finished: return the local, never the field.
        started.whenComplete((t, e) -> {
          synchronized (ShopState.this) {
            if (refreshing == started) refreshing = null;
          }
        });
      }
      return current;
    }
  }

  private final ActorSystem<?> system;
  private final MarketplaceConfig config;
  private final HttpCaller http;
  private final CallOutcomes outcomes;
  private final Map<String, ShopState> shops = new ConcurrentHashMap<>();
  private volatile BiConsumer<String, Tokens> tokenListener = (shopId, tokens) -> {};
  private final String stockReadPath;

  public ShopeeClient(ActorSystem<?> system, MarketplaceConfig config) {
    this(system, config, new CallOutcomes());
  }

  public ShopeeClient(ActorSystem<?> system, MarketplaceConfig config, CallOutcomes outcomes) {
    this.system = system;
    this.config = config;
    this.outcomes = outcomes;
    this.http = new HttpCaller(system, config.client());
    for (MarketplaceConfig.ShopeeShop shop : config.shopee()) shops.put(shop.shopId(), new ShopState(shop));
    var root = system.settings().config();
    this.stockReadPath = root.hasPath("orchestrator.marketplaces.shopee.stock-read-path")
        ? root.getString("orchestrator.marketplaces.shopee.stock-read-path") : MODEL_LIST;
  }

  /** Called after every successful token refresh (e.g. to persist the new refresh token). */
  public void onTokensRefreshed(BiConsumer<String, Tokens> listener) {
    this.tokenListener = listener;
  }

  public CallOutcomes outcomes() {
    return outcomes;
  }

  public String breakerState(String shopId) {
    return state(shopId).guard.breakerState();
  }

  /** How long a stock update starting now would wait for the shop's rate limit (reserves nothing). */
  public Duration stockUpdateWait(String shopId) {
    return state(shopId).guard.untilFree("update_stock");
  }

  public Tokens tokens(String shopId) {
    return state(shopId).tokens;
  }

  // ------------------------------------------------------------------------------------------------------- API

  /** get_order_detail for any number of orders (sent in batches of 50). */
  public CompletionStage<List<OrderDetails>> getOrderDetails(String shopId, List<String> orderSns) {
    if (orderSns.isEmpty()) return CompletableFuture.completedFuture(List.of());
    List<CompletionStage<List<OrderDetails>>> batches = new ArrayList<>();
    for (int i = 0; i < orderSns.size(); i += MAX_BATCH) {
      List<String> batch = orderSns.subList(i, Math.min(orderSns.size(), i + MAX_BATCH));
      Map<String, String> params = new LinkedHashMap<>();
      params.put("order_sn_list", String.join(",", batch));
      params.put("response_optional_fields", "buyer_username,recipient_address,item_list,pay_time,total_amount");
      batches.add(shopCall(shopId, "order_detail", ORDER_DETAIL, params, null,
          root -> ShopeeOrders.read(shopId, JsonTrees.required(root, "response", "Shopee get_order_detail")),
          false));
    }
    return Batches.concat(batches);
  }

  /**
   * update_stock for one item (Shopee accepts one item per call); more than 50 models go in several calls. Partial
   * failure is not an error: the result lists each model that failed with Shopee's reason.
   */
  public CompletionStage<StockUpdateResult> updateStock(String shopId, long itemId, List<ModelStock> stocks) {
    if (stocks.isEmpty()) throw new IllegalArgumentException("updateStock needs at least one model");
    CompletionStage<StockUpdateResult> chain =
        CompletableFuture.completedFuture(new StockUpdateResult(itemId, List.of(), List.of()));
    for (int i = 0; i < stocks.size(); i += MAX_BATCH) {
      List<ModelStock> batch = stocks.subList(i, Math.min(stocks.size(), i + MAX_BATCH));
      ObjectNode body = JsonTrees.object();
      body.put("item_id", itemId);
      var list = body.putArray("stock_list");
      for (ModelStock m : batch) {
        var entry = list.addObject();
        entry.put("model_id", m.modelId());
        entry.putArray("seller_stock").addObject().put("stock", m.stock());
      }
      chain = chain.thenCompose(sofar -> shopCall(shopId, "update_stock", UPDATE_STOCK, Map.of(), body,
          root -> parseStockResult(itemId, root), true)
          .thenApply(next -> merge(sofar, next)));
    }
    return chain;
  }

  /**
   * The stock Shopee shows for each model of one item (model id to total available stock), for reconciliation.
   * An item without models is reported as model 0. UNSURE of the call and its fields: see {@link #MODEL_LIST}.
   */
  public CompletionStage<Map<Long, Integer>> getModelStocks(String shopId, long itemId) {
    return shopCall(shopId, "stock_read", stockReadPath, Map.of("item_id", Long.toString(itemId)), null, root -> {
      JsonNode response = JsonTrees.required(root, "response", "Shopee get_model_list");
      Map<Long, Integer> stocks = new LinkedHashMap<>();
      for (JsonNode model : JsonTrees.optArray(response, "model")) {
        JsonNode total = model.path("stock_info_v2").path("summary_info").path("total_available_stock");
        if (!total.isNumber()) throw new MarketParseException("Shopee get_model_list: model without total_available_stock");
        stocks.put(model.path("model_id").asLong(0), total.asInt());
      }
      return stocks;
    }, false);
  }

  /** cancel_order with the configured reason (OUT_OF_STOCK by default; UNSURE in the docs). */
  public CompletionStage<Void> cancelOrder(String shopId, String orderSn, List<ItemModel> items) {
    ObjectNode body = JsonTrees.object();
    body.put("order_sn", orderSn);
    body.put("cancel_reason", config.shopeeCancelReason());
    var list = body.putArray("item_list");
    for (ItemModel item : items) list.addObject().put("item_id", item.itemId()).put("model_id", item.modelId());
    return shopCall(shopId, "cancel_order", CANCEL_ORDER, Map.of(), body, root -> (Void) null, false);
  }

  /** get_order_list by update time, for reconciliation; the window may not exceed 15 days. */
  public CompletionStage<OrderListPage> getOrderList(String shopId, Instant from, Instant to, String cursor) {
    if (Duration.between(from, to).compareTo(Duration.ofDays(15)) > 0 || to.isBefore(from)) {
      throw new IllegalArgumentException("Shopee order list window must be 0 to 15 days, got " + from + " .. " + to);
    }
    Map<String, String> params = new LinkedHashMap<>();
    params.put("time_range_field", "update_time");
    params.put("time_from", Long.toString(from.getEpochSecond()));
    params.put("time_to", Long.toString(to.getEpochSecond()));
    params.put("page_size", "100");
    params.put("cursor", cursor == null ? "" : cursor);
    return shopCall(shopId, "order_list", ORDER_LIST, params, null, root -> {
      JsonNode response = JsonTrees.required(root, "response", "Shopee get_order_list");
      List<String> sns = new ArrayList<>();
      for (JsonNode o : JsonTrees.optArray(response, "order_list")) sns.add(JsonTrees.text(o, "order_sn", "order_list"));
      return new OrderListPage(sns, response.path("more").asBoolean(false), JsonTrees.optText(response, "next_cursor"));
    }, false);
  }

  /** get_lost_push_message: pushes Shopee failed to deliver in the last 3 days (partner-level, public signing). */
  public CompletionStage<LostPushPage> getLostPushMessages(String shopId) {
    ShopState state = state(shopId);
    return state.guard.call("lost_push_get", () -> publicAttempt(state, "GET", LOST_PUSH, null, root -> {
      JsonNode response = root.has("response") ? root.get("response") : root;
      List<WebhookEvent> events = new ArrayList<>();
      for (JsonNode message : JsonTrees.optArray(response, "push_message_list")) {
        try {
          events.add(ShopeePushes.lostPush(message));
        } catch (MarketParseException e) {
          events.add(new WebhookEvent.Ignored(Channel.SHOPEE, "unparseable lost push: " + e.getMessage(), null));
        }
      }
      return new LostPushPage(events, response.path("has_next_page").asBoolean(false),
          response.path("last_message_id").asLong(0));
    }));
  }

  /** confirm_consumed_lost_push_message: Shopee forgets lost pushes up to this id. */
  public CompletionStage<Void> confirmLostPushConsumed(String shopId, long lastMessageId) {
    ShopState state = state(shopId);
    ObjectNode body = JsonTrees.object().put("last_message_id", lastMessageId);
    return state.guard.call("lost_push_confirm", () -> publicAttempt(state, "POST", CONFIRM_LOST_PUSH, body,
        root -> (Void) null));
  }

  /** Refreshes the shop's access token now (concurrent callers share one refresh). */
  public CompletionStage<Tokens> refreshAccessToken(String shopId) {
    return state(shopId).refresh();
  }

  // ------------------------------------------------------------------------------------------------ internals

  private ShopState state(String shopId) {
    ShopState state = shops.get(shopId);
    if (state == null) throw new IllegalArgumentException("no Shopee shop '" + shopId + "' in orchestrator.marketplaces");
    return state;
  }

  private <T> CompletionStage<T> shopCall(String shopId, String kind, String path, Map<String, String> params,
      ObjectNode body, Function<JsonNode, T> onOk, boolean partialOk) {
    ShopState state;
    try {
      state = state(shopId);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return freshTokens(state)
        .thenCompose(t -> state.guard.call(kind, () -> shopAttempt(state, path, params, body, onOk, partialOk)))
        .exceptionallyCompose(error -> {
          Throwable cause = Futures.unwrap(error);
          if (cause instanceof MarketCallException e && e.code().equals("error_auth")) {
            // The token was revoked or expired early: refresh, then retry exactly once.
            return state.refresh().thenCompose(t -> state.guard.call(kind,
                () -> shopAttempt(state, path, params, body, onOk, partialOk)));
          }
          return CompletableFuture.failedFuture(cause);
        });
  }

  private CompletionStage<Tokens> freshTokens(ShopState state) {
    Tokens tokens = state.tokens;
    if (tokens.expiresAt() != null
        && Instant.now().plus(config.shopeeTokenRefreshMargin()).isAfter(tokens.expiresAt())) {
      return state.refresh();
    }
    return CompletableFuture.completedFuture(tokens);
  }

  private <T> CompletionStage<Attempt<T>> shopAttempt(ShopState state, String path, Map<String, String> params,
      ObjectNode body, Function<JsonNode, T> onOk, boolean partialOk) {
    MarketplaceConfig.ShopeeShop shop = state.shop;
    long timestamp = Instant.now().getEpochSecond();
    String token = state.tokens.accessToken();
    long shopId = Long.parseLong(shop.shopId());
    Map<String, String> query = new LinkedHashMap<>();
    query.put("partner_id", Long.toString(shop.partnerId()));
    query.put("timestamp", Long.toString(timestamp));
    query.put("access_token", token);
    query.put("shop_id", shop.shopId());
    query.put("sign", Signatures.shopeeShopSign(shop.partnerKey(), shop.partnerId(), path, timestamp, token, shopId));
    query.putAll(params);
    return http.send(request(body == null ? "GET" : "POST", shop.baseUrl() + path, query, body))
        .thenApply(reply -> classify(reply, onOk, partialOk));
  }

  private <T> CompletionStage<Attempt<T>> publicAttempt(ShopState state, String method, String path, ObjectNode body,
      Function<JsonNode, T> onOk) {
    MarketplaceConfig.ShopeeShop shop = state.shop;
    long timestamp = Instant.now().getEpochSecond();
    Map<String, String> query = new LinkedHashMap<>();
    query.put("partner_id", Long.toString(shop.partnerId()));
    query.put("timestamp", Long.toString(timestamp));
    query.put("sign", Signatures.shopeePublicSign(shop.partnerKey(), shop.partnerId(), path, timestamp));
    return http.send(request(method, shop.baseUrl() + path, query, body))
        .thenApply(reply -> classify(reply, onOk, false));
  }

  private CompletionStage<Tokens> doRefresh(ShopState state) {
    ObjectNode body = JsonTrees.object();
    body.put("refresh_token", state.tokens.refreshToken());
    body.put("partner_id", state.shop.partnerId());
    body.put("shop_id", Long.parseLong(state.shop.shopId()));
    return state.guard.call("token_refresh", () -> publicAttempt(state, "POST", TOKEN_REFRESH, body, root -> {
      JsonNode r = root.has("access_token") ? root : JsonTrees.required(root, "response", "Shopee token refresh");
      long expireIn = JsonTrees.longValue(r, "expire_in", "Shopee token refresh");
      return new Tokens(JsonTrees.text(r, "access_token", "Shopee token refresh"),
          JsonTrees.text(r, "refresh_token", "Shopee token refresh"), Instant.now().plusSeconds(expireIn));
    })).thenApply(tokens -> {
      state.tokens = tokens;
      tokenListener.accept(state.shop.shopId(), tokens);
      return tokens;
    });
  }

  static HttpRequest request(String method, String url, Map<String, String> query, ObjectNode body) {
    StringBuilder uri = new StringBuilder(url);
    char sep = '?';
    for (var e : query.entrySet()) {
      uri.append(sep).append(HttpCaller.encode(e.getKey())).append('=').append(HttpCaller.encode(e.getValue()));
      sep = '&';
    }
    if (method.equals("GET")) return HttpRequest.GET(uri.toString());
    byte[] bytes = body == null ? "{}".getBytes() : JsonTrees.MAPPER.valueToTree(body).toString().getBytes(
        java.nio.charset.StandardCharsets.UTF_8);
    return HttpRequest.POST(uri.toString()).withEntity(ContentTypes.APPLICATION_JSON, bytes);
  }

  /** Shopee's envelope: retry on 429, 5xx and error_server; error_auth goes back to the caller for a refresh. */
  static <T> Attempt<T> classify(HttpCaller.Reply reply, Function<JsonNode, T> onOk, boolean partialOk) {
    int status = reply.status();
    if (status == 429) return new Attempt.Retry<>("http_429", "Too many requests", false, HttpCaller.retryAfter(reply));
    if (status >= 500) return new Attempt.Retry<>("http_" + status, HttpCaller.abbreviate(reply.text()), true, null);
    JsonNode root;
    try {
      root = JsonTrees.parse(reply.body(), "Shopee response");
    } catch (MarketParseException e) {
      return status >= 400 ? new Attempt.Fail<>("http_" + status, HttpCaller.abbreviate(reply.text()))
          : new Attempt.Fail<>("parse", e.getMessage());
    }
    String error = JsonTrees.optText(root, "error");
    String message = JsonTrees.optText(root, "message");
    if (error == null && status < 400) return new Attempt.Ok<>(onOk.apply(root), Integer.toString(status));
    if (error == null) return new Attempt.Fail<>("http_" + status, message);
    if (error.equals("error_server")) {
      boolean rateLimited = message != null && message.toLowerCase().contains("too many");
      return new Attempt.Retry<>(error, message, !rateLimited, null);
    }
    if (partialOk && error.equals("error_busi_update_stock_failed")) return new Attempt.Ok<>(onOk.apply(root), error);
    return new Attempt.Fail<>(error, message);
  }

  private static StockUpdateResult parseStockResult(long itemId, JsonNode root) {
    JsonNode response = root.path("response");
    List<ModelStock> ok = new ArrayList<>();
    for (JsonNode s : JsonTrees.optArray(response, "success_list")) {
      ok.add(new ModelStock(s.path("model_id").asLong(), s.path("stock").asInt()));
    }
    List<ModelFailure> failed = new ArrayList<>();
    for (JsonNode f : JsonTrees.optArray(response, "failure_list")) {
      failed.add(new ModelFailure(f.path("model_id").asLong(), JsonTrees.optText(f, "failed_reason")));
    }
    if (ok.isEmpty() && failed.isEmpty() && root.path("error").asText("").equals("error_busi_update_stock_failed")) {
      throw new MarketParseException("Shopee update_stock failed without a failure_list: " + root.path("message").asText());
    }
    return new StockUpdateResult(itemId, List.copyOf(ok), List.copyOf(failed));
  }

  private static StockUpdateResult merge(StockUpdateResult a, StockUpdateResult b) {
    List<ModelStock> ok = new ArrayList<>(a.succeeded());
    ok.addAll(b.succeeded());
    List<ModelFailure> failed = new ArrayList<>(a.failed());
    failed.addAll(b.failed());
    return new StockUpdateResult(a.itemId(), List.copyOf(ok), List.copyOf(failed));
  }
}
