package tools.sandbox;

import common.Channel;
import marketplace.MarketplaceConfig;
import marketplace.signing.Signatures;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.pattern.Patterns;
import akka.stream.Materializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Local stand-ins for Shopee, TikTok Shop and the WhatsApp Cloud API on one HTTP server ({@code /shopee},
 * {@code /tiktok}, {@code /whatsapp}, and {@code /control} for tests and demos). It checks signatures exactly as the
 * platforms do and answers with their error shapes, serves the orders it was given, keeps the stock pushed to it,
 * records every call, injects faults, and sends correctly signed webhooks. State is in memory.
 */
public final class Sandbox implements AutoCloseable {
  static final ObjectMapper MAPPER = new ObjectMapper()
      .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
      .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  /** One request the sandbox received, with the status it answered and why (ok or the error code). */
  public record Call(Channel channel, String method, String path, Map<String, String> query, String body,
      int status, String outcome, Instant at) {}

  public enum FaultKind { HTTP_STATUS, PLATFORM_ERROR, DELAY, TIMEOUT }

  /** An injected fault for calls of one channel whose path contains {@code pathContains} (null: any path). */
  public record Fault(Channel channel, String pathContains, FaultKind kind, int httpStatus, String code,
      Duration delay, AtomicInteger remaining) {}

  public record ShopeeItem(long itemId, long modelId, String itemSku, String modelSku, int quantity, BigDecimal price) {}

  public record TikTokItem(String productId, String skuId, String sellerSku, int quantity, BigDecimal price) {}

  public record WhatsAppItem(String retailerId, int quantity, BigDecimal price, String currency) {}

  /** Redelivery like the platforms: resend until a 2xx, at most {@code maxAttempts} times. */
  public record Redelivery(int maxAttempts, Duration interval) {
    public static final Redelivery ONCE = new Redelivery(1, Duration.ZERO);
  }

  /** What a webhook delivery got: the last HTTP status, how many attempts, and the platform's id of the event. */
  public record Delivery(int status, int attempts, String eventId) {}

  private final ActorSystem<?> system;
  /**
   * A marketplace delivers many webhooks at once: Akka HTTP's default pool (4 connections, 32 queued requests)
   * would queue them in the sender, and turn the 33rd concurrent one into a failed delivery before it is sent.
   */
  private final akka.http.javadsl.settings.ConnectionPoolSettings deliveryPool;
  private final MarketplaceConfig config;
  private final ServerBinding binding;
  private final Materializer materializer;

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final List<Fault> faults = new CopyOnWriteArrayList<>();
  private final Map<Channel, Duration> latency = new ConcurrentHashMap<>();
  private final Map<String, Map<String, ObjectNode>> shopeeOrders = new ConcurrentHashMap<>();
  private final Map<String, Map<String, ObjectNode>> tiktokOrders = new ConcurrentHashMap<>();
  private final Map<String, Integer> shopeeStock = new ConcurrentHashMap<>();
  private final Map<String, Integer> tiktokStock = new ConcurrentHashMap<>();
  /** TikTok product id to its SKU ids, learnt from inventory updates (product detail lists them). */
  private final Map<String, java.util.Set<String>> tiktokProductSkus = new ConcurrentHashMap<>();
  private final Map<String, String> shopeeStockFailures = new ConcurrentHashMap<>();
  private final Map<String, String> tiktokStockFailures = new ConcurrentHashMap<>();
  private final Map<String, String> shopeeAccessTokens = new ConcurrentHashMap<>();
  private final Map<String, String> shopeeRefreshTokens = new ConcurrentHashMap<>();
  private volatile long shopeeTokenLifetimeSeconds = 4 * 3600;
  private final List<ObjectNode> shopeeLostPushes = new CopyOnWriteArrayList<>();
  private final AtomicLong lostPushIds = new AtomicLong();
  private final Map<String, int[]> whatsAppRecipientFaults = new ConcurrentHashMap<>();
  private final List<JsonNode> whatsAppSent = new CopyOnWriteArrayList<>();

