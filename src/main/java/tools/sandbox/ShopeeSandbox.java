package tools.sandbox;

import static tools.sandbox.SandboxJson.MAPPER;
import static tools.sandbox.SandboxJson.parseLong;
import static tools.sandbox.SandboxJson.readJson;

import akka.http.javadsl.model.HttpRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import tools.sandbox.Sandbox.Delivery;
import tools.sandbox.Sandbox.Redelivery;
import tools.sandbox.Sandbox.ShopeeItem;

/**
 * The Shopee Open Platform v2 stand-in under {@code /shopee}: checks the public and shop signatures and access tokens,
 * serves its orders, keeps the stock pushed to it, refreshes tokens, serves lost pushes until they are confirmed, and
 * sends pushes signed with the shop's push key.
 */
final class ShopeeSandbox {
  private static final java.util.Set<String> SHOPEE_PUBLIC = java.util.Set.of(
      "/api/v2/auth/access_token/get", "/api/v2/push/get_lost_push_message",
      "/api/v2/push/confirm_consumed_lost_push_message");

  private final SandboxShops config;
  private final WebhookSender webhooks;
  private final Map<String, Map<String, ObjectNode>> shopeeOrders = new ConcurrentHashMap<>();
  private final Map<String, Integer> shopeeStock = new ConcurrentHashMap<>();
  private final Map<String, String> shopeeStockFailures = new ConcurrentHashMap<>();
  private final Map<String, String> shopeeAccessTokens = new ConcurrentHashMap<>();
  private final Map<String, String> shopeeRefreshTokens = new ConcurrentHashMap<>();
  private volatile long shopeeTokenLifetimeSeconds = 4 * 3600;
  private final List<ObjectNode> shopeeLostPushes = new CopyOnWriteArrayList<>();
  private final AtomicLong lostPushIds = new AtomicLong();

  ShopeeSandbox(SandboxShops config, WebhookSender webhooks) {
    this.config = config;
    this.webhooks = webhooks;
    resetTokens();
  }

  void reset() {
    shopeeOrders.clear();
    shopeeStock.clear();
    shopeeStockFailures.clear();
    shopeeLostPushes.clear();
    shopeeTokenLifetimeSeconds = 4 * 3600;
    resetTokens();
  }

  private void resetTokens() {
    for (SandboxShops.ShopeeShop s : config.shopee()) {
      shopeeAccessTokens.put(s.shopId(), s.accessToken());
      shopeeRefreshTokens.put(s.shopId(), s.refreshToken());
    }
  }

  void failStock(long itemId, long modelId, String reason) {
    shopeeStockFailures.put(itemId + ":" + modelId, reason);
  }

  void clearStockFailure(long itemId, long modelId) {
    shopeeStockFailures.remove(itemId + ":" + modelId);
  }

  Integer stock(long itemId, long modelId) {
    return shopeeStock.get(itemId + ":" + modelId);
  }

  void setStock(long itemId, long modelId, int stock) {
    shopeeStock.put(itemId + ":" + modelId, stock);
  }

  Map<String, Integer> stock() {
    return new HashMap<>(shopeeStock);
  }

  void expireAccessToken(String shopId) {
    shopeeAccessTokens.put(shopId, "expired-" + UUID.randomUUID());
  }

  String accessToken(String shopId) {
    return shopeeAccessTokens.get(shopId);
  }

  void setTokenLifetime(Duration lifetime) {
    shopeeTokenLifetimeSeconds = lifetime.toSeconds();
  }

  void addOrder(String shopId, ObjectNode order) {
    shopeeOrders.computeIfAbsent(shopId, k -> new ConcurrentHashMap<>()).put(order.get("order_sn").asText(), order);
  }

  ObjectNode addOrder(String shopId, String orderSn, String status, List<ShopeeItem> items) {
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
    addOrder(shopId, o);
    return o;
  }

  void addLostPush(String shopId, int code, ObjectNode data) {
    ObjectNode m = MAPPER.createObjectNode();
    m.put("message_id", lostPushIds.incrementAndGet()).put("shop_id", Long.parseLong(shopId)).put("code", code)
        .put("timestamp", Instant.now().getEpochSecond()).put("data", data.toString());
    shopeeLostPushes.add(m);
  }

  int lostPushCount() {
    return shopeeLostPushes.size();
  }

