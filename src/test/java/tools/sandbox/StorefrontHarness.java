package tools.sandbox;

import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.stream.Materializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import support.SandboxFixture;

/**
 * The storefront tests' side of the wire: a webhook receiver that notes when each delivery arrived, and the seller's
 * API calls (Shopee and TikTok), signed here as the platforms require, so the sandbox is driven as the service would.
 */
final class StorefrontHarness implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SHOPEE_SHOP = "1001";
  static final String TIKTOK_SHOP = "7001";
  private static final long PARTNER = 2001;
  private static final String PARTNER_KEY = "sandbox-shopee-partner-key";
  private static final String TIKTOK_SECRET = "sandbox-tiktok-app-secret";

  /** One webhook as it arrived: its path, parsed body, Authorization header and arrival (System.nanoTime). */
  record Received(String path, JsonNode body, String authorization, long atNanos) {}

  final SandboxFixture fx = new SandboxFixture();
  final List<Received> received = new CopyOnWriteArrayList<>();
  private final ServerBinding receiver;

  StorefrontHarness() throws Exception {
    Materializer mat = Materializer.matFromSystem(fx.testKit.system());
    receiver = Http.get(fx.testKit.system()).newServerAt("127.0.0.1", 0)
        .bind((akka.japi.function.Function<HttpRequest, CompletionStage<HttpResponse>>) req ->
            req.entity().toStrict(5000, mat).thenApply(strict -> {
              long at = System.nanoTime();
              try {
                received.add(new Received(req.getUri().path(), JSON.readTree(strict.getData().toArray()),
                    req.getHeader("Authorization").map(h -> h.value()).orElse(null), at));
              } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
              }
              return HttpResponse.create();
            })).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  Sandbox sandbox() {
    return fx.sandbox;
  }

  Storefront store() {
    return fx.sandbox.storefront();
  }

  /** Fresh sandbox; the storefront's webhooks go to this receiver. */
  void fresh() throws InterruptedException {
    fx.sandbox.reset();
    // deliveries the last test started are let land first, so they are not taken for this test's
    int seen;
    do {
      seen = received.size();
      Thread.sleep(100);
    } while (received.size() != seen);
    received.clear();
    store().webhookTargets(target("/webhooks/shopee"), target("/webhooks/tiktok"));
  }

  String target(String path) {
    return "http://127.0.0.1:" + receiver.localAddress().getPort() + path;
  }

  /** Shopee pushes received with this code, in arrival order. */
  List<JsonNode> shopeePushes(int code) {
    return received.stream().filter(r -> r.path().equals("/webhooks/shopee") && r.body().path("code").asInt() == code)
        .map(Received::body).toList();
  }

  /** Waits up to 5 s until {@code count} Shopee pushes of the code arrived. */
  List<JsonNode> awaitShopeePushes(int code, int count) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (shopeePushes(code).size() < count && System.nanoTime() < end) Thread.sleep(10);
    return shopeePushes(code);
  }

  Received awaitOne(String path) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < end) {
      for (Received r : received) if (r.path().equals(path)) return r;
      Thread.sleep(5);
    }
    throw new AssertionError("no webhook at " + path);
  }

  // ------------------------------------------------------------------------------------------ seller's API calls

  JsonNode shopee(String method, String path, String query, String body) throws Exception {
    long ts = Instant.now().getEpochSecond();
    String token = fx.sandbox.shopeeAccessToken(SHOPEE_SHOP);
    String sign = PlatformSignatures.shopeeShop(PARTNER_KEY, PARTNER, path, ts, token, Long.parseLong(SHOPEE_SHOP));
    String url = fx.sandbox.baseUrl() + "/shopee" + path + "?partner_id=" + PARTNER + "&timestamp=" + ts
        + "&access_token=" + token + "&shop_id=" + SHOPEE_SHOP + "&sign=" + sign + (query.isEmpty() ? "" : "&" + query);
    return send(method, url, Map.of(), body);
  }

  JsonNode tiktok(String method, String path, Map<String, String> extra, String body) throws Exception {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("app_key", "sandboxappkey");
    q.put("timestamp", Long.toString(Instant.now().getEpochSecond()));
    q.put("shop_cipher", "sandbox-cipher");
    q.putAll(extra);
    q.put("sign", PlatformSignatures.tiktokRequest(TIKTOK_SECRET, path, q, body.getBytes()));
    String query = q.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
    return send(method, fx.sandbox.baseUrl() + "/tiktok" + path + "?" + query,
        Map.of("x-tts-access-token", "sandbox-tiktok-access-token"), body);
  }

  private static JsonNode send(String method, String url, Map<String, String> headers, String body) throws Exception {
    var b = java.net.http.HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json");
    headers.forEach(b::header);
    b = method.equals("GET") ? b.GET() : b.POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
    return JSON.readTree(support.Http.send(b.build()).body());
  }

  JsonNode shopeeUpdateStock(long itemId, long modelId, int stock) throws Exception {
    return shopee("POST", "/api/v2/product/update_stock", "", "{\"item_id\":" + itemId + ",\"stock_list\":[{\"model_id\":"
        + modelId + ",\"seller_stock\":[{\"stock\":" + stock + "}]}]}");
  }

  JsonNode shopeeModel(long itemId, long modelId) throws Exception {
    for (JsonNode m : shopee("GET", "/api/v2/product/get_model_list", "item_id=" + itemId, "").path("response")
        .path("model")) {
      if (m.path("model_id").asLong() == modelId) return m;
    }
    throw new AssertionError("no model " + modelId);
  }

  JsonNode shopeeCancel(String orderSn, long itemId, long modelId) throws Exception {
    return shopee("POST", "/api/v2/order/cancel_order", "", "{\"order_sn\":\"" + orderSn
        + "\",\"cancel_reason\":\"OUT_OF_STOCK\",\"item_list\":[{\"item_id\":" + itemId + ",\"model_id\":" + modelId
        + "}]}");
  }

  JsonNode shopeeOrder(String orderSn) throws Exception {
    return shopee("GET", "/api/v2/order/get_order_detail", "order_sn_list=" + orderSn, "").path("response")
        .path("order_list").path(0);
  }

  JsonNode tiktokCancel(String orderId) throws Exception {
    return tiktok("POST", "/return_refund/202309/cancellations", Map.of(), "{\"order_id\":\"" + orderId
        + "\",\"cancel_reason\":\"seller_cancel_reason_out_of_stock\"}");
  }

  @Override
  public void close() {
    receiver.unbind().toCompletableFuture().join();
    fx.close();
  }
}