  private Sandbox(ActorSystem<?> system, MarketplaceConfig config, String host, int port) throws Exception {
    this.system = system;
    this.deliveryPool = akka.http.javadsl.settings.ConnectionPoolSettings.create(system.classicSystem())
        .withMaxConnections(256).withMaxOpenRequests(1024).withMaxRetries(0);
    this.config = config;
    this.materializer = Materializer.matFromSystem(system);
    resetTokens();
    this.binding = Http.get(system).newServerAt(host, port).bind(this::handle)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Binds at {@code orchestrator.sandbox.interface/port} (port 0: a free one), serving the shops of {@code config}. */
  public static Sandbox start(ActorSystem<?> system, Config config) {
    return start(system, MarketplaceConfig.fromConfig(config), config.getString("orchestrator.sandbox.interface"),
        config.getInt("orchestrator.sandbox.port"));
  }

  public static Sandbox start(ActorSystem<?> system, MarketplaceConfig config, String host, int port) {
    try {
      return new Sandbox(system, config, host, port);
    } catch (Exception e) {
      throw new IllegalStateException("Sandbox failed to bind " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  public int port() {
    return binding.localAddress().getPort();
  }

  public String baseUrl() {
    return "http://" + binding.localAddress().getHostString() + ":" + port();
  }

  /** {@code config} with every shop's base URL pointing at this sandbox. */
  public MarketplaceConfig clientConfig() {
    return config.withSandboxBaseUrl(baseUrl());
  }

  @Override
  public void close() {
    binding.unbind().toCompletableFuture().join();
  }

  // --------------------------------------------------------------------------------------------- Java control API

  public void reset() {
    calls.clear();
    faults.clear();
    latency.clear();
    shopeeOrders.clear();
    tiktokOrders.clear();
    shopeeStock.clear();
    tiktokStock.clear();
    tiktokProductSkus.clear();
    shopeeStockFailures.clear();
    tiktokStockFailures.clear();
    shopeeLostPushes.clear();
    whatsAppRecipientFaults.clear();
    whatsAppSent.clear();
    shopeeTokenLifetimeSeconds = 4 * 3600;
    resetTokens();
  }

  private void resetTokens() {
    for (MarketplaceConfig.ShopeeShop s : config.shopee()) {
      shopeeAccessTokens.put(s.shopId(), s.accessToken());
      shopeeRefreshTokens.put(s.shopId(), s.refreshToken());
    }
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  public List<Call> calls(Channel channel, String pathContains) {
    return calls.stream().filter(c -> c.channel() == channel && c.path().contains(pathContains)).toList();
  }

  public void inject(Channel channel, String pathContains, FaultKind kind, int httpStatus, String code,
      Duration delay, int times) {
    faults.add(new Fault(channel, pathContains, kind, httpStatus, code, delay, new AtomicInteger(times)));
  }

  /** Ends every injected fault (an outage is over). */
  public void clearFaults() {
    faults.clear();
  }

  public void injectHttpStatus(Channel channel, String pathContains, int status, int times) {
    inject(channel, pathContains, FaultKind.HTTP_STATUS, status, null, null, times);
  }

  /** Shopee: an {@code error} code ("error_server" answers "Too many requests"); TikTok/WhatsApp: a numeric code. */
  public void injectPlatformError(Channel channel, String pathContains, String code, int times) {
    inject(channel, pathContains, FaultKind.PLATFORM_ERROR, 0, code, null, times);
  }

  public void injectDelay(Channel channel, String pathContains, Duration delay, int times) {
    inject(channel, pathContains, FaultKind.DELAY, 0, null, delay, times);
  }

  /** The next {@code times} matching calls get no answer for 30 s (the client's timeout fires first). */
  public void injectTimeout(Channel channel, String pathContains, int times) {
    inject(channel, pathContains, FaultKind.TIMEOUT, 0, null, Duration.ofSeconds(30), times);
  }

  /** Added to every call of the channel. */
  public void setLatency(Channel channel, Duration delay) {
    latency.put(channel, delay);
  }

  public void failShopeeStock(long itemId, long modelId, String reason) {
    shopeeStockFailures.put(itemId + ":" + modelId, reason);
  }

  public void failTikTokSku(String skuId, String message) {
    tiktokStockFailures.put(skuId, message);
  }

  /** The next {@code times} messages to {@code to} fail with WhatsApp error {@code code} (e.g. 131056, 131026). */
  public void failWhatsAppRecipient(String to, int code, int times) {
    whatsAppRecipientFaults.put(to, new int[] {code, times});
  }

  public Integer shopeeStock(long itemId, long modelId) {
    return shopeeStock.get(itemId + ":" + modelId);
  }

  public Integer tiktokStock(String skuId) {
    return tiktokStock.get(skuId);
  }

  /** Changes a model's stock behind the service's back (a seller edit in the console, a lost update). */
  public void setShopeeStock(long itemId, long modelId, int stock) {
    shopeeStock.put(itemId + ":" + modelId, stock);
  }

  /** Changes a TikTok SKU's quantity behind the service's back. */
  public void setTikTokStock(String productId, String skuId, int quantity) {
    tiktokProductSkus.computeIfAbsent(productId, k -> ConcurrentHashMap.newKeySet()).add(skuId);
    tiktokStock.put(skuId, quantity);
  }

  public void clearShopeeStockFailure(long itemId, long modelId) {
    shopeeStockFailures.remove(itemId + ":" + modelId);
  }

  public void clearTikTokSkuFailure(String skuId) {
    tiktokStockFailures.remove(skuId);
  }

  public List<JsonNode> whatsAppSent() {
    return List.copyOf(whatsAppSent);
  }

  /** Makes the shop's current access token invalid (as if revoked): the next shop call gets error_auth. */
  public void expireShopeeAccessToken(String shopId) {
    shopeeAccessTokens.put(shopId, "expired-" + UUID.randomUUID());
  }

  public String shopeeAccessToken(String shopId) {
    return shopeeAccessTokens.get(shopId);
  }

  /** expire_in of tokens issued from now on. */
  public void setShopeeTokenLifetime(Duration lifetime) {
    shopeeTokenLifetimeSeconds = lifetime.toSeconds();
  }

  public void addShopeeOrder(String shopId, ObjectNode order) {
    shopeeOrders.computeIfAbsent(shopId, k -> new ConcurrentHashMap<>()).put(order.get("order_sn").asText(), order);
  }

  public ObjectNode addShopeeOrder(String shopId, String orderSn, String status, List<ShopeeItem> items) {
    long now = Instant.now().getEpochSecond();
    ObjectNode o = MAPPER.createObjectNode();
    o.put("order_sn", orderSn).put("order_status", status).put("create_time", now).put("update_time", now)
        .put("currency", "IDR").put("cod", false).put("buyer_username", "buyer_" + orderSn);
    o.putObject("recipient_address").put("name", "Sandbox Buyer").put("phone", "6281200000000")
        .put("full_address", "Jl. Sandbox 1, Jakarta");
    BigDecimal total = BigDecimal.ZERO;
    ArrayNode list = o.putArray("item_list");
    for (ShopeeItem i : items) {
      list.addObject().put("item_id", i.itemId()).put("item_name", "Item " + i.itemId()).put("item_sku", i.itemSku())
          .put("model_id", i.modelId()).put("model_name", i.modelId() == 0 ? "" : "Model " + i.modelId())
          .put("model_sku", i.modelSku() == null ? "" : i.modelSku()).put("model_quantity_purchased", i.quantity())
          .put("model_discounted_price", i.price()).put("order_item_id", i.itemId());
      total = total.add(i.price().multiply(BigDecimal.valueOf(i.quantity())));
    }
    o.put("total_amount", total);
    addShopeeOrder(shopId, o);
    return o;
  }

  public void addTikTokOrder(String shopId, ObjectNode order) {
    tiktokOrders.computeIfAbsent(shopId, k -> new ConcurrentHashMap<>()).put(order.get("id").asText(), order);
  }

  /** One line item per unit, as TikTok sends them. */
  public ObjectNode addTikTokOrder(String shopId, String orderId, String status, List<TikTokItem> items) {
    long now = Instant.now().getEpochSecond();
    ObjectNode o = MAPPER.createObjectNode();
    o.put("id", orderId).put("status", status).put("create_time", now).put("update_time", now);
    BigDecimal total = BigDecimal.ZERO;
    ArrayNode lines = o.putArray("line_items");
    int n = 0;
    for (TikTokItem i : items) {
      for (int u = 0; u < i.quantity(); u++) {
        lines.addObject().put("id", orderId + "-" + (++n)).put("sku_id", i.skuId()).put("product_id", i.productId())
            .put("product_name", "Product " + i.productId()).put("sku_name", "").put("seller_sku", i.sellerSku())
            .put("sale_price", i.price().toPlainString());
        total = total.add(i.price());
      }
    }
    o.putObject("payment").put("currency", "USD").put("total_amount", total.toPlainString());
    if (!status.equals("UNPAID") && !status.equals("ON_HOLD")) {
      o.putObject("recipient_address").put("name", "Sandbox Buyer").put("phone_number", "(+1)2135550100")
          .put("full_address", "1 Sandbox Ave");
    }
    addTikTokOrder(shopId, o);
    return o;
  }

  /** A push Shopee "failed to deliver", served by get_lost_push_message until confirmed. */
  public void addShopeeLostPush(String shopId, int code, ObjectNode data) {
    ObjectNode m = MAPPER.createObjectNode();
    m.put("message_id", lostPushIds.incrementAndGet()).put("shop_id", Long.parseLong(shopId)).put("code", code)
        .put("timestamp", Instant.now().getEpochSecond()).put("data", data.toString());
    shopeeLostPushes.add(m);
  }

  public int shopeeLostPushCount() {
    return shopeeLostPushes.size();
  }

  // -------------------------------------------------------------------------------------------------- dispatch

  private CompletionStage<HttpResponse> handle(HttpRequest request) {
    return request.entity().toStrict(10_000, materializer).thenCompose(strict -> {
      byte[] body = strict.getData().toArray();
      String path = request.getUri().path();
      Map<String, String> query = request.getUri().query().toMap();
      Channel channel = path.startsWith("/shopee/") ? Channel.SHOPEE : path.startsWith("/tiktok/") ? Channel.TIKTOK
          : path.startsWith("/whatsapp/") ? Channel.WHATSAPP : null;
      if (channel == null) {
        return CompletableFuture.completedFuture(path.startsWith("/control/") ? control(request, path, query, body)
            : json(404, error("not_found", "no sandbox route " + path)));
      }
      Fault fault = takeFault(channel, path);
      Duration wait = latency.getOrDefault(channel, Duration.ZERO);
      if (fault != null && (fault.kind() == FaultKind.DELAY || fault.kind() == FaultKind.TIMEOUT)) {
        wait = wait.plus(fault.delay());
      }
      Fault answerFault = fault != null && (fault.kind() == FaultKind.HTTP_STATUS
          || fault.kind() == FaultKind.PLATFORM_ERROR) ? fault : null;
      return after(wait, () -> {
        Result result;
        try {
          result = answerFault != null ? faultAnswer(channel, answerFault) : switch (channel) {
            case SHOPEE -> shopee(request, path.substring("/shopee".length()), query, body);
            case TIKTOK -> tiktok(request, path.substring("/tiktok".length()), query, body);
            case WHATSAPP -> whatsApp(request, path.substring("/whatsapp".length()), body);
            case PHONE -> throw new IllegalArgumentException("no marketplace behind phone orders");
          };
        } catch (RuntimeException e) {
          result = new Result(400, error("bad_request", String.valueOf(e.getMessage())), "bad_request");
        }
        calls.add(new Call(channel, request.method().value(), path, query, new String(body, StandardCharsets.UTF_8),
            result.status(), result.outcome(), Instant.now()));
        HttpResponse response = json(result.status(), result.body());
        if (answerFault != null && answerFault.httpStatus() == 429) {
          response = response.addHeader(RawHeader.create("Retry-After", "0"));
        }
        return response;
      });
    });
  }

  private record Result(int status, JsonNode body, String outcome) {}

  private Fault takeFault(Channel channel, String path) {
    for (Fault f : faults) {
      if (f.channel() == channel && (f.pathContains() == null || path.contains(f.pathContains()))
          && f.remaining().getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
        return f;
      }
    }
    return null;
  }

  private Result faultAnswer(Channel channel, Fault f) {
    String code = f.code();
    if (f.kind() == FaultKind.HTTP_STATUS) {
      int status = f.httpStatus();
      return new Result(status, switch (channel) {
        case SHOPEE -> shopeeError(status == 429 ? "error_server" : "error_server",
            status == 429 ? "Too many requests" : "Internal server error");
        case TIKTOK -> tiktokError(status == 429 ? 36009002 : 36009003, status == 429 ? "Too many requests" : "Internal error");
        case WHATSAPP, PHONE -> whatsAppError(status == 429 ? 130429 : 1,
            status == 429 ? "Rate limit hit" : "Unknown error");
      }, "injected_http_" + status);
    }
    return switch (channel) {
      case SHOPEE -> new Result(200, shopeeError(code, code.equals("error_server") ? "Too many requests" : "injected"),
          "injected_" + code);
      case TIKTOK -> new Result(200, tiktokError(Long.parseLong(code), "injected"), "injected_" + code);
      case WHATSAPP, PHONE -> new Result(400, whatsAppError(Integer.parseInt(code), "injected"), "injected_" + code);
    };
  }

  // ---------------------------------------------------------------------------------------------------- Shopee

  private static final java.util.Set<String> SHOPEE_PUBLIC = java.util.Set.of(
      "/api/v2/auth/access_token/get", "/api/v2/push/get_lost_push_message",
      "/api/v2/push/confirm_consumed_lost_push_message");

  private Result shopee(HttpRequest request, String apiPath, Map<String, String> q, byte[] body) {
    long partnerId = parseLong(q.get("partner_id"));
    long timestamp = parseLong(q.get("timestamp"));
    String sign = q.get("sign");
    if (partnerId < 0 || timestamp < 0 || sign == null) {
      return new Result(400, shopeeError("error_param", "partner_id, timestamp and sign are required"), "error_param");
    }
    if (Math.abs(Instant.now().getEpochSecond() - timestamp) > 300) {
      return new Result(403, shopeeError("error_auth", "Invalid timestamp"), "error_auth");
    }
    MarketplaceConfig.ShopeeShop shop;
    if (SHOPEE_PUBLIC.contains(apiPath)) {
      shop = config.shopee().stream().filter(s -> s.partnerId() == partnerId).findFirst().orElse(null);
      if (shop == null || !Signatures.matches(
          Signatures.shopeePublicSign(shop.partnerKey(), partnerId, apiPath, timestamp), sign)) {
        return new Result(403, shopeeError("error_sign", "Wrong sign."), "error_sign");
      }
    } else {
      String shopId = q.get("shop_id");
      String token = q.get("access_token");
      shop = shopId == null ? null : config.shopeeShop(shopId).orElse(null);
      if (shop == null || shop.partnerId() != partnerId || token == null) {
        return new Result(403, shopeeError("error_param", "unknown shop_id or missing access_token"), "error_param");
      }
      if (!Signatures.matches(Signatures.shopeeShopSign(shop.partnerKey(), partnerId, apiPath, timestamp, token,
          parseLong(shopId)), sign)) {
        return new Result(403, shopeeError("error_sign", "Wrong sign."), "error_sign");
      }
      if (!token.equals(shopeeAccessTokens.get(shopId))) {
        return new Result(403, shopeeError("error_auth", "Invalid access_token."), "error_auth");
      }
    }
    JsonNode json = body.length == 0 ? MAPPER.createObjectNode() : readJson(body);
    String shopId = shop.shopId();
    ObjectNode ok = shopeeOk();
    switch (apiPath) {
      case "/api/v2/order/get_order_detail" -> {
        String list = q.get("order_sn_list");
        if (list == null || list.isBlank()) return new Result(400, shopeeError("error_param", "order_sn_list is required"), "error_param");
        String[] sns = list.split(",");
        if (sns.length > 50) return new Result(400, shopeeError("error_param", "at most 50 order_sn"), "error_param");
        ArrayNode orders = ok.putObject("response").putArray("order_list");
        Map<String, ObjectNode> known = shopeeOrders.getOrDefault(shopId, Map.of());
        for (String sn : sns) if (known.containsKey(sn)) orders.add(known.get(sn));
        return new Result(200, ok, "ok");
      }
      case "/api/v2/product/update_stock" -> {
        long itemId = json.path("item_id").asLong(-1);
        JsonNode stockList = json.path("stock_list");
        if (itemId < 0 || !stockList.isArray() || stockList.isEmpty() || stockList.size() > 50) {
          return new Result(400, shopeeError("error_param", "item_id and 1 to 50 stock_list entries are required"), "error_param");
        }
        ObjectNode response = ok.putObject("response");
        ArrayNode success = response.putArray("success_list");
        ArrayNode failure = response.putArray("failure_list");
        for (JsonNode entry : stockList) {
          long modelId = entry.path("model_id").asLong();
          int stock = entry.path("seller_stock").path(0).path("stock").asInt(-1);
          String failed = shopeeStockFailures.get(itemId + ":" + modelId);
          if (failed != null || stock < 0) {
            failure.addObject().put("model_id", modelId).put("failed_reason", failed != null ? failed : "invalid stock");
          } else {
            shopeeStock.put(itemId + ":" + modelId, stock);
            success.addObject().put("model_id", modelId).put("stock", stock);
          }
        }
        if (!failure.isEmpty()) {
          ok.put("error", "error_busi_update_stock_failed").put("message", "Some models failed to update stock.");
          return new Result(200, ok, "partial");
        }
        return new Result(200, ok, "ok");
      }
      case "/api/v2/product/get_model_list" -> {
        long itemId = parseLong(q.get("item_id"));
        if (itemId < 0) return new Result(400, shopeeError("error_param", "item_id is required"), "error_param");
        ArrayNode models = ok.putObject("response").putArray("model");
        shopeeStock.forEach((key, stock) -> {
          if (key.startsWith(itemId + ":")) {
            ObjectNode m = models.addObject().put("model_id", Long.parseLong(key.substring(key.indexOf(':') + 1)));
            m.putObject("stock_info_v2").putObject("summary_info").put("total_available_stock", stock);
          }
        });
        return new Result(200, ok, "ok");
      }
      case "/api/v2/order/cancel_order" -> {
        String sn = json.path("order_sn").asText("");
        ObjectNode order = shopeeOrders.getOrDefault(shopId, Map.of()).get(sn);
        if (order == null) return new Result(404, shopeeError("error_not_found", "order not found"), "error_not_found");
        order.put("order_status", "CANCELLED").put("update_time", Instant.now().getEpochSecond());
        ok.putObject("response").put("update_time", Instant.now().getEpochSecond());
        return new Result(200, ok, "ok");
      }
      case "/api/v2/order/get_order_list" -> {
        long from = parseLong(q.get("time_from"));
        long to = parseLong(q.get("time_to"));
        int pageSize = (int) Math.max(1, parseLong(q.getOrDefault("page_size", "100")));
        int offset = q.getOrDefault("cursor", "").isBlank() ? 0 : (int) parseLong(q.get("cursor"));
        if (from < 0 || to < 0 || to - from > 15 * 86400) {
          return new Result(400, shopeeError("error_param", "time range must be at most 15 days"), "error_param");
        }
        List<String> sns = shopeeOrders.getOrDefault(shopId, Map.of()).values().stream()
            .filter(o -> o.path("update_time").asLong() >= from && o.path("update_time").asLong() <= to)
            .map(o -> o.get("order_sn").asText()).sorted().toList();
        ObjectNode response = ok.putObject("response");
        ArrayNode list = response.putArray("order_list");
        int end = Math.min(sns.size(), offset + pageSize);
        for (int i = offset; i < end; i++) list.addObject().put("order_sn", sns.get(i));
        response.put("more", end < sns.size()).put("next_cursor", end < sns.size() ? Integer.toString(end) : "");
        return new Result(200, ok, "ok");
      }
      case "/api/v2/auth/access_token/get" -> {
        String target = json.path("shop_id").asText();
        String refresh = json.path("refresh_token").asText("");
        if (!refresh.equals(shopeeRefreshTokens.get(target))) {
          return new Result(403, shopeeError("error_auth", "Invalid refresh_token."), "error_auth");
        }
        String access = "sbx-access-" + UUID.randomUUID();
        String nextRefresh = "sbx-refresh-" + UUID.randomUUID();
        shopeeAccessTokens.put(target, access);
        shopeeRefreshTokens.put(target, nextRefresh);
        ok.put("access_token", access).put("refresh_token", nextRefresh).put("expire_in", shopeeTokenLifetimeSeconds)
            .put("partner_id", partnerId).put("shop_id", parseLong(target));
        return new Result(200, ok, "ok");
      }
      case "/api/v2/push/get_lost_push_message" -> {
        ObjectNode response = ok.putObject("response");
        ArrayNode list = response.putArray("push_message_list");
        long last = 0;
        int n = 0;
        for (ObjectNode m : shopeeLostPushes) {
          if (n++ == 100) break;
          ObjectNode copy = m.deepCopy();
          copy.remove("message_id");
          list.add(copy);
          last = m.get("message_id").asLong();
        }
        response.put("has_next_page", shopeeLostPushes.size() > 100).put("last_message_id", last);
        return new Result(200, ok, "ok");
      }
      case "/api/v2/push/confirm_consumed_lost_push_message" -> {
        long last = json.path("last_message_id").asLong(-1);
        if (last < 0) return new Result(400, shopeeError("error_param", "last_message_id is required"), "error_param");
        shopeeLostPushes.removeIf(m -> m.get("message_id").asLong() <= last);
        return new Result(200, ok, "ok");
      }
      default -> {
        return new Result(404, shopeeError("error_not_found", "no such API " + apiPath), "error_not_found");
      }
    }
  }

  private static ObjectNode shopeeOk() {
    ObjectNode ok = MAPPER.createObjectNode();
    ok.put("request_id", UUID.randomUUID().toString()).put("error", "").put("message", "");
    return ok;
  }

  private static ObjectNode shopeeError(String error, String message) {
    ObjectNode e = MAPPER.createObjectNode();
    e.put("request_id", UUID.randomUUID().toString()).put("error", error).put("message", message);
    return e;
  }

  // ---------------------------------------------------------------------------------------------------- TikTok

  private Result tiktok(HttpRequest request, String path, Map<String, String> q, byte[] body) {
    String appKey = q.get("app_key");
    MarketplaceConfig.TikTokShop shop = config.tiktok().stream()
        .filter(s -> s.appKey().equals(appKey) && s.shopCipher().equals(q.get("shop_cipher"))).findFirst()
        .orElse(null);
    long timestamp = parseLong(q.get("timestamp"));
    long now = Instant.now().getEpochSecond();
    if (shop == null) return new Result(400, tiktokError(106002, "Invalid app_key or shop_cipher"), "106002");
    if (timestamp < now - 300 || timestamp > now + 30) {
      return new Result(400, tiktokError(106003, "Invalid timestamp"), "106003");
    }
    String expected = Signatures.tiktokRequestSign(shop.appSecret(), path, q, body);
    if (!Signatures.matches(expected, q.get("sign"))) {
      return new Result(401, tiktokError(106001, "Invalid signature"), "106001");
    }
    String token = request.getHeader("x-tts-access-token").map(h -> h.value()).orElse("");
    if (!token.equals(shop.accessToken())) return new Result(401, tiktokError(105002, "Access token expired"), "105002");
    JsonNode json = body.length == 0 ? MAPPER.createObjectNode() : readJson(body);
    Map<String, ObjectNode> orders = tiktokOrders.computeIfAbsent(shop.shopId(), k -> new ConcurrentHashMap<>());
    ObjectNode ok = tiktokOk();
    if (path.equals("/order/202309/orders") && request.method().value().equals("GET")) {
      String ids = q.getOrDefault("ids", "");
      if (ids.isBlank()) return new Result(400, tiktokError(36009004, "ids is required"), "36009004");
      ArrayNode list = ok.putObject("data").putArray("orders");
      for (String id : ids.split(",")) if (orders.containsKey(id)) list.add(orders.get(id));
      return new Result(200, ok, "ok");
    }
    if (path.equals("/order/202309/orders/search")) {
      long ge = json.path("update_time_ge").asLong(0);
      long lt = json.path("update_time_lt").asLong(Long.MAX_VALUE);
      int pageSize = (int) Math.max(1, parseLong(q.getOrDefault("page_size", "100")));
      int offset = q.getOrDefault("page_token", "").isBlank() ? 0 : (int) parseLong(q.get("page_token"));
      List<ObjectNode> found = orders.values().stream()
          .filter(o -> o.path("update_time").asLong() >= ge && o.path("update_time").asLong() < lt)
          .sorted((a, b) -> a.get("id").asText().compareTo(b.get("id").asText())).toList();
      ObjectNode data = ok.putObject("data");
      ArrayNode list = data.putArray("orders");
      int end = Math.min(found.size(), offset + pageSize);
      for (int i = offset; i < end; i++) list.add(found.get(i));
      data.put("next_page_token", end < found.size() ? Integer.toString(end) : "");
      data.put("total_count", found.size());
      return new Result(200, ok, "ok");
    }
    if (path.startsWith("/product/202309/products/") && path.endsWith("/inventory/update")) {
      ArrayNode errors = ok.putObject("data").putArray("errors");
      for (JsonNode sku : json.path("skus")) {
        String skuId = sku.path("id").asText();
        int quantity = sku.path("inventory").path(0).path("quantity").asInt(-1);
        String failed = tiktokStockFailures.get(skuId);
        if (failed != null || quantity < 0) {
          ObjectNode e = errors.addObject().put("code", 17019001).put("message", failed != null ? failed : "invalid quantity");
          e.putObject("detail").put("sku_id", skuId);
        } else {
          tiktokStock.put(skuId, quantity);
          tiktokProductSkus.computeIfAbsent(productId(path), k -> ConcurrentHashMap.newKeySet()).add(skuId);
        }
      }
      return new Result(200, ok, errors.isEmpty() ? "ok" : "partial");
    }
    if (path.startsWith("/product/202309/products/") && request.method().value().equals("GET")
        && path.indexOf('/', "/product/202309/products/".length()) < 0) {
      String productId = path.substring("/product/202309/products/".length());
      ObjectNode data = ok.putObject("data").put("id", productId);
      ArrayNode skus = data.putArray("skus");
      for (String skuId : tiktokProductSkus.getOrDefault(productId, java.util.Set.of())) {
        Integer quantity = tiktokStock.get(skuId);
        if (quantity == null) continue;
        skus.addObject().put("id", skuId).putArray("inventory").addObject().put("quantity", quantity);
      }
      return new Result(200, ok, "ok");
    }
    if (path.equals("/return_refund/202309/cancellations")) {
      String orderId = json.path("order_id").asText("");
      ObjectNode order = orders.get(orderId);
      if (order == null) return new Result(200, tiktokError(21011001, "order not found"), "21011001");
      order.put("status", "CANCELLED").put("update_time", Instant.now().getEpochSecond());
      ok.putObject("data").put("cancel_id", "cancel-" + orderId).put("cancel_status", "CANCELLATION_REQUEST_COMPLETE");
      return new Result(200, ok, "ok");
    }
    return new Result(404, tiktokError(40006, "no such API " + path), "40006");
  }

  private static String productId(String inventoryPath) {
    String rest = inventoryPath.substring("/product/202309/products/".length());
    return rest.substring(0, rest.indexOf('/'));
  }

  private static ObjectNode tiktokOk() {
    ObjectNode ok = MAPPER.createObjectNode();
    ok.put("code", 0).put("message", "Success").put("request_id", UUID.randomUUID().toString());
    return ok;
  }

  private static ObjectNode tiktokError(long code, String message) {
    ObjectNode e = MAPPER.createObjectNode();
    e.put("code", code).put("message", message).put("request_id", UUID.randomUUID().toString());
    e.putObject("data");
    return e;
  }

  // -------------------------------------------------------------------------------------------------- WhatsApp

  private Result whatsApp(HttpRequest request, String path, byte[] body) {
    String[] parts = path.split("/");
    // /{version}/{phone_number_id}/messages
    if (parts.length != 4 || !parts[3].equals("messages") || !request.method().value().equals("POST")) {
      return new Result(404, whatsAppError(100, "Unsupported request " + path), "100");
    }
    MarketplaceConfig.WhatsAppNumber number = config.whatsAppNumber(parts[2]).orElse(null);
    String auth = request.getHeader("Authorization").map(h -> h.value()).orElse("");
    if (number == null || !auth.equals("Bearer " + number.accessToken())) {
      return new Result(401, whatsAppError(190, "Invalid OAuth access token."), "190");
    }
    JsonNode json = readJson(body);
    String to = json.path("to").asText("");
    String type = json.path("type").asText("");
    if (to.isEmpty() || !(type.equals("text") || type.equals("template"))) {
      return new Result(400, whatsAppError(100, "Invalid parameter"), "100");
    }
    int[] fault = whatsAppRecipientFaults.get(to);
    if (fault != null) {
      synchronized (fault) {
        if (fault[1] > 0) {
          fault[1]--;
          return new Result(400, whatsAppError(fault[0], "injected for recipient"), Integer.toString(fault[0]));
        }
      }
    }
    whatsAppSent.add(json);
    ObjectNode ok = MAPPER.createObjectNode();
    ok.put("messaging_product", "whatsapp");
    ok.putArray("contacts").addObject().put("input", to).put("wa_id", to);
    ok.putArray("messages").addObject().put("id", "wamid.SBX" + UUID.randomUUID().toString().replace("-", ""));
    return new Result(200, ok, "ok");
  }

  private static ObjectNode whatsAppError(int code, String message) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode e = root.putObject("error");
    e.put("message", message).put("type", "OAuthException").put("code", code);
    e.putObject("error_data").put("details", message);
    e.put("fbtrace_id", UUID.randomUUID().toString());
    return root;
  }

  // ------------------------------------------------------------------------------------------ control HTTP API

  /**
   * {@code GET /control/calls}, {@code POST /control/reset}, {@code POST /control/faults}
   * ({channel, path, kind, status, code, delay_ms, times}), {@code POST /control/shopee/orders?shop_id=} and
   * {@code POST /control/tiktok/orders?shop_id=} (an order object as the API returns it), {@code GET /control/stock}.
   */
  private HttpResponse control(HttpRequest request, String path, Map<String, String> q, byte[] body) {
    String method = request.method().value();
    try {
      switch (method + " " + path) {
        case "GET /control/calls" -> {
          return json(200, MAPPER.valueToTree(calls()));
        }
        case "POST /control/reset" -> {
          reset();
          return json(200, MAPPER.createObjectNode().put("reset", true));
        }
        case "POST /control/faults" -> {
          JsonNode f = readJson(body);
          Channel channel = Channel.fromKey(f.path("channel").asText());
          FaultKind kind = FaultKind.valueOf(f.path("kind").asText("HTTP_STATUS"));
          inject(channel, f.hasNonNull("path") ? f.get("path").asText() : null, kind, f.path("status").asInt(0),
              f.hasNonNull("code") ? f.get("code").asText() : null,
              Duration.ofMillis(f.path("delay_ms").asLong(kind == FaultKind.TIMEOUT ? 30_000 : 0)),
              f.path("times").asInt(1));
          return json(200, MAPPER.createObjectNode().put("faults", faults.size()));
        }
        case "POST /control/shopee/orders" -> {
          addShopeeOrder(required(q, "shop_id"), (ObjectNode) readJson(body));
          return json(200, MAPPER.createObjectNode().put("added", true));
        }
        case "POST /control/tiktok/orders" -> {
          addTikTokOrder(required(q, "shop_id"), (ObjectNode) readJson(body));
          return json(200, MAPPER.createObjectNode().put("added", true));
        }
        case "GET /control/stock" -> {
          ObjectNode stock = MAPPER.createObjectNode();
          stock.set("shopee", MAPPER.valueToTree(new HashMap<>(shopeeStock)));
          stock.set("tiktok", MAPPER.valueToTree(new HashMap<>(tiktokStock)));
          return json(200, stock);
        }
        default -> {
          return json(404, error("not_found", "no control route " + method + " " + path));
        }
      }
    } catch (RuntimeException e) {
      return json(400, error("bad_request", String.valueOf(e.getMessage())));
    }
  }

  private static String required(Map<String, String> q, String name) {
    String v = q.get(name);
    if (v == null || v.isBlank()) throw new IllegalArgumentException("query parameter " + name + " is required");
    return v;
  }

  // -------------------------------------------------------------------------------------------------- webhooks

  /** A Shopee push signed with the shop's push key over its configured callback URL (else the target URL). */
  public CompletionStage<Delivery> sendShopeePush(String targetUrl, String shopId, int code, ObjectNode data,
      Redelivery redelivery) {
    MarketplaceConfig.ShopeeShop shop = config.shopeeShop(shopId)
        .orElseThrow(() -> new IllegalArgumentException("no Shopee shop " + shopId));
    String msgId = UUID.randomUUID().toString();
    ObjectNode push = MAPPER.createObjectNode();
    push.set("data", data);
    push.put("shop_id", Long.parseLong(shopId)).put("code", code).put("timestamp", Instant.now().getEpochSecond())
        .put("msg_id", msgId);
    byte[] body = push.toString().getBytes(StandardCharsets.UTF_8);
    String signedUrl = shop.callbackUrl() == null || shop.callbackUrl().isBlank() ? targetUrl : shop.callbackUrl();
    String auth = Signatures.shopeePushSign(shop.effectivePushKey(), signedUrl, body);
    return deliver(targetUrl, body, Map.of("Authorization", auth), redelivery, msgId);
  }

  public CompletionStage<Delivery> sendShopeeOrderStatus(String targetUrl, String shopId, String orderSn,
      String status, Redelivery redelivery) {
    ObjectNode data = MAPPER.createObjectNode();
    data.put("ordersn", orderSn).put("status", status).put("completed_scenario", "")
        .put("update_time", Instant.now().getEpochSecond()).putArray("items");
    return sendShopeePush(targetUrl, shopId, 3, data, redelivery);
  }

  public CompletionStage<Delivery> sendTikTokNotification(String targetUrl, String shopId, int type, ObjectNode data,
      Redelivery redelivery) {
    MarketplaceConfig.TikTokShop shop = config.tiktokShop(shopId)
        .orElseThrow(() -> new IllegalArgumentException("no TikTok shop " + shopId));
    String id = UUID.randomUUID().toString();
    ObjectNode n = MAPPER.createObjectNode();
    n.put("type", type).put("tts_notification_id", id).put("shop_id", shopId)
        .put("timestamp", Instant.now().getEpochSecond());
    n.set("data", data);
    byte[] body = n.toString().getBytes(StandardCharsets.UTF_8);
    return deliver(targetUrl, body,
        Map.of("Authorization", Signatures.tiktokWebhookSign(shop.appSecret(), shop.appKey(), body)), redelivery, id);
  }

  public CompletionStage<Delivery> sendTikTokOrderStatus(String targetUrl, String shopId, String orderId,
      String status, Redelivery redelivery) {
    ObjectNode data = MAPPER.createObjectNode();
    data.put("order_id", orderId).put("order_status", status).put("is_on_hold_order", status.equals("ON_HOLD"))
        .put("update_time", Instant.now().getEpochSecond());
    return sendTikTokNotification(targetUrl, shopId, 1, data, redelivery);
  }

  /** A catalog order from {@code from} to our number, signed with X-Hub-Signature-256; eventId is the wamid. */
  public CompletionStage<Delivery> sendWhatsAppOrder(String targetUrl, String phoneNumberId, String from,
      String buyerName, List<WhatsAppItem> items, Redelivery redelivery) {
    MarketplaceConfig.WhatsAppNumber number = config.whatsAppNumber(phoneNumberId)
        .orElseThrow(() -> new IllegalArgumentException("no WhatsApp number " + phoneNumberId));
    String wamid = "wamid.SBX" + UUID.randomUUID().toString().replace("-", "");
    ObjectNode root = MAPPER.createObjectNode().put("object", "whatsapp_business_account");
    ObjectNode value = root.putArray("entry").addObject().put("id", "SANDBOX-WABA").putArray("changes").addObject()
        .put("field", "messages").putObject("value");
    value.put("messaging_product", "whatsapp");
    value.putObject("metadata").put("display_phone_number", "15550000000").put("phone_number_id", phoneNumberId);
    value.putArray("contacts").addObject().put("wa_id", from).putObject("profile").put("name", buyerName);
    ObjectNode message = value.putArray("messages").addObject();
    message.put("from", from).put("id", wamid).put("timestamp", Long.toString(Instant.now().getEpochSecond()))
        .put("type", "order");
    ObjectNode order = message.putObject("order").put("catalog_id", "SANDBOX-CATALOG");
    ArrayNode products = order.putArray("product_items");
    for (WhatsAppItem i : items) {
      products.addObject().put("product_retailer_id", i.retailerId()).put("quantity", i.quantity())
          .put("item_price", i.price()).put("currency", i.currency());
    }
    byte[] body = root.toString().getBytes(StandardCharsets.UTF_8);
    return deliver(targetUrl, body,
        Map.of("X-Hub-Signature-256", Signatures.whatsAppSignatureHeader(number.appSecret(), body)), redelivery, wamid);
  }

  /**
   * A delivery status of a message we sent ({@code sent}, {@code delivered}, {@code read}, {@code failed}) at
   * {@code timestamp} (WhatsApp sends whole seconds, and in any order), signed like every WhatsApp webhook.
   */
  public CompletionStage<Delivery> sendWhatsAppStatus(String targetUrl, String phoneNumberId, String wamid,
      String status, long timestamp, String recipient, Redelivery redelivery) {
    MarketplaceConfig.WhatsAppNumber number = config.whatsAppNumber(phoneNumberId)
        .orElseThrow(() -> new IllegalArgumentException("no WhatsApp number " + phoneNumberId));
    ObjectNode root = MAPPER.createObjectNode().put("object", "whatsapp_business_account");
    ObjectNode value = root.putArray("entry").addObject().put("id", "SANDBOX-WABA").putArray("changes").addObject()
        .put("field", "messages").putObject("value");
    value.put("messaging_product", "whatsapp");
    value.putObject("metadata").put("display_phone_number", "15550000000").put("phone_number_id", phoneNumberId);
    ObjectNode s = value.putArray("statuses").addObject();
    s.put("id", wamid).put("status", status).put("timestamp", Long.toString(timestamp)).put("recipient_id", recipient);
    if (status.equals("failed")) s.putArray("errors").addObject().put("code", 131026).put("title", "Message undeliverable");
    byte[] body = root.toString().getBytes(StandardCharsets.UTF_8);
    return deliver(targetUrl, body,
        Map.of("X-Hub-Signature-256", Signatures.whatsAppSignatureHeader(number.appSecret(), body)), redelivery,
        wamid + ":" + status);
  }

  private CompletionStage<Delivery> deliver(String url, byte[] body, Map<String, String> headers,
      Redelivery redelivery, String eventId) {
    return attemptDelivery(url, body, headers, redelivery, eventId, 1);
  }

  private CompletionStage<Delivery> attemptDelivery(String url, byte[] body, Map<String, String> headers,
      Redelivery redelivery, String eventId, int attempt) {
    HttpRequest request = HttpRequest.POST(url).withEntity(ContentTypes.APPLICATION_JSON, body);
    for (var h : headers.entrySet()) request = request.addHeader(RawHeader.create(h.getKey(), h.getValue()));
    Http http = Http.get(system);
    return http.singleRequest(request, http.defaultClientHttpsContext(), deliveryPool, system.classicSystem().log())
        .thenCompose(r -> r.discardEntityBytes(materializer).completionStage().thenApply(d -> r.status().intValue()))
        .exceptionally(e -> 0)
        .thenCompose(status -> {
          boolean delivered = status >= 200 && status < 300;
          if (delivered || attempt >= redelivery.maxAttempts()) {
            return CompletableFuture.completedFuture(new Delivery(status, attempt, eventId));
          }
          return after(redelivery.interval(),
              () -> attemptDelivery(url, body, headers, redelivery, eventId, attempt + 1))
              .thenCompose(s -> s);
        });
  }

  // ---------------------------------------------------------------------------------------------------- helpers

  private <T> CompletionStage<T> after(Duration delay, java.util.function.Supplier<T> work) {
    if (delay.isZero() || delay.isNegative()) {
      return CompletableFuture.completedFuture(null).thenApply(v -> work.get());
    }
    return Patterns.after(delay, Adapter.toClassic(system).scheduler(), system.executionContext(),
        () -> CompletableFuture.completedFuture(work.get()));
  }

  private static JsonNode readJson(byte[] body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || !node.isObject()) throw new IllegalArgumentException("body must be a JSON object");
      return node;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("malformed JSON body");
    }
  }

  private static long parseLong(String s) {
    if (s == null) return -1;
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static ObjectNode error(String code, String message) {
    return MAPPER.createObjectNode().put("error", code).put("message", message);
  }

  private static HttpResponse json(int status, JsonNode body) {
    return HttpResponse.create().withStatus(StatusCodes.get(status))
        .withEntity(ContentTypes.APPLICATION_JSON, body.toString().getBytes(StandardCharsets.UTF_8));
  }
}