  Answer answer(HttpRequest request, String apiPath, Map<String, String> q, byte[] body) {
    long partnerId = parseLong(q.get("partner_id"));
    long timestamp = parseLong(q.get("timestamp"));
    String sign = q.get("sign");
    if (partnerId < 0 || timestamp < 0 || sign == null) {
      return new Answer(400, shopeeError("error_param", "partner_id, timestamp and sign are required"), "error_param");
    }
    if (Math.abs(Instant.now().getEpochSecond() - timestamp) > 300) {
      return new Answer(403, shopeeError("error_auth", "Invalid timestamp"), "error_auth");
    }
    SandboxShops.ShopeeShop shop;
    if (SHOPEE_PUBLIC.contains(apiPath)) {
      shop = config.shopee().stream().filter(s -> s.partnerId() == partnerId).findFirst().orElse(null);
      if (shop == null || !PlatformSignatures.same(
          PlatformSignatures.shopeePublic(shop.partnerKey(), partnerId, apiPath, timestamp), sign)) {
        return new Answer(403, shopeeError("error_sign", "Wrong sign."), "error_sign");
      }
    } else {
      String shopId = q.get("shop_id");
      String token = q.get("access_token");
      shop = shopId == null ? null : config.shopeeShop(shopId).orElse(null);
      if (shop == null || shop.partnerId() != partnerId || token == null) {
        return new Answer(403, shopeeError("error_param", "unknown shop_id or missing access_token"), "error_param");
      }
      if (!PlatformSignatures.same(PlatformSignatures.shopeeShop(shop.partnerKey(), partnerId, apiPath, timestamp, token,
          parseLong(shopId)), sign)) {
        return new Answer(403, shopeeError("error_sign", "Wrong sign."), "error_sign");
      }
      if (!token.equals(shopeeAccessTokens.get(shopId))) {
        return new Answer(403, shopeeError("error_auth", "Invalid access_token."), "error_auth");
      }
    }
    JsonNode json = body.length == 0 ? MAPPER.createObjectNode() : readJson(body);
    String shopId = shop.shopId();
    ObjectNode ok = shopeeOk();
    switch (apiPath) {
      case "/api/v2/order/get_order_detail" -> {
        String list = q.get("order_sn_list");
        if (list == null || list.isBlank()) return new Answer(400, shopeeError("error_param", "order_sn_list is required"), "error_param");
        String[] sns = list.split(",");
        if (sns.length > 50) return new Answer(400, shopeeError("error_param", "at most 50 order_sn"), "error_param");
        ArrayNode orders = ok.putObject("response").putArray("order_list");
        Map<String, ObjectNode> known = shopeeOrders.getOrDefault(shopId, Map.of());
        for (String sn : sns) if (known.containsKey(sn)) orders.add(known.get(sn));
        return new Answer(200, ok, "ok");
      }
      case "/api/v2/product/update_stock" -> {
        long itemId = json.path("item_id").asLong(-1);
        JsonNode stockList = json.path("stock_list");
        if (itemId < 0 || !stockList.isArray() || stockList.isEmpty() || stockList.size() > 50) {
          return new Answer(400, shopeeError("error_param", "item_id and 1 to 50 stock_list entries are required"), "error_param");
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
          return new Answer(200, ok, "partial");
        }
        return new Answer(200, ok, "ok");
      }
      case "/api/v2/product/get_model_list" -> {
        long itemId = parseLong(q.get("item_id"));
        if (itemId < 0) return new Answer(400, shopeeError("error_param", "item_id is required"), "error_param");
        ArrayNode models = ok.putObject("response").putArray("model");
        shopeeStock.forEach((key, stock) -> {
          if (key.startsWith(itemId + ":")) {
            ObjectNode m = models.addObject().put("model_id", Long.parseLong(key.substring(key.indexOf(':') + 1)));
            m.putObject("stock_info_v2").putObject("summary_info").put("total_available_stock", stock);
          }
        });
        return new Answer(200, ok, "ok");
      }
      case "/api/v2/order/cancel_order" -> {
        String sn = json.path("order_sn").asText("");
        ObjectNode order = shopeeOrders.getOrDefault(shopId, Map.of()).get(sn);
        if (order == null) return new Answer(404, shopeeError("error_not_found", "order not found"), "error_not_found");
        order.put("order_status", "CANCELLED").put("update_time", Instant.now().getEpochSecond());
        ok.putObject("response").put("update_time", Instant.now().getEpochSecond());
        return new Answer(200, ok, "ok");
      }
      case "/api/v2/order/get_order_list" -> {
        long from = parseLong(q.get("time_from"));
        long to = parseLong(q.get("time_to"));
        int pageSize = (int) Math.max(1, parseLong(q.getOrDefault("page_size", "100")));
        int offset = q.getOrDefault("cursor", "").isBlank() ? 0 : (int) parseLong(q.get("cursor"));
        if (from < 0 || to < 0 || to - from > 15 * 86400) {
          return new Answer(400, shopeeError("error_param", "time range must be at most 15 days"), "error_param");
        }
        List<String> sns = shopeeOrders.getOrDefault(shopId, Map.of()).values().stream()
            .filter(o -> o.path("update_time").asLong() >= from && o.path("update_time").asLong() <= to)
            .map(o -> o.get("order_sn").asText()).sorted().toList();
        ObjectNode response = ok.putObject("response");
        ArrayNode list = response.putArray("order_list");
        int end = Math.min(sns.size(), offset + pageSize);
        for (int i = offset; i < end; i++) list.addObject().put("order_sn", sns.get(i));
        response.put("more", end < sns.size()).put("next_cursor", end < sns.size() ? Integer.toString(end) : "");
        return new Answer(200, ok, "ok");
      }
      case "/api/v2/auth/access_token/get" -> {
        String target = json.path("shop_id").asText();
        String refresh = json.path("refresh_token").asText("");
        if (!refresh.equals(shopeeRefreshTokens.get(target))) {
          return new Answer(403, shopeeError("error_auth", "Invalid refresh_token."), "error_auth");
        }
        String access = "sbx-access-" + UUID.randomUUID();
        String nextRefresh = "sbx-refresh-" + UUID.randomUUID();
        shopeeAccessTokens.put(target, access);
        shopeeRefreshTokens.put(target, nextRefresh);
        ok.put("access_token", access).put("refresh_token", nextRefresh).put("expire_in", shopeeTokenLifetimeSeconds)
            .put("partner_id", partnerId).put("shop_id", parseLong(target));
        return new Answer(200, ok, "ok");
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
        return new Answer(200, ok, "ok");
      }
      case "/api/v2/push/confirm_consumed_lost_push_message" -> {
        long last = json.path("last_message_id").asLong(-1);
        if (last < 0) return new Answer(400, shopeeError("error_param", "last_message_id is required"), "error_param");
        shopeeLostPushes.removeIf(m -> m.get("message_id").asLong() <= last);
        return new Answer(200, ok, "ok");
      }
      default -> {
        return new Answer(404, shopeeError("error_not_found", "no such API " + apiPath), "error_not_found");
      }
    }
  }

