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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import tools.sandbox.Sandbox.Delivery;
import tools.sandbox.Sandbox.Redelivery;
import tools.sandbox.Sandbox.TikTokItem;

/**
 * The TikTok Shop Partner API (version 202309) stand-in under {@code /tiktok}, written from MARKETPLACES.md and the
 * contracts: app key and signature (106001), timestamp from now-5min to now+30s (36009004), access token in
 * {@code x-tts-access-token} expiring by time (105002; 7 days unless set), {@code shop_cipher} required on shop APIs
 * (106013), the authorized-shops list, the authorisation page and the unsigned auth host ({@code /tiktok/auth}:
 * {@link TikTokAuthorization}), orders,
 * per-warehouse inventory ({@link TikTokSandboxStock}), cancels checked against the order status (25001021,
 * 25001011, 25001051, 25001045), and notifications signed with the app secret. Errors use TikTok's envelope
 * {@code {code, message, request_id, data}}.
 */
final class TikTokSandbox {
  private final SandboxShops config;
  private final WebhookSender webhooks;
  private final Map<String, Map<String, ObjectNode>> tiktokOrders = new ConcurrentHashMap<>();
  final TikTokSandboxStock stock;
  /** Tokens (expiring by time: 105002), the authorisation page and the auth host. */
  final TikTokAuthorization authorization;
  /** Orders this sandbox cancelled on the seller's request: a second request answers 25001011. */
  private final java.util.Set<String> sellerCancelled = ConcurrentHashMap.newKeySet();
  /** Requests per second per API and shop (TikTok's default is 50); 0: unlimited, the sandbox's default. */
  private volatile int ratePerSecond;
  private final Map<String, long[]> windows = new ConcurrentHashMap<>();

  /** Told (shop id, order id) when a seller cancellation cancels an order. */
  private volatile java.util.function.BiConsumer<String, String> onSellerCancel = (shopId, orderId) -> { };

  TikTokSandbox(SandboxShops config, WebhookSender webhooks, ShownListeners shown) {
    this.stock = new TikTokSandboxStock(shown);
    this.config = config;
    this.webhooks = webhooks;
    this.authorization = new TikTokAuthorization(config);
  }

  void reset() {
    tiktokOrders.clear();
    stock.reset();
    authorization.reset();
    sellerCancelled.clear();
    ratePerSecond = 0;
    windows.clear();
  }

  void onSellerCancel(java.util.function.BiConsumer<String, String> listener) {
    onSellerCancel = listener;
  }

  void setRateLimit(int perSecond) {
    ratePerSecond = perSecond;
  }

  /** One-second windows per API (the path without its product id) and shop. */
  private boolean overLimit(String shopId, String path) {
    int limit = ratePerSecond;
    if (limit <= 0) return false;
    String api = shopId + " " + path.replaceAll("/products/[^/]+", "/products/{id}");
    long second = Instant.now().getEpochSecond();
    long[] w = windows.computeIfAbsent(api, k -> new long[2]);
    synchronized (w) {
      if (w[0] != second) {
        w[0] = second;
        w[1] = 0;
      }
      return ++w[1] > limit;
    }
  }

  void setTokenLifetime(java.time.Duration lifetime) {
    authorization.setTokenLifetime(lifetime);
  }

