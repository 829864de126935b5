package marketplace.shopee;

import static org.junit.jupiter.api.Assertions.*;
import static support.SandboxFixture.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import marketplace.FailureClass;
import marketplace.HttpCaller;
import marketplace.ShopGuard.Attempt;
import marketplace.WebhookEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import support.SandboxFixture;
import tools.sandbox.Sandbox;

/**
 * Every src/test/resources/contracts/shopee-*.json example: responses and pushes through the client's parsers,
 * requests compared field by field with what the client sends (auth link / token get: the client has no onboarding
 * code yet, so only the sandbox's acceptance of that exact request shape is checked).
 */
class ShopeeContractTest {
  static final SandboxFixture fx = new SandboxFixture();
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SHOP = "1001";
  ShopeeClient client;

  @BeforeEach
  void fresh() {
    fx.sandbox.reset();
    client = new ShopeeClient(fx.testKit.system(), fx.config);
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  static JsonNode example(String name) throws Exception {
    return JSON.readTree(new File("src/test/resources/contracts/" + name)).get("example");
  }

  static <T> Attempt<T> classify(JsonNode body) {
    return ShopeeClient.classify(new HttpCaller.Reply(200, body.toString().getBytes(StandardCharsets.UTF_8),
        Optional.empty()), root -> null, false);
  }

  @Test
  void everyShopeeContractFileIsCoveredHere() throws Exception {
    String[] files = new File("src/test/resources/contracts").list((d, n) -> n.startsWith("shopee-"));
    String source = java.nio.file.Files.readString(java.nio.file.Path.of(
        "src/test/java/marketplace/shopee/ShopeeContractTest.java"));
    for (String f : files) assertTrue(source.contains("\"" + f + "\""), f + " has no contract test");
  }

  @Test
  void errorEnvelopes() throws Exception {
    var token = assertInstanceOf(Attempt.Fail.class, classify(example("shopee-error-invalid-token.json")));
    assertEquals(FailureClass.REFRESH_ONCE, token.failureClass());
    var rate = assertInstanceOf(Attempt.Retry.class, classify(example("shopee-error-rate-limit.json")));
    assertEquals("error_rate_limit", rate.code());
    assertFalse(rate.unhealthy(), "throttling is not ill health for the breaker");
    var daily = assertInstanceOf(Attempt.Fail.class, classify(example("shopee-error-daily-limit.json")));
    assertEquals(FailureClass.PAUSE_UNTIL_RESET, daily.failureClass());
    assertEquals(ShopeeErrors.nextDailyReset(Instant.now()), daily.pausedUntil());
  }

  @Test
  void stockReadBacks() throws Exception {
    var plain = ShopeeStockReads.baseInfo(example("shopee-get-item-base-info-response.json"), 23456789555L);
    assertEquals(120, plain.get(0L).sellerStock().get(""));
    assertEquals(20, plain.get(0L).reservedStock());
    var models = ShopeeStockReads.modelList(example("shopee-get-model-list-response.json"));
    var red = models.get(98765432101L);
    assertEquals(90, red.sellerStock().get("MYZ"));
    assertEquals(50, red.sellerStock().get("MYW"));
    assertEquals(50, red.reservedStock());
    assertEquals(List.of("MYZ", "MYW"), ShopeeStockReads.locations(example("shopee-get-warehouse-detail-response.json")));
  }

  @Test
  void partialStockFailure() throws Exception {
    var result = ShopeeClient.parseStockResult(23456789012L, example("shopee-update-stock-partial-failure-response.json"));
    assertEquals(1, result.failed().size());
    var failure = result.failed().get(0);
    assertEquals(98765432101L, failure.modelId());
    assertEquals(FailureClass.PERMANENT_LISTING, ShopeeErrors.classify(null, failure.reason()));
    assertEquals(2, result.succeeded().size());
  }

  @Test
  void lostPushPage() throws Exception {
    var page = ShopeeClient.parseLostPushPage(example("shopee-lost-push-response.json"));
    assertEquals(204417, page.lastMessageId());
    assertFalse(page.hasNextPage());
    var order = assertInstanceOf(WebhookEvent.ShopeeOrderStatus.class, page.events().get(0));
    assertEquals("250101ABCD1234", order.orderSn());
    assertEquals("READY_TO_SHIP", order.status());
    assertEquals("812345678", order.shopId());
    // code 12: the shops whose authorisation ends soon
    var expiring = assertInstanceOf(WebhookEvent.ShopAuthorisation.class, page.events().get(1));
    assertEquals(WebhookEvent.ShopAuthorisation.Change.EXPIRING, expiring.change());
  }

  @Test
  void pushes() throws Exception {
    var order = assertInstanceOf(WebhookEvent.ShopeeOrderStatus.class,
        ShopeePushes.read(example("shopee-push-code3-order-status.json")));
    assertFalse(order.orderSn().isBlank());
    var tracking = assertInstanceOf(WebhookEvent.ShopeeTracking.class,
        ShopeePushes.read(example("shopee-push-code4-tracking.json")));
    assertNotNull(tracking.trackingNumber());
    var authorised = assertInstanceOf(WebhookEvent.ShopAuthorisation.class,
        ShopeePushes.read(example("shopee-push-code1-authorized.json")));
    assertEquals(WebhookEvent.ShopAuthorisation.Change.AUTHORISED, authorised.change());
    assertEquals(List.of("812345678"), authorised.shopIds());
    // code 2 spells the shop "shopid" in this sample
    var gone = assertInstanceOf(WebhookEvent.ShopAuthorisation.class,
        ShopeePushes.read(example("shopee-push-code2-deauthorized.json")));
    assertEquals(WebhookEvent.ShopAuthorisation.Change.DEAUTHORISED, gone.change());
    assertEquals(List.of("812345678"), gone.shopIds());
    assertEquals("expiry", gone.reason());
    var soon = assertInstanceOf(WebhookEvent.ShopAuthorisation.class,
        ShopeePushes.read(example("shopee-push-code12-auth-expiry.json")));
    assertEquals(List.of("812345678", "812345679"), soon.shopIds());
    assertEquals(java.time.Instant.ofEpochSecond(1736294400L), soon.endsAt());
  }

  @Test
  void promotionPushes() throws Exception {
    var locked = assertInstanceOf(WebhookEvent.PromotionStock.class,
        ShopeePushes.read(example("shopee-push-code7-item-promotion.json")));
    assertEquals(Channel.SHOPEE, locked.channel());
    assertEquals("812345678", locked.shopId());
    assertEquals("23456789012", locked.itemId());
    assertEquals("98765432101", locked.modelId(), "variation_id is the model id");
    assertEquals("700123456789012", locked.promotionId());
    assertEquals("flash_sale", locked.promotionType());
    assertEquals("promo_lock_stock", locked.action());
    assertEquals(50, locked.reservedStock());
    assertFalse(locked.ended());
    assertEquals(Instant.ofEpochSecond(1735790000L), locked.at());

    var ordered = assertInstanceOf(WebhookEvent.PromotionStock.class,
        ShopeePushes.read(example("shopee-push-code8-reserved-stock.json")));
    assertEquals("place_order", ordered.action());
    assertEquals(49, ordered.reservedStock(), "the new value of changed_values reserved_stock");
    assertFalse(ordered.ended());
    assertEquals("98765432101", ordered.modelId());
    assertTrue(ordered.dedupKey().contains("250102EFGH5678"), ordered.dedupKey());

    var added = assertInstanceOf(WebhookEvent.PromotionStock.class,
        ShopeePushes.read(example("shopee-push-code9-promotion-update.json")));
    assertEquals("added_in_promo", added.action());
    assertEquals(50, added.reservedStock());
    assertFalse(added.ended());
    assertEquals("23456789012", added.itemId());
  }

  private Sandbox.Call last(String path) {
    var calls = fx.sandbox.calls(Channel.SHOPEE, path);
    return calls.get(calls.size() - 1);
  }

  private static void sameFields(JsonNode contract, JsonNode sent) {
    assertEquals(fieldNames(contract), fieldNames(sent), "fields of " + sent);
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    java.util.Collections.sort(names);
    return names;
  }

  @Test
  void refreshRequest() throws Exception {
    JsonNode contract = example("shopee-refresh-token-request.json");
    await(client.refreshAccessToken(SHOP));
    Sandbox.Call call = last("access_token/get");
    assertEquals(contract.get("method").asText(), call.method());
    assertEquals(fieldNames(contract.get("query")), call.query().keySet().stream().sorted().toList());
    JsonNode body = JSON.readTree(call.body());
    sameFields(contract.get("body"), body);
    assertTrue(body.get("partner_id").isIntegralNumber() && body.get("shop_id").isIntegralNumber());
    JsonNode response = example("shopee-refresh-token-response.json");
    var tokens = ShopeeClient.parseTokens(response);
    assertEquals(response.get("access_token").asText(), tokens.accessToken());
    assertEquals(response.get("refresh_token").asText(), tokens.refreshToken());
    assertTrue(tokens.expiresAt().isAfter(Instant.now().plusSeconds(14_000)));
    assertEquals("6e4d5a7b1c9f3e2d8a0b6c4e2f1a9d7c",
        ShopeeClient.parseTokens(example("shopee-token-get-response.json")).accessToken());
  }

  @Test
  void lostPushConfirmRequest() throws Exception {
    JsonNode contract = example("shopee-lost-push-confirm-request.json");
    await(client.confirmLostPushConsumed(SHOP, 204417));
    Sandbox.Call call = last("confirm_consumed_lost_push_message");
    assertEquals("POST", call.method());
    assertEquals(fieldNames(contract.get("query")), call.query().keySet().stream().sorted().toList());
    assertEquals(contract.get("body"), JSON.readTree(call.body()));
  }

  @Test
  void multiWarehouseUpdateStockRequest() throws Exception {
    JsonNode contract = example("shopee-update-stock-multiwarehouse-request.json").get("body");
    fx.sandbox.setShopeeWarehouses(SHOP, List.of("MYZ", "MYW"));
    List<ShopeeClient.ModelLocations> models = new java.util.ArrayList<>();
    for (JsonNode entry : contract.get("stock_list")) {
      List<ShopeeClient.LocationStock> locations = new java.util.ArrayList<>();
      for (JsonNode s : entry.get("seller_stock")) {
        locations.add(new ShopeeClient.LocationStock(s.get("location_id").asText(), s.get("stock").asInt()));
      }
      models.add(new ShopeeClient.ModelLocations(entry.get("model_id").asLong(), locations));
    }
    var result = await(client.updateItemStock(SHOP, contract.get("item_id").asLong(), models));
    assertTrue(result.complete(), result.toString());
    assertEquals(contract, JSON.readTree(last("update_stock").body()));
  }

  @Test
  void tokenGetRequestShapeIsAcceptedBySandbox() throws Exception {
    // No onboarding code in the client yet (a later issue): the sandbox accepts exactly the contract's shape,
    // signed like a public API, and its answer has the contract's top-level fields.
    JsonNode contract = example("shopee-token-get-request.json");
    JsonNode link = example("shopee-auth-link-and-redirect.json");
    assertEquals(fieldNames(link.get("redirect_shop_account").get("query")), List.of("code", "shop_id"));
    var shop = fx.config.shopeeShop(SHOP).orElseThrow();
    String code = fx.sandbox.issueShopeeAuthCode(SHOP);
    var body = JSON.createObjectNode().put("code", code).put("shop_id", Long.parseLong(SHOP))
        .put("partner_id", shop.partnerId());
    sameFields(contract.get("body"), body);
    long ts = Instant.now().getEpochSecond();
    String path = contract.get("path").asText();
    String sign = marketplace.signing.Signatures.shopeePublicSign(shop.partnerKey(), shop.partnerId(), path, ts);
    var http = java.net.http.HttpClient.newHttpClient();
    String url = shop.baseUrl() + path + "?partner_id=" + shop.partnerId() + "&timestamp=" + ts + "&sign=" + sign;
    var send = (java.util.function.Function<String, JsonNode>) b -> {
      try {
        return JSON.readTree(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
            .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(b))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body());
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    };
    JsonNode answer = send.apply(body.toString());
    sameFields(example("shopee-token-get-response.json"), answer);
    assertEquals("", answer.get("error").asText());
    assertEquals("error_auth", send.apply(body.toString()).get("error").asText(), "a code is single use");
  }
}
