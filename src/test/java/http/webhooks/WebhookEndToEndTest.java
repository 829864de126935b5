package http.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import marketplace.signing.Signatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * Signed webhooks from the sandbox, through real HTTP, into orders that end CONFIRMED with details fetched from the
 * sandbox; and every kind of bad delivery refused with the right status and nothing recorded.
 */
class WebhookEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SHOPEE_SHOP = "1001";
  private static final String TIKTOK_SHOP = "7001";
  private static final String WHATSAPP_NUMBER = "5550001";
  private static MarketNode market;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    market = MarketNode.start(Map.of());
    setStock("SKU-RED", 10);
    setStock("SKU-BLUE", 10);
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  private static void setStock(String sku, int onHand) {
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/" + sku + "/stock")))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":" + onHand + "}")).build());
    assertEquals(200, r.statusCode(), r.body());
  }

  private static JsonNode awaitOrder(String channel, String shop, String orderId, String phase) throws Exception {
    String url = market.url("/admin/orders/" + channel + "/" + shop + "/" + orderId);
    long deadline = System.currentTimeMillis() + 20_000;
    JsonNode last = null;
    while (System.currentTimeMillis() < deadline) {
      HttpResponse<String> r = Http.get(url);
      if (r.statusCode() == 200) {
        last = JSON.readTree(r.body());
        if (phase.equals(last.get("phase").asText())) return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("order " + orderId + " not " + phase + ": " + last);
  }

  private static int reserved(String sku) throws Exception {
    return JSON.readTree(Http.get(market.url("/admin/skus/" + sku)).body()).get("reserved").asInt();
  }

  private static int eventCount(String channel, String shop, String orderId) throws Exception {
    HttpResponse<String> r = Http.get(market.url("/admin/orders/" + channel + "/" + shop + "/" + orderId + "/events"));
    return r.statusCode() == 404 ? 0 : JSON.readTree(r.body()).size();
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static HttpResponse<String> post(String path, byte[] body, String header, String value) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(market.url(path)))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (header != null) b.header(header, value);
    return Http.send(b.build());
  }

  private static String shopeePush(String orderSn, String status, String msgId) {
    return "{\"data\":{\"ordersn\":\"" + orderSn + "\",\"status\":\"" + status + "\",\"update_time\":1700000000},"
        + "\"shop_id\":" + SHOPEE_SHOP + ",\"code\":3,\"timestamp\":1700000000,\"msg_id\":\"" + msgId + "\"}";
  }

  private static String shopeeSign(byte[] body) {
    return Signatures.shopeePushSign("sandbox-shopee-partner-key", market.url("/webhooks/shopee"), body);
  }

  // ------------------------------------------------------------------ each channel, end to end

  @Test
  void shopeePushCreatesAnOrderConfirmedWithDetailsFromTheMarketplace() throws Exception {
    int before = reserved("SKU-RED");
    market.sandbox.addShopeeOrder(SHOPEE_SHOP, "SN-E2E-1", "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(100, 200, "ITEM-100", "SKU-RED", 2, new BigDecimal("15000"))));
    Sandbox.Delivery delivery = await(market.sandbox.sendShopeeOrderStatus(market.url("/webhooks/shopee"),
        SHOPEE_SHOP, "SN-E2E-1", "READY_TO_SHIP", Sandbox.Redelivery.ONCE));
    assertEquals(200, delivery.status());
    JsonNode order = awaitOrder("shopee", SHOPEE_SHOP, "SN-E2E-1", "CONFIRMED");
    assertEquals(2, order.at("/reserved/SKU-RED").asInt());
    assertEquals("IDR", order.get("currency").asText(), "details fetched from the marketplace");
    // the buyer's name went to buyer_data, not into the order's events (so not into its view)
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT buyer_name FROM buyer_data WHERE order_key = 'shopee|1001|SN-E2E-1'")) {
      assertTrue(rs.next(), "buyer data recorded");
      assertEquals("Sandbox Buyer", rs.getString(1));
    }
    assertEquals(before + 2, reserved("SKU-RED"));
    assertTrue(market.sandbox.calls(common.Channel.SHOPEE, "get_order_detail").size() >= 1);
  }

  @Test
  void tiktokNotificationCreatesAnOrderWithUnitsGroupedIntoQuantities() throws Exception {
    int before = reserved("SKU-BLUE");
    market.sandbox.addTikTokOrder(TIKTOK_SHOP, "TT-E2E-1", "AWAITING_SHIPMENT",
        List.of(new Sandbox.TikTokItem("P-1", "S-1", "SKU-BLUE", 3, new BigDecimal("4.50"))));
    Sandbox.Delivery delivery = await(market.sandbox.sendTikTokOrderStatus(market.url("/webhooks/tiktok"),
        TIKTOK_SHOP, "TT-E2E-1", "AWAITING_SHIPMENT", Sandbox.Redelivery.ONCE));
    assertEquals(200, delivery.status());
    JsonNode order = awaitOrder("tiktok", TIKTOK_SHOP, "TT-E2E-1", "CONFIRMED");
    assertEquals(3, order.at("/reserved/SKU-BLUE").asInt());
    assertEquals(before + 3, reserved("SKU-BLUE"));
  }

  @Test
  void tiktokVirtualBundleReservesItsChildrenNotTheBundle() throws Exception {
    int red = reserved("SKU-RED");
    int blue = reserved("SKU-BLUE");
    // as contracts/tiktok-order-with-combined-listing.json: one bundle unit = 1 x SKU-RED + 2 x SKU-BLUE
    var order = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree("""
        {"id":"TT-BUNDLE-1","status":"AWAITING_SHIPMENT","create_time":1735808400,"update_time":1735808520,
         "payment":{"currency":"MYR","total_amount":"54.90"},
         "line_items":[{"id":"L1","product_id":"PB","sku_id":"SB","product_name":"Gift set","sku_name":"Default",
           "seller_sku":"BUNDLE-GIFT","sale_price":"54.90",
           "combined_listing_skus":[
             {"sku_id":"S-RED","product_id":"P-RED","seller_sku":"SKU-RED","sku_count":1},
             {"sku_id":"S-BLUE","product_id":"P-BLUE","seller_sku":"SKU-BLUE","sku_count":2}]}]}""");
    market.sandbox.addTikTokOrder(TIKTOK_SHOP, order);
    assertEquals(200, await(market.sandbox.sendTikTokOrderStatus(market.url("/webhooks/tiktok"), TIKTOK_SHOP,
        "TT-BUNDLE-1", "AWAITING_SHIPMENT", Sandbox.Redelivery.ONCE)).status());
    JsonNode confirmed = awaitOrder("tiktok", TIKTOK_SHOP, "TT-BUNDLE-1", "CONFIRMED");
    assertEquals(1, confirmed.at("/reserved/SKU-RED").asInt(), confirmed.toString());
    assertEquals(2, confirmed.at("/reserved/SKU-BLUE").asInt(), confirmed.toString());
    assertTrue(confirmed.at("/reserved/BUNDLE-GIFT").isMissingNode(), confirmed.toString());
    assertEquals(red + 1, reserved("SKU-RED"));
    assertEquals(blue + 2, reserved("SKU-BLUE"));
  }

  @Test
  void whatsAppCatalogOrderCreatesAnOrderFromTheMessageItself() throws Exception {
    Sandbox.Delivery delivery = await(market.sandbox.sendWhatsAppOrder(market.url("/webhooks/whatsapp"),
        WHATSAPP_NUMBER, "6281234567", "Budi",
        List.of(new Sandbox.WhatsAppItem("SKU-RED", 1, new BigDecimal("15000"), "IDR")), Sandbox.Redelivery.ONCE));
    assertEquals(200, delivery.status());
    JsonNode order = awaitOrder("whatsapp", WHATSAPP_NUMBER, delivery.eventId(), "CONFIRMED");
    assertEquals(1, order.at("/reserved/SKU-RED").asInt());
    assertTrue(order.hasNonNull("holdUntil"), "unpaid WhatsApp orders hold stock until an operator marks them paid");
    HttpResponse<String> paid = post("/admin/orders/whatsapp/" + WHATSAPP_NUMBER + "/" + delivery.eventId() + "/paid",
        new byte[0], null, null);
    assertEquals(200, paid.statusCode(), paid.body());
  }

  @Test
  void duplicateDeliveryChangesNothing() throws Exception {
    market.sandbox.addShopeeOrder(SHOPEE_SHOP, "SN-DUP", "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(101, 0, "SKU-BLUE", null, 1, BigDecimal.ONE)));
    byte[] body = shopeePush("SN-DUP", "READY_TO_SHIP", "msg-dup-1").getBytes(StandardCharsets.UTF_8);
    assertEquals(200, post("/webhooks/shopee", body, "Authorization", shopeeSign(body)).statusCode());
    awaitOrder("shopee", SHOPEE_SHOP, "SN-DUP", "CONFIRMED");
    int events = eventCount("shopee", SHOPEE_SHOP, "SN-DUP");
    int reserved = reserved("SKU-BLUE");
    HttpResponse<String> again = post("/webhooks/shopee", body, "Authorization", shopeeSign(body));
    assertEquals(200, again.statusCode());
    assertEquals("", again.body(), "platforms expect an empty body");
    Thread.sleep(300);
    assertEquals(events, eventCount("shopee", SHOPEE_SHOP, "SN-DUP"));
    assertEquals(reserved, reserved("SKU-BLUE"));
  }

  // ------------------------------------------------------------------ refusals record nothing

  @Test
  void wrongOrMissingSignatureIs401AndRecordsNothing() throws Exception {
    byte[] body = shopeePush("SN-BAD-SIG", "READY_TO_SHIP", "m-bad").getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> wrongKey = post("/webhooks/shopee", body, "Authorization",
        Signatures.shopeePushSign("not-the-key", market.url("/webhooks/shopee"), body));
    assertEquals(401, wrongKey.statusCode());
    assertEquals("unauthorized", JSON.readTree(wrongKey.body()).get("error").asText());
    byte[] changed = shopeePush("SN-BAD-SIG", "SHIPPED", "m-bad").getBytes(StandardCharsets.UTF_8);
    assertEquals(401, post("/webhooks/shopee", changed, "Authorization", shopeeSign(body)).statusCode());
    assertEquals(401, post("/webhooks/shopee", body, null, null).statusCode());
    byte[] tiktok = "{\"type\":1,\"tts_notification_id\":\"n1\",\"shop_id\":\"7001\",\"timestamp\":1,\"data\":{\"order_id\":\"TT-BAD\",\"order_status\":\"UNPAID\",\"update_time\":1}}"
        .getBytes(StandardCharsets.UTF_8);
    assertEquals(401, post("/webhooks/tiktok", tiktok, "Authorization",
        Signatures.tiktokWebhookSign("wrong-secret", "sandboxappkey", tiktok)).statusCode());
    byte[] whatsapp = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"W\",\"changes\":[{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"5550001\"},\"messages\":[]}}]}]}"
        .getBytes(StandardCharsets.UTF_8);
    assertEquals(401, post("/webhooks/whatsapp", whatsapp, "X-Hub-Signature-256",
        Signatures.whatsAppSignatureHeader("wrong", whatsapp)).statusCode());
    Thread.sleep(300);
    assertEquals(404, Http.get(market.url("/admin/orders/shopee/1001/SN-BAD-SIG")).statusCode());
    assertEquals(404, Http.get(market.url("/admin/orders/tiktok/7001/TT-BAD")).statusCode());
  }

  @Test
  void malformedBodiesAre400WithAJsonError() throws Exception {
    byte[] notJson = "{\"data\":".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> r = post("/webhooks/shopee", notJson, "Authorization", shopeeSign(notJson));
    assertEquals(400, r.statusCode());
    assertEquals("bad_request", JSON.readTree(r.body()).get("error").asText());
    byte[] missing = ("{\"data\":{\"status\":\"READY_TO_SHIP\"},\"shop_id\":1001,\"code\":3,\"timestamp\":1}")
        .getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> noOrder = post("/webhooks/shopee", missing, "Authorization", shopeeSign(missing));
    assertEquals(400, noOrder.statusCode(), noOrder.body());
    assertTrue(JSON.readTree(noOrder.body()).get("message").asText().contains("ordersn"), noOrder.body());
  }

  @Test
  void unknownShopIs404() throws Exception {
    byte[] body = shopeePush("SN-X", "READY_TO_SHIP", "m-x").replace("\"shop_id\":1001", "\"shop_id\":9999")
        .getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> r = post("/webhooks/shopee", body, "Authorization", shopeeSign(body));
    assertEquals(404, r.statusCode());
    assertEquals("not_found", JSON.readTree(r.body()).get("error").asText());
  }

  @Test
  void oversizedBodyIs413() throws Exception {
    byte[] big = ("{\"pad\":\"" + "x".repeat(300 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> r = post("/webhooks/shopee", big, "Authorization", shopeeSign(big));
    assertEquals(413, r.statusCode());
    assertEquals("payload_too_large", JSON.readTree(r.body()).get("error").asText());
  }

  @Test
  void unhandledEventTypesAreAcknowledged() throws Exception {
    byte[] body = ("{\"data\":{\"x\":1},\"shop_id\":1001,\"code\":99,\"timestamp\":1,\"msg_id\":\"m99\"}")
        .getBytes(StandardCharsets.UTF_8);
    assertEquals(200, post("/webhooks/shopee", body, "Authorization", shopeeSign(body)).statusCode());
  }

  @Test
  void whatsAppVerificationHandshake() throws Exception {
    HttpResponse<String> ok = Http.get(market.url(
        "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=sandbox-verify-token&hub.challenge=12345"));
    assertEquals(200, ok.statusCode());
    assertEquals("12345", ok.body());
    HttpResponse<String> wrong = Http.get(market.url(
        "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=12345"));
    assertEquals(403, wrong.statusCode());
  }

  @Test
  void whatsAppTextIsStoredForAnOperator() throws Exception {
    String body = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"W\",\"changes\":[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"1\",\"phone_number_id\":\"5550001\"},\"contacts\":[{\"profile\":{\"name\":\"Sari\"},\"wa_id\":\"628999\"}],\"messages\":[{\"from\":\"628999\",\"id\":\"wamid.TEXT1\",\"timestamp\":\"1700000000\",\"type\":\"text\",\"text\":{\"body\":\"is the red one back?\"}}]}}]}]}";
    byte[] raw = body.getBytes(StandardCharsets.UTF_8);
    String sig = Signatures.whatsAppSignatureHeader("sandbox-whatsapp-app-secret", raw);
    assertEquals(200, post("/webhooks/whatsapp", raw, "X-Hub-Signature-256", sig).statusCode());
    assertEquals(200, post("/webhooks/whatsapp", raw, "X-Hub-Signature-256", sig).statusCode()); // redelivery
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*), max(body) FROM inbound_messages WHERE message_id = 'wamid.TEXT1'")) {
      rs.next();
      assertEquals(1, rs.getInt(1), "stored once");
      assertEquals("is the red one back?", rs.getString(2));
    }
  }

  // ------------------------------------------------------------------ missed webhooks

  @Test
  void aMissedShopeePushIsRecoveredByTheLostPushPoll() throws Exception {
    market.sandbox.addShopeeOrder(SHOPEE_SHOP, "SN-LOST", "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(103, 0, "SKU-BLUE", null, 1, BigDecimal.ONE)));
    var data = JSON.createObjectNode().put("ordersn", "SN-LOST").put("status", "READY_TO_SHIP")
        .put("update_time", 1700000000);
    market.sandbox.addShopeeLostPush(SHOPEE_SHOP, 3, data);
    awaitOrder("shopee", SHOPEE_SHOP, "SN-LOST", "CONFIRMED");
    long deadline = System.currentTimeMillis() + 5000;
    while (market.sandbox.shopeeLostPushCount() > 0 && System.currentTimeMillis() < deadline) Thread.sleep(100);
    assertEquals(0, market.sandbox.shopeeLostPushCount(), "confirmed as consumed once recorded");
  }

  // ------------------------------------------------------------------ marketplace faults

  @Test
  void detailFetchSurvivesServerErrorsAndRateLimits() throws Exception {
    market.sandbox.addShopeeOrder(SHOPEE_SHOP, "SN-FAULT", "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(102, 0, "SKU-BLUE", null, 1, BigDecimal.ONE)));
    market.sandbox.injectHttpStatus(common.Channel.SHOPEE, "get_order_detail", 503, 6);
    market.sandbox.injectHttpStatus(common.Channel.SHOPEE, "get_order_detail", 429, 3);
    byte[] body = shopeePush("SN-FAULT", "READY_TO_SHIP", "m-fault").getBytes(StandardCharsets.UTF_8);
    assertEquals(200, post("/webhooks/shopee", body, "Authorization", shopeeSign(body)).statusCode());
    awaitOrder("shopee", SHOPEE_SHOP, "SN-FAULT", "CONFIRMED");
    long attempts = market.sandbox.calls(common.Channel.SHOPEE, "get_order_detail").stream()
        .filter(c -> c.body().contains("SN-FAULT") || c.query().toString().contains("SN-FAULT")).count();
    assertTrue(attempts >= 10 && attempts <= 25, "bounded retries, every fault seen: " + attempts);
    // visible to operators: the shop's order-detail calls show the failures and the retries
    JsonNode shops = JSON.readTree(Http.get(market.url("/admin/shops")).body());
    JsonNode detail = null;
    for (JsonNode shop : shops) {
      if (shop.get("channel").asText().equals("shopee") && shop.get("shopId").asText().equals(SHOPEE_SHOP)) {
        for (JsonNode call : shop.get("calls")) if (call.get("kind").asText().equals("order_detail")) detail = call;
      }
    }
    assertTrue(detail != null && detail.get("failures").asLong() >= 1 && detail.get("retries").asLong() >= 5,
        "failures and retries visible in /admin/shops: " + detail);
    assertTrue(detail.hasNonNull("lastError"), String.valueOf(detail));
  }
}
