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
 * serves its orders, keeps the stock pushed to it, refreshes tokens (held on demand: {@link ShopeeRefreshHolds}),
 * serves lost pushes until they are confirmed, and sends pushes signed with the shop's push key. Onboarding (the
 * authorisation pages, codes, de-authorisation) is {@link ShopeeAuthorization}.
 */
final class ShopeeSandbox {
  private static final java.util.Set<String> SHOPEE_PUBLIC = java.util.Set.of(
      "/api/v2/auth/access_token/get", "/api/v2/auth/token/get", "/api/v2/push/get_lost_push_message",
      "/api/v2/push/confirm_consumed_lost_push_message", "/api/v2/shop/auth_partner",
      "/api/v2/shop/cancel_auth_partner");

  private final SandboxShops config;
  private final WebhookSender webhooks;
  private final Map<String, Map<String, ObjectNode>> shopeeOrders = new ConcurrentHashMap<>();
  final ShopeeTokens tokens;
  final ShopeeCatalog catalog;
  final ShopeeAuthorization authorization;
  final ShopeeRefreshHolds refreshHolds = new ShopeeRefreshHolds();
  private final List<ObjectNode> shopeeLostPushes = new CopyOnWriteArrayList<>();
  private final AtomicLong lostPushIds = new AtomicLong();
  private volatile double lostPushFraction;
  private final AtomicLong pushesLost = new AtomicLong();

  /** Told (shop id, order_sn) when cancel_order cancels an order that was not cancelled yet. */
  private volatile java.util.function.BiConsumer<String, String> onSellerCancel = (shopId, orderSn) -> { };

  ShopeeSandbox(SandboxShops config, WebhookSender webhooks, ShownListeners shown) {
    this.config = config;
    this.webhooks = webhooks;
    this.catalog = new ShopeeCatalog(shown);
    this.tokens = new ShopeeTokens(config);
    this.authorization = new ShopeeAuthorization(config, tokens, this::deliver);
  }

  void reset() {
    shopeeOrders.clear();
    catalog.reset();
    shopeeLostPushes.clear();
    lostPushFraction = 0;
    pushesLost.set(0);
    refreshHolds.release(false);
    tokens.reset();
    authorization.reset();
  }

  /** From now on this fraction of the pushes sent is "lost": not delivered, served by get_lost_push_message. */
  void losePushes(double fraction) {
    lostPushFraction = fraction;
  }

  void addOrder(String shopId, ObjectNode order) {
    shopeeOrders.computeIfAbsent(shopId, k -> new ConcurrentHashMap<>()).put(order.get("order_sn").asText(), order);
  }

  void onSellerCancel(java.util.function.BiConsumer<String, String> listener) {
    onSellerCancel = listener;
  }

  ObjectNode addOrder(String shopId, String orderSn, String status, List<ShopeeItem> items) {
    ObjectNode o = order(orderSn, status, items);
    addOrder(shopId, o);
    return o;
  }

  /** An order as get_order_detail returns it, with the sandbox's buyer (not stored). */
  static ObjectNode order(String orderSn, String status, List<ShopeeItem> items) {
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
    return o;
  }

  /** A push Shopee failed to deliver, in get_lost_push_message's shape: data is the whole envelope as a string. */
  void addLostPush(String shopId, int code, ObjectNode data) {
    ObjectNode envelope = MAPPER.createObjectNode();
    envelope.set("data", data);
    if (shopId != null) envelope.put("shop_id", Long.parseLong(shopId));
    envelope.put("code", code).put("timestamp", Instant.now().getEpochSecond());
    addLostEnvelope(envelope);
  }

  private void addLostEnvelope(ObjectNode envelope) {
    ObjectNode m = MAPPER.createObjectNode();
    m.put("message_id", lostPushIds.incrementAndGet());
    if (envelope.has("shop_id")) m.set("shop_id", envelope.get("shop_id"));
    m.set("code", envelope.get("code"));
    m.set("timestamp", envelope.get("timestamp"));
    m.put("data", envelope.toString());
    shopeeLostPushes.add(m);
  }

  long pushesLost() {
    return pushesLost.get();
  }

  int lostPushCount() {
    return shopeeLostPushes.size();
  }

  /** Token refreshes pass through {@link #refreshHolds} (held while a test holds them); every other call does not. */
  CompletionStage<Answer> answerAsync(HttpRequest request, String apiPath, Map<String, String> q, byte[] body) {
    if (apiPath.equals("/api/v2/auth/access_token/get")) {
      return refreshHolds.submit(() -> answer(request, apiPath, q, body));
    }
    return java.util.concurrent.CompletableFuture.completedFuture(answer(request, apiPath, q, body));
  }