  private static ObjectNode shopeeOk() {
    ObjectNode ok = MAPPER.createObjectNode();
    ok.put("request_id", UUID.randomUUID().toString()).put("error", "").put("message", "");
    return ok;
  }

  static ObjectNode shopeeError(String error, String message) {
    ObjectNode e = MAPPER.createObjectNode();
    e.put("request_id", UUID.randomUUID().toString()).put("error", error).put("message", message);
    return e;
  }

  CompletionStage<Delivery> sendPush(String targetUrl, String shopId, int code, ObjectNode data,
      Redelivery redelivery) {
    SandboxShops.ShopeeShop shop = config.shopeeShop(shopId)
        .orElseThrow(() -> new IllegalArgumentException("no Shopee shop " + shopId));
    String msgId = UUID.randomUUID().toString();
    ObjectNode push = MAPPER.createObjectNode();
    push.set("data", data);
    push.put("shop_id", Long.parseLong(shopId)).put("code", code).put("timestamp", Instant.now().getEpochSecond())
        .put("msg_id", msgId);
    byte[] body = push.toString().getBytes(StandardCharsets.UTF_8);
    String signedUrl = shop.callbackUrl() == null || shop.callbackUrl().isBlank() ? targetUrl : shop.callbackUrl();
    String auth = PlatformSignatures.shopeePush(shop.effectivePushKey(), signedUrl, body);
    return webhooks.deliver(targetUrl, body, Map.of("Authorization", auth), redelivery, msgId);
  }

  CompletionStage<Delivery> sendOrderStatus(String targetUrl, String shopId, String orderSn,
      String status, Redelivery redelivery) {
    ObjectNode data = MAPPER.createObjectNode();
    data.put("ordersn", orderSn).put("status", status).put("completed_scenario", "")
        .put("update_time", Instant.now().getEpochSecond()).putArray("items");
    return sendPush(targetUrl, shopId, 3, data, redelivery);
  }
}