  void expireAccessToken(String shopId) {
    authorization.expire(shopId);
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
    if (path.startsWith("/auth/")) return auth(path.substring("/auth".length()), q);
    if (path.equals("/open/authorize")) return authorization.authorizePage(q);
    String appKey = q.get("app_key");
    List<SandboxShops.TikTokShop> app = config.tiktok().stream().filter(s -> s.appKey().equals(appKey)).toList();
    long timestamp = parseLong(q.get("timestamp"));
    long now = Instant.now().getEpochSecond();
    if (app.isEmpty()) return new Answer(400, tiktokError(106001, "Invalid app_key"), "106001");
    if (timestamp < now - 300 || timestamp > now + 30) {
      return new Answer(400, tiktokError(36009004, "Invalid timestamp: accepted from now-5min to now+30s"), "36009004");
    }
    String expected = PlatformSignatures.tiktokRequest(app.get(0).appSecret(), path, q, body);
    if (!PlatformSignatures.same(expected, q.get("sign"))) {
      return new Answer(401, tiktokError(106001, "Invalid signature"), "106001");
    }
    String token = request.getHeader("x-tts-access-token").map(h -> h.value()).orElse("");
    List<SandboxShops.TikTokShop> covered = app.stream().filter(s -> token.equals(authorization.accessToken(s)))
        .toList();
    if (covered.isEmpty()) return new Answer(401, tiktokError(105002, "Access token is invalid or expired"), "105002");
    if (covered.stream().allMatch(s -> authorization.expired(s.shopId()))) {
      return new Answer(401, tiktokError(105002, "Access token expired"), "105002");
    }
    if (path.equals("/authorization/202309/shops")) return shops(covered);
    String cipher = q.get("shop_cipher");
    if (cipher == null || cipher.isBlank()) {
      return new Answer(400, tiktokError(106013, "shop_cipher is required"), "106013");
    }
    SandboxShops.TikTokShop shop = covered.stream().filter(s -> s.shopCipher().equals(cipher)).findFirst()
        .orElse(null);
    if (shop == null) return new Answer(400, tiktokError(106013, "Invalid shop_cipher"), "106013");
    if (overLimit(shop.shopId(), path)) {
      return new Answer(429, tiktokError(36009002, "Too many requests: rate limit per API and shop"), "36009002");
    }
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
      stock.update(productId(path), json, errors);
      return new Answer(200, ok, errors.isEmpty() ? "ok" : "partial");
    }
    if (path.startsWith("/product/202309/products/") && request.method().value().equals("GET")
        && path.indexOf('/', "/product/202309/products/".length()) < 0) {
      ok.set("data", stock.product(path.substring("/product/202309/products/".length())));
      return new Answer(200, ok, "ok");
    }
    if (path.equals("/return_refund/202309/cancellations")) {
      String orderId = json.path("order_id").asText("");
      ObjectNode order = orders.get(orderId);
      if (order == null) return new Answer(200, tiktokError(21011001, "order not found"), "21011001");
      String status = order.path("status").asText();
      if (sellerCancelled.contains(shop.shopId() + "/" + orderId)) {
        return new Answer(200, tiktokError(25001011, "The order has been cancelled or a request is in process"),
            "25001011");
      }
      if (status.equals("CANCELLED") || status.equals("COMPLETED")) {
        return new Answer(200, tiktokError(25001051, "The order is completed or cancelled"), "25001051");
      }
      String expectedReason = switch (status) {
        case "UNPAID" -> "seller_cancel_unpaid_reason_out_of_stock";
        case "ON_HOLD", "AWAITING_SHIPMENT" -> "seller_cancel_reason_out_of_stock";
        default -> null;
      };
      if (expectedReason == null) return new Answer(200, tiktokError(25001045, "The order has been shipped"), "25001045");
      if (shop.region().equalsIgnoreCase("UK")) expectedReason += "_uk";
      if (!expectedReason.equals(json.path("cancel_reason").asText())) {
        return new Answer(200, tiktokError(25001021, "Reason not match order status"), "25001021");
      }
      sellerCancelled.add(shop.shopId() + "/" + orderId);
      order.put("status", "CANCELLED").put("update_time", Instant.now().getEpochSecond());
      onSellerCancel.accept(shop.shopId(), orderId);
      ok.putObject("data").put("cancel_id", "cancel-" + orderId).put("cancel_status", "CANCELLATION_REQUEST_COMPLETE");
      return new Answer(200, ok, "ok");
    }
    return new Answer(404, tiktokError(40006, "no such API " + path), "40006");
  }

  /** GET /authorization/202309/shops: the shops the token covers, with their ciphers. */
  private Answer shops(List<SandboxShops.TikTokShop> covered) {
    ObjectNode ok = tiktokOk();
    ArrayNode list = ok.putObject("data").putArray("shops");
    for (SandboxShops.TikTokShop s : covered) {
      list.addObject().put("id", s.shopId()).put("name", s.name())
          .put("region", s.region().isBlank() ? "MY" : s.region()).put("seller_type", "LOCAL")
          .put("cipher", s.shopCipher()).put("code", "SANDBOX" + s.shopId());
    }
    return new Answer(200, ok, "ok");
  }

  /** The auth host (unsigned): token get after the seller's authorisation, and refresh. */
  private Answer auth(String path, Map<String, String> q) {
    return switch (path) {
      case "/api/v2/token/get" -> authorization.tokenGet(q);
      case "/api/v2/token/refresh" -> authorization.refresh(q);
      default -> new Answer(404, tiktokError(40006, "no such API " + path), "40006");
    };
  }

  private static String productId(String inventoryPath) {
    String rest = inventoryPath.substring("/product/202309/products/".length());
    return rest.substring(0, rest.indexOf('/'));
  }

  static ObjectNode tiktokOk() {
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

  /** The seller removed the app: tokens stop working and webhook 6 (data{message}) is sent. */
  CompletionStage<Delivery> deauthorize(String shopId, String targetUrl) {
    authorization.deauthorize(shopId);
    return sendNotification(targetUrl, shopId, 6, MAPPER.createObjectNode().put("message",
        "Shop_id " + shopId + " is deauthorized from your APP by merchant."), Redelivery.ONCE);
  }

  /** Webhook 7: data{message, expiration_time (a string of unix seconds)}. */
  CompletionStage<Delivery> sendAuthExpiring(String targetUrl, String shopId, Instant expiration) {
    long days = Math.max(0, java.time.Duration.between(Instant.now(), expiration).toDays());
    return sendNotification(targetUrl, shopId, 7, MAPPER.createObjectNode()
        .put("message", "Authorization of shop_id " + shopId + " is expiring in " + days
            + " days. Please direct the merchant to re-authorize.")
        .put("expiration_time", Long.toString(expiration.getEpochSecond())), Redelivery.ONCE);
  }

  CompletionStage<Delivery> sendOrderStatus(String targetUrl, String shopId, String orderId,
      String status, Redelivery redelivery) {
    ObjectNode data = MAPPER.createObjectNode();
    data.put("order_id", orderId).put("order_status", status).put("is_on_hold_order", status.equals("ON_HOLD"))
        .put("update_time", Instant.now().getEpochSecond());
    return sendNotification(targetUrl, shopId, 1, data, redelivery);
  }
}