  Answer answer(HttpRequest request, String apiPath, Map<String, String> q, byte[] body) {
    long partnerId = parseLong(q.get("partner_id"));
    long timestamp = parseLong(q.get("timestamp"));
    String sign = q.get("sign");
    if (partnerId < 0 || timestamp < 0 || sign == null) {
      return new Answer(400, shopeeError("error_param", "partner_id, timestamp and sign are required"), "error_param");
    }
    if (Math.abs(Instant.now().getEpochSecond() - timestamp) > 300) {
      return new Answer(403, shopeeError("error_param", "Invalid timestamp."), "error_param");
    }
    SandboxShops.ShopeeShop shop = null;
    if (SHOPEE_PUBLIC.contains(apiPath)) {
      String partnerKey = config.shopeePartnerKey(partnerId).orElse(null);
      if (partnerKey == null || !PlatformSignatures.same(
          PlatformSignatures.shopeePublic(partnerKey, partnerId, apiPath, timestamp), sign)) {
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
      String tokenError = tokens.check(shopId, token);
      if (tokenError != null) {
        return new Answer(403, shopeeError(tokenError, tokenError.equals("invalid_acceess_token")
            ? "Invalid access_token, please have a check." : "Invalid access_token."), tokenError);
      }
    }
    JsonNode json = body.length == 0 ? MAPPER.createObjectNode() : readJson(body);
    String shopId = shop == null ? null : shop.shopId();
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
        return answer(catalog.updateStock(shopId, json));
      }
      case "/api/v2/product/get_item_base_info" -> {
        return answer(catalog.itemBaseInfo(q.get("item_id_list")));
      }
      case "/api/v2/product/get_model_list" -> {
        return answer(catalog.modelList(parseLong(q.get("item_id"))));
      }
      case "/api/v2/shop/get_warehouse_detail" -> {
        return answer(catalog.warehouseDetail(shopId));
      }
      case "/api/v2/order/cancel_order" -> {
        String sn = json.path("order_sn").asText("");
        ObjectNode order = shopeeOrders.getOrDefault(shopId, Map.of()).get(sn);
        if (order == null) return new Answer(404, shopeeError("error_not_found", "order not found"), "error_not_found");
        boolean wasCancelled = order.path("order_status").asText().equals("CANCELLED");
        order.put("order_status", "CANCELLED").put("update_time", Instant.now().getEpochSecond());
        ok.putObject("response").put("update_time", Instant.now().getEpochSecond());
        if (!wasCancelled) onSellerCancel.accept(shopId, sn);
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
        String[] pair = tokens.refresh(target, json.path("refresh_token").asText(""));
        if (pair == null) return new Answer(403, shopeeError("error_auth", "Invalid refresh_token."), "error_auth");
        ok.put("access_token", pair[0]).put("refresh_token", pair[1]).put("expire_in", tokens.lifetimeSeconds())
            .put("partner_id", partnerId).put("shop_id", parseLong(target));
        return new Answer(200, ok, "ok");
      }
      case "/api/v2/auth/token/get" -> {
        return authorization.codeExchange(json, partnerId, ok);
      }
      case "/api/v2/shop/auth_partner" -> {
        return authorization.authorizePage(q, partnerId);
      }
      case "/api/v2/shop/cancel_auth_partner" -> {
        return authorization.cancelPage(q, partnerId);
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

  private static Answer answer(ShopeeCatalog.Result r) {
    return new Answer(r.status(), r.body(), r.outcome());
  }

  static ObjectNode shopeeOk() {
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
    ObjectNode push = MAPPER.createObjectNode();
    push.set("data", data);
    push.put("shop_id", Long.parseLong(shopId)).put("code", code).put("timestamp", Instant.now().getEpochSecond());
    return deliver(targetUrl, push, shop.effectivePushKey(), shop.callbackUrl(), redelivery);
  }

  /** One push envelope (given a msg_id), lost as set by {@link #losePushes}, else signed over the callback URL. */
  CompletionStage<Delivery> deliver(String targetUrl, ObjectNode push, String pushKey, String callbackUrl,
      Redelivery redelivery) {
    String msgId = UUID.randomUUID().toString();
    push.put("msg_id", msgId);
    if (lostPushFraction > 0 && java.util.concurrent.ThreadLocalRandom.current().nextDouble() < lostPushFraction) {
      ObjectNode lost = push.deepCopy();
      lost.remove("msg_id");
      addLostEnvelope(lost);
      pushesLost.incrementAndGet();
      return java.util.concurrent.CompletableFuture.completedFuture(new Delivery(0, 0, msgId));
    }
    byte[] body = push.toString().getBytes(StandardCharsets.UTF_8);
    String signedUrl = callbackUrl == null || callbackUrl.isBlank() ? targetUrl : callbackUrl;
    String auth = PlatformSignatures.shopeePush(pushKey, signedUrl, body);
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
