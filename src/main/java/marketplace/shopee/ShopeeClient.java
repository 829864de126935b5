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
import java.util.function.Function;
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
import marketplace.ShopGrant;
import marketplace.ShopTokens;
import marketplace.ShopGuard.Attempt;
import marketplace.ShopGuard;
import marketplace.WebhookEvent;
import marketplace.signing.Signatures;

/**
 * Shopee Open Platform v2 client (MARKETPLACES.md). Asynchronous throughout; every call goes through the shop's
 * {@link ShopGuard} (rate limit, circuit breaker, retries). The access token is refreshed shortly before it expires,
 * and on an expired-token answer ({@link ShopeeErrors#tokenExpired}) the call is retried once after a refresh.
 */
public final class ShopeeClient {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ShopeeClient.class);
  static final String ORDER_DETAIL = "/api/v2/order/get_order_detail";
  static final String UPDATE_STOCK = "/api/v2/product/update_stock";
  static final String CANCEL_ORDER = "/api/v2/order/cancel_order";
  static final String ORDER_LIST = "/api/v2/order/get_order_list";
  static final String LOST_PUSH = "/api/v2/push/get_lost_push_message";
  static final String CONFIRM_LOST_PUSH = "/api/v2/push/confirm_consumed_lost_push_message";
  static final String TOKEN_REFRESH = "/api/v2/auth/access_token/get";
  static final int MAX_BATCH = 50;
  /** Stock read of an item with models (MARKETPLACES.md "Stock: reading it back"). */
  static final String MODEL_LIST = "/api/v2/product/get_model_list";
  /** Stock read of an item without models, and the has_model probe. */
  static final String ITEM_BASE_INFO = "/api/v2/product/get_item_base_info";
  static final String WAREHOUSE_DETAIL = "/api/v2/shop/get_warehouse_detail";

  public record ModelStock(long modelId, int stock) {}

  public record ModelFailure(long modelId, String reason) {}

  /** One seller_stock entry; {@code locationId} null in a shop without warehouses. */
  public record LocationStock(String locationId, int stock) {}

  /** One stock_list entry: every location of the model (MARKETPLACES.md: send them all). */
  public record ModelLocations(long modelId, List<LocationStock> locations) {}

  /** A model's read-back: seller_stock per location_id ("" when none) and total_reserved_stock. */
  public record StockInfo(Map<String, Integer> sellerStock, int reservedStock) {}

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

  /**
   * @param expiresAt null when unknown (a configured token is used until Shopee says it expired)
   * @param refreshBy not refreshed before this: three quarters into the token's life, so a token that lives less
   *     than the configured margin is not refreshed before every call (null when unknown)
   */
  public record Tokens(String accessToken, String refreshToken, Instant expiresAt, Instant refreshBy) {
    public Tokens(String accessToken, String refreshToken, Instant expiresAt) {
      this(accessToken, refreshToken, expiresAt, null);
    }

    @Override
    public String toString() {
      return "Tokens[accessToken=***, refreshToken=***, expiresAt=" + expiresAt + "]";
    }
  }

  private final class ShopState {
    final MarketplaceConfig.ShopeeShop shop;
    final ShopGuard guard;
    volatile List<String> locations;

    ShopState(MarketplaceConfig.ShopeeShop shop) {
      this.shop = shop;
      this.guard = new ShopGuard(system, Channel.SHOPEE, shop.shopId(), config.client(),
          ShopGuard.perApi(system, shop.rateLimit().ratePerSecond(), shop.rateLimit().burst()), outcomes);
    }
  }

  private final ActorSystem<?> system;
  private final MarketplaceConfig config;
  private final HttpCaller http;
  private final CallOutcomes outcomes;
  private final ShopTokens tokens;
  private final ShopDirectory directory;
  private final ShopeeAuthorizer authorizer;
  private final Map<String, ShopState> shops = new ConcurrentHashMap<>();
  /** Partner-level calls (token get) for shops not connected yet go through this guard. */
  private final ShopGuard appGuard;

  /** A client on its own (its unit tests): the configured tokens, refreshed in memory. */
  public ShopeeClient(ActorSystem<?> system, MarketplaceConfig config) {
    this(system, config, new CallOutcomes());
  }

  public ShopeeClient(ActorSystem<?> system, MarketplaceConfig config, CallOutcomes outcomes) {
    this(system, config, outcomes, new LocalShopTokens(Channel.SHOPEE, config), ShopDirectory.NONE);
  }

  /**
   * @param tokens where every call gets its shop's access token (the shops' connection entities in the service)
   * @param directory the connected shops: a shop not configured but connected is called with the app's settings
   */
  public ShopeeClient(ActorSystem<?> system, MarketplaceConfig config, CallOutcomes outcomes, ShopTokens tokens,
      ShopDirectory directory) {
    this.system = system;
    this.config = config;
    this.outcomes = outcomes;
    this.tokens = tokens;
    this.directory = directory;
    this.http = new HttpCaller(system, config.client());
    for (MarketplaceConfig.ShopeeShop shop : config.shopee()) shops.put(shop.shopId(), new ShopState(shop));
    this.appGuard = new ShopGuard(system, Channel.SHOPEE, "app", config.client(),
        ShopGuard.perApi(system, config.shopeeApp().rateLimit().ratePerSecond(),
            config.shopeeApp().rateLimit().burst()), new CallOutcomes());
    this.authorizer = new ShopeeAuthorizer(this, config);
    if (tokens instanceof LocalShopTokens local) local.refreshWith(authorizer);
  }

  /** The authorisation flow and token refresh of this client's app. */
  public ShopeeAuthorizer authorizer() {
    return authorizer;
  }

  /** The application's settings (for the Shopee keys the shop adapter reads). */
  public com.typesafe.config.Config settings() {
    return system.settings().config();
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

  /** The tokens a client on its own holds now (its unit tests); in the service the connection entity holds them. */
  public Tokens tokens(String shopId) {
    if (!(tokens instanceof LocalShopTokens local)) throw new IllegalStateException("tokens live in the shop's connection");
    ShopGrant g = local.grant(shopId);
    return new Tokens(g.accessToken(), g.refreshToken(), g.accessExpiresAt());
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

  /** update_stock for one item, one seller_stock entry per model without location_id (a single-warehouse shop). */
  public CompletionStage<StockUpdateResult> updateStock(String shopId, long itemId, List<ModelStock> stocks) {
    return updateItemStock(shopId, itemId, stocks.stream()
        .map(m -> new ModelLocations(m.modelId(), List.of(new LocationStock(null, m.stock())))).toList());
  }

  /**
   * update_stock for one item (Shopee accepts one item per call, so all its models go together); more than 50 models
   * go in several calls. Locations with a null id are sent without location_id. Partial failure is not an error: the
   * result lists each model that failed with Shopee's reason.
   */
  public CompletionStage<StockUpdateResult> updateItemStock(String shopId, long itemId, List<ModelLocations> stocks) {
    if (stocks.isEmpty()) throw new IllegalArgumentException("updateStock needs at least one model");
    CompletionStage<StockUpdateResult> chain =
        CompletableFuture.completedFuture(new StockUpdateResult(itemId, List.of(), List.of()));
    for (int i = 0; i < stocks.size(); i += MAX_BATCH) {
      List<ModelLocations> batch = stocks.subList(i, Math.min(stocks.size(), i + MAX_BATCH));
      ObjectNode body = JsonTrees.object();
      body.put("item_id", itemId);
      var list = body.putArray("stock_list");
      for (ModelLocations m : batch) {
        var entry = list.addObject();
        entry.put("model_id", m.modelId());
        var seller = entry.putArray("seller_stock");
        for (LocationStock l : m.locations()) {
          var s = seller.addObject();
          if (l.locationId() != null) s.put("location_id", l.locationId());
          s.put("stock", l.stock());
        }
      }
      chain = chain.thenCompose(sofar -> shopCall(shopId, "update_stock", UPDATE_STOCK, Map.of(), body,
          root -> parseStockResult(itemId, root), true)
          .thenApply(next -> merge(sofar, next)));
    }
    return chain;
  }

  /**
   * The shop's pickup locations (get_warehouse_detail, warehouse_type 1), cached per shop; empty for a shop outside
   * the multi-warehouse programme ({@code warehouse.error_not_in_whitelist}), which must send no location_id.
   */
  public CompletionStage<List<String>> warehouseLocations(String shopId) {
    ShopState state;
    try {
      state = state(shopId);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<String> known = state.locations;
    if (known != null) return CompletableFuture.completedFuture(known);
    return shopCall(shopId, "warehouse_detail", WAREHOUSE_DETAIL, Map.of(), null, ShopeeStockReads::locations, false)
        .exceptionallyCompose(error -> {
          Throwable cause = Futures.unwrap(error);
          if (cause instanceof MarketCallException e && e.code().equals("warehouse.error_not_in_whitelist")) {
            return CompletableFuture.completedFuture(List.<String>of());
          }
          return CompletableFuture.failedFuture(cause);
        }).thenApply(locations -> {
          state.locations = locations;
          return locations;
        });
  }

  /**
   * The seller stock Shopee shows for each model of one item, per location, for reconciliation. An item without
   * models ({@code has_model} false) is read with get_item_base_info and reported as model 0; an item with models
   * with get_model_list. Never total_available_stock (it includes Shopee-warehouse stock).
   */
  public CompletionStage<Map<Long, StockInfo>> getItemStock(String shopId, long itemId) {
    return shopCall(shopId, "stock_read", ITEM_BASE_INFO, Map.of("item_id_list", Long.toString(itemId)), null,
        root -> ShopeeStockReads.baseInfo(root, itemId), false).thenCompose(base -> {
          if (base != null) return CompletableFuture.completedFuture(base);
          return shopCall(shopId, "stock_read", MODEL_LIST, Map.of("item_id", Long.toString(itemId)), null,
              ShopeeStockReads::modelList, false);
        });
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
    return state.guard.call("lost_push_get", () -> publicAttempt(state, "GET", LOST_PUSH, null,
        ShopeeClient::parseLostPushPage));
  }

  /** get_lost_push_message's answer; every entry is kept: an unparseable one as a logged Ignored event. */
  static LostPushPage parseLostPushPage(JsonNode root) {
    JsonNode response = root.has("response") ? root.get("response") : root;
    List<WebhookEvent> events = new ArrayList<>();
    for (JsonNode message : JsonTrees.optArray(response, "push_message_list")) {
      try {
        events.add(ShopeePushes.lostPush(message));
      } catch (MarketParseException e) {
        // Kept visible for inspection (the raw entry carries order ids and statuses, no secrets); the rest of
        // the page is still recorded before the poller confirms it.
        String raw = HttpCaller.abbreviate(message.toString());
        LOG.warn("Shopee lost push entry could not be parsed ({}); raw entry: {}", e.getMessage(), raw);
        events.add(new WebhookEvent.Ignored(Channel.SHOPEE, "unparseable lost push: " + e.getMessage()
            + " raw=" + raw, null));
      }
    }
    return new LostPushPage(events, response.path("has_next_page").asBoolean(false),
        response.path("last_message_id").asLong(0));
  }

  /** confirm_consumed_lost_push_message: Shopee forgets lost pushes up to this id. */
  public CompletionStage<Void> confirmLostPushConsumed(String shopId, long lastMessageId) {
    ShopState state = state(shopId);
    ObjectNode body = JsonTrees.object().put("last_message_id", lastMessageId);
    return state.guard.call("lost_push_confirm", () -> publicAttempt(state, "POST", CONFIRM_LOST_PUSH, body,
        root -> (Void) null));
  }

  /** Renews the shop's access token now (concurrent callers share one refresh). */
  public CompletionStage<Tokens> refreshAccessToken(String shopId) {
    return tokens.current(Channel.SHOPEE, shopId).thenCompose(t -> tokens.renew(Channel.SHOPEE, shopId, t.token()))
        .thenApply(t -> tokens(shopId));
  }

  // ------------------------------------------------------------------------------------------------ internals

  private ShopState state(String shopId) {
    ShopState state = shops.get(shopId);
    if (state != null) return state;
    if (directory.shop(Channel.SHOPEE, shopId).isEmpty()) {
      throw new IllegalArgumentException("no Shopee shop '" + shopId + "' configured or connected");
    }
    return shops.computeIfAbsent(shopId, id -> new ShopState(config.shopeeApp().shop(id)));
  }

  private <T> CompletionStage<T> shopCall(String shopId, String kind, String path, Map<String, String> params,
      ObjectNode body, Function<JsonNode, T> onOk, boolean partialOk) {
    ShopState state;
    try {
      state = state(shopId);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    String[] used = new String[1];
    return tokens.current(Channel.SHOPEE, shopId)
        .thenCompose(t -> {
          used[0] = t.token();
          return state.guard.call(kind, () -> shopAttempt(state, t.token(), path, params, body, onOk, partialOk));
        })
        .exceptionallyCompose(error -> {
          Throwable cause = Futures.unwrap(error);
          if (cause instanceof MarketCallException e && e.failureClass() == FailureClass.REFRESH_ONCE) {
            // Expired or revoked token: a newer one (one refresh shared cluster-wide), then retry exactly once; a
            // second token error is not a token problem.
            return tokens.renew(Channel.SHOPEE, shopId, used[0]).thenCompose(t -> state.guard.call(kind,
                () -> shopAttempt(state, t.token(), path, params, body, onOk, partialOk)
                    .thenApply(ShopeeClient::afterRefresh)));
          }
          return CompletableFuture.failedFuture(cause);
        });
  }

  /** After a good refresh a token error again means permissions or a restricted app (PERMANENT_CONFIG), no loop. */
  private static <T> Attempt<T> afterRefresh(Attempt<T> attempt) {
    if (attempt instanceof Attempt.Fail<T> f && f.failureClass() == FailureClass.REFRESH_ONCE) {
      return new Attempt.Fail<>(f.code(), f.message(), FailureClass.PERMANENT_CONFIG);
    }
    return attempt;
  }

  private <T> CompletionStage<Attempt<T>> shopAttempt(ShopState state, String token, String path,
      Map<String, String> params, ObjectNode body, Function<JsonNode, T> onOk, boolean partialOk) {
    MarketplaceConfig.ShopeeShop shop = state.shop;
    long timestamp = Instant.now().getEpochSecond();
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
    return publicAttempt(shop.partnerId(), shop.partnerKey(), shop.baseUrl(), method, path, body, onOk);
  }

  private <T> CompletionStage<Attempt<T>> publicAttempt(long partnerId, String partnerKey, String baseUrl,
      String method, String path, ObjectNode body, Function<JsonNode, T> onOk) {
    long timestamp = Instant.now().getEpochSecond();
    Map<String, String> query = new LinkedHashMap<>();
    query.put("partner_id", Long.toString(partnerId));
    query.put("timestamp", Long.toString(timestamp));
    query.put("sign", Signatures.shopeePublicSign(partnerKey, partnerId, path, timestamp));
    return http.send(request(method, baseUrl + path, query, body))
        .thenApply(reply -> classify(reply, onOk, false));
  }

  /**
   * A public-signed partner call (token get, refresh) through the shop's guard when the shop is known, else the
   * app's; signed with the shop's partner settings, or the app's for a shop being connected.
   */
  <T> CompletionStage<T> partnerCall(String shopId, String kind, String path, ObjectNode body,
      Function<JsonNode, T> onOk) {
    ShopState known = shopId == null ? null : shops.get(shopId);
    if (known == null && shopId != null && directory.shop(Channel.SHOPEE, shopId).isPresent()) known = state(shopId);
    if (known != null) {
      ShopState state = known;
      return state.guard.call(kind, () -> publicAttempt(state, "POST", path, body, onOk));
    }
    MarketplaceConfig.ShopeeApp app = config.shopeeApp();
    return appGuard.call(kind, () -> publicAttempt(app.partnerId(), app.partnerKey(), app.baseUrl(), "POST", path,
        body, onOk));
  }

  /** The partner id a refresh of this shop is signed with (its own configuration, else the app's). */
  long partnerId(String shopId) {
    ShopState known = shops.get(shopId);
    return known != null ? known.shop.partnerId() : config.shopeeApp().partnerId();
  }

  /** token/get and access_token/get answer at top level (no response wrapper); expiry = receipt + expire_in. */
  static Tokens parseTokens(JsonNode root) {
    JsonNode r = root.has("access_token") ? root : JsonTrees.required(root, "response", "Shopee token refresh");
    long expireIn = JsonTrees.longValue(r, "expire_in", "Shopee token refresh");
    Instant received = Instant.now();
    return new Tokens(JsonTrees.text(r, "access_token", "Shopee token refresh"),
        JsonTrees.text(r, "refresh_token", "Shopee token refresh"), received.plusSeconds(expireIn),
        received.plusMillis(expireIn * 750));
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

  /**
   * Shopee's envelope, classified by {@link ShopeeErrors}: 429/5xx and the transient codes are retried (Retry-After
   * honoured; {@code error_rate_limit} is throttling, not ill health), token codes go back to the caller for one
   * refresh, everything else fails with its class ({@code error_limit} paused until 00:00 UTC+8).
   */
  static <T> Attempt<T> classify(HttpCaller.Reply reply, Function<JsonNode, T> onOk, boolean partialOk) {
    int status = reply.status();
    JsonNode root = null;
    try {
      root = JsonTrees.parse(reply.body(), "Shopee response");
    } catch (MarketParseException e) {
      if (status == 429) return new Attempt.Retry<>("http_429", "Too many requests", false, HttpCaller.retryAfter(reply));
      if (status >= 500) return new Attempt.Retry<>("http_" + status, HttpCaller.abbreviate(reply.text()), true, null);
      return status >= 400 ? new Attempt.Fail<>("http_" + status, HttpCaller.abbreviate(reply.text()))
          : new Attempt.Fail<>("parse", e.getMessage());
    }
    String error = JsonTrees.optText(root, "error");
    String message = JsonTrees.optText(root, "message");
    if (error == null && status < 400) return new Attempt.Ok<>(onOk.apply(root), Integer.toString(status));
    if (partialOk && "error_busi_update_stock_failed".equals(error)) return new Attempt.Ok<>(onOk.apply(root), error);
    // MARKETPLACES.md: HTTP 429 and 5xx are retryable whatever the body says.
    if (status == 429 || status >= 500) {
      return new Attempt.Retry<>("http_" + status, message, status != 429, HttpCaller.retryAfter(reply));
    }
    FailureClass failureClass = error == null ? FailureClass.UNKNOWN : ShopeeErrors.classify(error, message);
    String code = error == null ? "http_" + status : error;
    if (failureClass == FailureClass.RETRY) {
      return new Attempt.Retry<>(code, message, !"error_rate_limit".equals(error), HttpCaller.retryAfter(reply));
    }
    if (failureClass == FailureClass.PAUSE_UNTIL_RESET) {
      return new Attempt.Fail<>(code, message, failureClass, ShopeeErrors.nextDailyReset(Instant.now()));
    }
    return new Attempt.Fail<>(code, message, failureClass);
  }

  static StockUpdateResult parseStockResult(long itemId, JsonNode root) {
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
