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
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import tools.sandbox.Sandbox.Delivery;
import tools.sandbox.Sandbox.Redelivery;
import tools.sandbox.Sandbox.TikTokItem;

/**
 * The TikTok Shop Partner API (version 202309) stand-in under {@code /tiktok}: checks the app key, shop cipher,
 * request signature and access token, serves its orders, keeps the inventory pushed to it, cancels orders, and sends
 * notifications signed with the app secret.
 */
final class TikTokSandbox {
  private final SandboxShops config;
  private final WebhookSender webhooks;
  private final Map<String, Map<String, ObjectNode>> tiktokOrders = new ConcurrentHashMap<>();
  private final Map<String, Integer> tiktokStock = new ConcurrentHashMap<>();
  /** TikTok product id to its SKU ids, learnt from inventory updates (product detail lists them). */
  private final Map<String, java.util.Set<String>> tiktokProductSkus = new ConcurrentHashMap<>();
  private final Map<String, String> tiktokStockFailures = new ConcurrentHashMap<>();

  TikTokSandbox(SandboxShops config, WebhookSender webhooks) {
    this.config = config;
    this.webhooks = webhooks;
  }

  void reset() {
    tiktokOrders.clear();
    tiktokStock.clear();
    tiktokProductSkus.clear();
    tiktokStockFailures.clear();
  }

  void failSku(String skuId, String message) {
    tiktokStockFailures.put(skuId, message);
  }

  void clearSkuFailure(String skuId) {
    tiktokStockFailures.remove(skuId);
  }

  Integer stock(String skuId) {
    return tiktokStock.get(skuId);
  }

  void setStock(String productId, String skuId, int quantity) {
    tiktokProductSkus.computeIfAbsent(productId, k -> ConcurrentHashMap.newKeySet()).add(skuId);
    tiktokStock.put(skuId, quantity);
  }

  Map<String, Integer> stock() {
    return new HashMap<>(tiktokStock);
  }

  void addOrder(String shopId, ObjectNode order) {
    tiktokOrders.computeIfAbsent(shopId, k -> new ConcurrentHashMap<>()).put(order.get("id").asText(), order);
  }

  /** One line item per unit, as TikTok sends them. */
  ObjectNode addOrder(String shopId, String orderId, String status, List<TikTokItem> items) {
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
    addOrder(shopId, o);
    return o;
  }

  Answer answer(HttpRequest request, String path, Map<String, String> q, byte[] body) {
    String appKey = q.get("app_key");
    SandboxShops.TikTokShop shop = config.tiktok().stream()
        .filter(s -> s.appKey().equals(appKey) && s.shopCipher().equals(q.get("shop_cipher"))).findFirst()
        .orElse(null);
    long timestamp = parseLong(q.get("timestamp"));
    long now = Instant.now().getEpochSecond();
    if (shop == null) return new Answer(400, tiktokError(106002, "Invalid app_key or shop_cipher"), "106002");
    if (timestamp < now - 300 || timestamp > now + 30) {
      return new Answer(400, tiktokError(106003, "Invalid timestamp"), "106003");
    }
    String expected = PlatformSignatures.tiktokRequest(shop.appSecret(), path, q, body);
    if (!PlatformSignatures.same(expected, q.get("sign"))) {
      return new Answer(401, tiktokError(106001, "Invalid signature"), "106001");
    }
    String token = request.getHeader("x-tts-access-token").map(h -> h.value()).orElse("");
    if (!token.equals(shop.accessToken())) return new Answer(401, tiktokError(105002, "Access token expired"), "105002");
    JsonNode json = body.length == 0 ? MAPPER.createObjectNode() : readJson(body);
    Map<String, ObjectNode> orders = tiktokOrders.computeIfAbsent(shop.shopId(), k -> new ConcurrentHashMap<>());
    ObjectNode ok = tiktokOk();
    if (path.equals("/order/202309/orders") && request.method().value().equals("GET")) {
      String ids = q.getOrDefault("ids", "");
      if (ids.isBlank()) return new Answer(400, tiktokError(36009004, "ids is required"), "36009004");
      ArrayNode list = ok.putObject("data").putArray("orders");
      for (String id : ids.split(",")) if (orders.containsKey(id)) list.add(orders.get(id));
      return new Answer(200, ok, "ok");
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
      return new Answer(200, ok, "ok");
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
      return new Answer(200, ok, errors.isEmpty() ? "ok" : "partial");
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
      return new Answer(200, ok, "ok");
    }
    if (path.equals("/return_refund/202309/cancellations")) {
      String orderId = json.path("order_id").asText("");
      ObjectNode order = orders.get(orderId);
      if (order == null) return new Answer(200, tiktokError(21011001, "order not found"), "21011001");
      order.put("status", "CANCELLED").put("update_time", Instant.now().getEpochSecond());
      ok.putObject("data").put("cancel_id", "cancel-" + orderId).put("cancel_status", "CANCELLATION_REQUEST_COMPLETE");
      return new Answer(200, ok, "ok");
    }
    return new Answer(404, tiktokError(40006, "no such API " + path), "40006");
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

  static ObjectNode tiktokError(long code, String message) {
    ObjectNode e = MAPPER.createObjectNode();
    e.put("code", code).put("message", message).put("request_id", UUID.randomUUID().toString());
    e.putObject("data");
    return e;
  }

  CompletionStage<Delivery> sendNotification(String targetUrl, String shopId, int type, ObjectNode data,
      Redelivery redelivery) {
    SandboxShops.TikTokShop shop = config.tiktokShop(shopId)
        .orElseThrow(() -> new IllegalArgumentException("no TikTok shop " + shopId));
    String id = UUID.randomUUID().toString();
    ObjectNode n = MAPPER.createObjectNode();
    n.put("type", type).put("tts_notification_id", id).put("shop_id", shopId)
        .put("timestamp", Instant.now().getEpochSecond());
    n.set("data", data);
    byte[] body = n.toString().getBytes(StandardCharsets.UTF_8);
    return webhooks.deliver(targetUrl, body,
        Map.of("Authorization", PlatformSignatures.tiktokWebhook(shop.appSecret(), shop.appKey(), body)), redelivery, id);
  }

  CompletionStage<Delivery> sendOrderStatus(String targetUrl, String shopId, String orderId,
      String status, Redelivery redelivery) {
    ObjectNode data = MAPPER.createObjectNode();
    data.put("order_id", orderId).put("order_status", status).put("is_on_hold_order", status.equals("ON_HOLD"))
        .put("update_time", Instant.now().getEpochSecond());
    return sendNotification(targetUrl, shopId, 1, data, redelivery);
  }
}
