package tools.sandbox;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import support.SandboxFixture;

/** The Shopee stand-in speaks as docs/MARKETPLACES.md says Shopee does, with its own signing (no client code). */
class ShopeeSandboxTest {
  static final SandboxFixture fx = new SandboxFixture();
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final String SHOP = "1001";
  static final long PARTNER = 2001;
  static final String KEY = "sandbox-shopee-partner-key";

  @BeforeEach
  void fresh() {
    fx.sandbox.reset();
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  static JsonNode shop(String method, String path, String query, String body) throws Exception {
    long ts = Instant.now().getEpochSecond();
    String token = fx.sandbox.shopeeAccessToken(SHOP);
    String sign = PlatformSignatures.shopeeShop(KEY, PARTNER, path, ts, token, Long.parseLong(SHOP));
    String url = fx.sandbox.baseUrl() + "/shopee" + path + "?partner_id=" + PARTNER + "&timestamp=" + ts
        + "&access_token=" + token + "&shop_id=" + SHOP + "&sign=" + sign + (query.isEmpty() ? "" : "&" + query);
    return send(method, url, body);
  }

  static JsonNode publicCall(String method, String path, String body) throws Exception {
    long ts = Instant.now().getEpochSecond();
    String url = fx.sandbox.baseUrl() + "/shopee" + path + "?partner_id=" + PARTNER + "&timestamp=" + ts + "&sign="
        + PlatformSignatures.shopeePublic(KEY, PARTNER, path, ts);
    return send(method, url, body);
  }

  static JsonNode send(String method, String url, String body) throws Exception {
    var b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json");
    b = method.equals("GET") ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body));
    return JSON.readTree(HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  static JsonNode detail() throws Exception {
    return shop("GET", "/api/v2/order/get_order_detail", "order_sn_list=X", "");
  }

  @Test
  void accessTokensExpireByTimeWithShopeesSpelling() throws Exception {
    assertEquals("", detail().get("error").asText());
    fx.sandbox.setShopeeTokenLifetime(Duration.ofSeconds(1));
    Thread.sleep(1200);
    JsonNode expired = detail();
    assertEquals("invalid_acceess_token", expired.get("error").asText());
    assertTrue(expired.has("request_id") && expired.has("message"));
  }

  @Test
  void refreshTokensAreSingleUseAndReuseIsCounted() throws Exception {
    String body = "{\"refresh_token\":\"sandbox-shopee-refresh-token\",\"partner_id\":2001,\"shop_id\":1001}";
    JsonNode first = publicCall("POST", "/api/v2/auth/access_token/get", body);
    assertEquals("", first.get("error").asText());
    assertNotEquals("sandbox-shopee-refresh-token", first.get("refresh_token").asText());
    assertEquals(0, fx.sandbox.shopeeRefreshTokenReuses());
    JsonNode again = publicCall("POST", "/api/v2/auth/access_token/get", body);
    assertEquals("error_auth", again.get("error").asText());
    assertEquals("Invalid refresh_token.", again.get("message").asText());
    assertEquals(1, fx.sandbox.shopeeRefreshTokenReuses());
  }

  @Test
  void lostPushesHoldTheWholeEnvelopeAsAString() throws Exception {
    fx.sandbox.addShopeeLostPush(SHOP, 3, JSON.createObjectNode().put("ordersn", "L1").put("status", "UNPAID"));
    JsonNode response = publicCall("GET", "/api/v2/push/get_lost_push_message", "").get("response");
    JsonNode entry = response.get("push_message_list").get(0);
    assertTrue(entry.get("data").isTextual());
    JsonNode envelope = JSON.readTree(entry.get("data").asText());
    assertEquals(3, envelope.get("code").asInt());
    assertEquals("L1", envelope.get("data").get("ordersn").asText());
    assertFalse(entry.has("message_id"), "no per-entry id, only last_message_id");
    assertFalse(response.get("has_next_page").asBoolean());
    long last = response.get("last_message_id").asLong();
    publicCall("POST", "/api/v2/push/confirm_consumed_lost_push_message", "{\"last_message_id\":" + last + "}");
    assertEquals(0, fx.sandbox.shopeeLostPushCount());
  }

  @Test
  void plainAndVariantItemsAreReadTheirOwnWay() throws Exception {
    fx.sandbox.addShopeeItem(80, false);
    fx.sandbox.setShopeeStock(80, 0, 5);
    assertEquals("error_param", shop("GET", "/api/v2/product/get_model_list", "item_id=80", "").get("error").asText());
    JsonNode item = shop("GET", "/api/v2/product/get_item_base_info", "item_id_list=80", "")
        .get("response").get("item_list").get(0);
    assertFalse(item.get("has_model").asBoolean());
    assertEquals(5, item.get("stock_info_v2").get("seller_stock").get(0).get("stock").asInt());
    fx.sandbox.addShopeeItem(81, true);
    JsonNode wrong = shop("POST", "/api/v2/product/update_stock", "",
        "{\"item_id\":81,\"stock_list\":[{\"model_id\":0,\"seller_stock\":[{\"stock\":1}]}]}");
    assertEquals("error_edit_item_stock_for_item_has_model", wrong.get("error").asText());
  }

  @Test
  void multiWarehouseShopsNeedLocationIds() throws Exception {
    fx.sandbox.setShopeeWarehouses(SHOP, List.of("MYZ"));
    JsonNode without = shop("POST", "/api/v2/product/update_stock", "",
        "{\"item_id\":82,\"stock_list\":[{\"model_id\":0,\"seller_stock\":[{\"stock\":1}]}]}");
    assertEquals("The merchant/shop has multi warehouse, please input location id", without.get("message").asText());
    assertEquals("MYZ", shop("GET", "/api/v2/shop/get_warehouse_detail", "", "").get("response").get(0)
        .get("location_id").asText());
    fx.sandbox.setShopeeWarehouses(SHOP, List.of());
    assertEquals("warehouse.error_not_in_whitelist",
        shop("GET", "/api/v2/shop/get_warehouse_detail", "", "").get("error").asText());
  }

  @Test
  void aPlatformErrorRateHitsAboutThatFractionUntilCleared() throws Exception {
    fx.sandbox.injectPlatformErrorRate(Channel.SHOPEE, "get_order_detail", "error_rate_limit", 0.5);
    int limited = 0;
    for (int i = 0; i < 100; i++) if (detail().get("error").asText().equals("error_rate_limit")) limited++;
    assertTrue(limited > 25 && limited < 75, "about half: " + limited);
    long notOk = fx.sandbox.calls(Channel.SHOPEE, "get_order_detail").stream()
        .filter(c -> !c.outcome().equals("ok")).count();
    assertEquals(limited, notOk, "calls() outcomes give the success rate");
    fx.sandbox.clearFaults();
    for (int i = 0; i < 10; i++) assertEquals("", detail().get("error").asText());
  }
}
