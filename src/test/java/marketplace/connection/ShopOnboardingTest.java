package marketplace.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Await;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * Shops connected the way a seller connects them: the operator asks for the authorisation link, the seller's browser
 * opens it on the (sandbox) platform, which redirects back with a code; the node exchanges it and records the shop.
 * Then the shop takes orders, its tokens are refreshed before they expire, a de-authorisation stops its calls and a
 * new connection processes what was held. The redirect refuses states it did not issue, used ones and old ones.
 */
class ShopOnboardingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static MarketNode market;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    market = MarketNode.start(Map.of("orchestrator.sandbox.shopee.sellable-shops", List.of("1001", "1002")), null, """
        orchestrator.marketplaces.shopee.app.redirect-url = "http://127.0.0.1:"${orchestrator.http.port}"/shops/shopee/authorized"
        orchestrator.marketplaces.tiktok.app.redirect-url = "http://127.0.0.1:"${orchestrator.http.port}"/shops/tiktok/authorized"
        orchestrator.sandbox.tiktok.sellable-shops = [
          { shop-id = "7001", cipher = "sandbox-cipher", region = "MY", name = "Sandbox Store MY" },
          { shop-id = "7002", cipher = "cipher-7002", region = "MY", name = "Second Store MY" },
          { shop-id = "7003", cipher = "cipher-7003", region = "MY", name = "Third Store MY" }
        ]
        """);
    setStock("SKU-ONB", 100);
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  // ---------------------------------------------------------------------------------------------------- tests

  @Test
  void aShopeeShopConnectedThroughOnboardingTakesOrders() throws Exception {
    market.sandbox.setShopeeAuthorizingShop("1002");
    HttpResponse<String> done = authorize(connectLink("shopee"));
    assertEquals(200, done.statusCode(), done.body());
    assertEquals("1002", JSON.readTree(done.body()).at("/shops/0/shopId").asText(), done.body());
    assertEquals("connected", JSON.readTree(done.body()).at("/shops/0/state").asText(), done.body());

    market.sandbox.addShopeeOrder("1002", "SN-ONB-1", "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(400, 401, "ITEM-400", "SKU-ONB", 1, new BigDecimal("1000"))));
    assertEquals(200, await(market.sandbox.sendShopeeOrderStatus(market.url("/webhooks/shopee"), "1002",
        "SN-ONB-1", "READY_TO_SHIP", Sandbox.Redelivery.ONCE)).status());
    awaitOrder("shopee", "1002", "SN-ONB-1", "CONFIRMED");

    // The operator sees the connection, never a token; the journal holds the tokens only sealed.
    String token = market.sandbox.shopeeAccessToken("1002");
    assertNotNull(token);
    JsonNode shop = shop("shopee", "1002");
    assertEquals("connected", shop.at("/connection/state").asText(), shop.toString());
    assertEquals("onboarding", shop.at("/connection/source").asText());
    assertFalse(shop.at("/connection/accessExpiresAt").isMissingNode(), shop.toString());
    String all = Http.get(market.url("/admin/shops")).body();
    assertFalse(all.contains(token), "GET /admin/shops shows no token");
    assertFalse(journalContains("ShopConnection|shopee|1002", token), "the journal holds no token in clear");
    assertTrue(journalRows("ShopConnection|shopee|1002") > 0);

    // The seconds-to-expiry gauge of the new shop, on the management port's Prometheus page
    String metrics = Http.get("http://127.0.0.1:" + market.config.getInt("akka.management.http.port") + "/metrics")
        .body();
    String line = metrics.lines().filter(l -> l.startsWith("orchestrator_shop_token_expiry_seconds{")
        && l.contains("shop=\"1002\"")).findFirst().orElseThrow(() -> new AssertionError("no expiry gauge of 1002"));
    double seconds = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    assertTrue(seconds > 0 && seconds <= 4 * 3600, line);
  }

  @Test
  void aTikTokShopConnectedThroughOnboardingTakesOrdersAndItsTokenIsRefreshedBeforeItExpires() throws Exception {
    // 8 s tokens: due three quarters into their life, refreshed by the connection entity before TikTok refuses them
    market.sandbox.setTikTokTokenLifetime(Duration.ofSeconds(8));
    market.sandbox.setTikTokAuthorizingShops("7002");
    HttpResponse<String> done = authorize(connectLink("tiktok"));
    assertEquals(200, done.statusCode(), done.body());
    JsonNode connected = JSON.readTree(done.body()).at("/shops/0");
    assertEquals("7002", connected.get("shopId").asText(), done.body());
    assertEquals("cipher-7002", connected.get("shopCipher").asText(), "the cipher from the authorised shops");

    market.sandbox.addTikTokOrder("7002", "TT-ONB-1", "AWAITING_SHIPMENT",
        List.of(new Sandbox.TikTokItem("P-ONB", "S-ONB", "SKU-ONB", 1, new BigDecimal("10"))));
    assertEquals(200, await(market.sandbox.sendTikTokOrderStatus(market.url("/webhooks/tiktok"), "7002",
        "TT-ONB-1", "AWAITING_SHIPMENT", Sandbox.Redelivery.ONCE)).status());
    awaitOrder("tiktok", "7002", "TT-ONB-1", "CONFIRMED");

    Await.await("two refreshes of 7002 ahead of expiry", Duration.ofSeconds(30),
        () -> market.sandbox.tiktokRefreshCount("7002") >= 2);
    long refused = market.sandbox.calls(Channel.TIKTOK, "/").stream()
        .filter(c -> "cipher-7002".equals(c.query().get("shop_cipher")) && "105002".equals(c.outcome())).count();
    assertEquals(0, refused, "no call of 7002 was refused as expired: refreshed ahead");
    JsonNode shop = shop("tiktok", "7002");
    assertEquals("ok", shop.at("/connection/lastRefreshOutcome").asText(), shop.toString());
    market.sandbox.setTikTokTokenLifetime(Duration.ofDays(7));
  }

  @Test
  void theRedirectRefusesStatesItDidNotIssueUsedOrOlderThanTenMinutesAndRecordsNothing() throws Exception {
    market.sandbox.setTikTokAuthorizingShops("7003");
    String link = connectLink("tiktok");
    HttpResponse<String> platform = Http.sendAsIs(HttpRequest.newBuilder(URI.create(link)).GET().build());
    assertEquals(302, platform.statusCode(), platform.body());
    String redirect = platform.headers().firstValue("Location").orElseThrow();
    String code = query(redirect, "code");

    HttpResponse<String> forged = Http.get(market.url("/shops/tiktok/authorized?code=" + code + "&state=not-ours"));
    assertEquals(400, forged.statusCode());
    assertEquals("unknown_state", JSON.readTree(forged.body()).get("error").asText(), forged.body());
    HttpResponse<String> none = Http.get(market.url("/shops/tiktok/authorized?code=" + code));
    assertEquals(400, none.statusCode());
    assertTrue(shopRow("tiktok", "7003") == null, "nothing recorded for a forged redirect");

    // An issued state, 11 minutes old
    String old = query(connectLink("tiktok"), "state");
    try (Connection c = TestDatabase.connect();
         PreparedStatement p = c.prepareStatement("UPDATE connect_states SET created_at = ? WHERE state = ?")) {
      p.setLong(1, Instant.now().minus(Duration.ofMinutes(11)).toEpochMilli());
      p.setString(2, old);
      assertEquals(1, p.executeUpdate());
    }
    HttpResponse<String> expired = Http.get(market.url("/shops/tiktok/authorized?code=" + code + "&state=" + old));
    assertEquals(400, expired.statusCode());
    assertEquals("expired_state", JSON.readTree(expired.body()).get("error").asText());
    assertTrue(shopRow("tiktok", "7003") == null, "nothing recorded with an expired state");

    HttpResponse<String> first = Http.get(redirect);
    assertEquals(200, first.statusCode(), first.body());
    HttpResponse<String> reload = Http.get(redirect);
    assertEquals(400, reload.statusCode(), "a reload of the redirect is refused");
    assertEquals("reused_state", JSON.readTree(reload.body()).get("error").asText());
    assertEquals("connected", shop("tiktok", "7003").at("/connection/state").asText());

    // A viewer may not start a connection
    HttpResponse<String> viewer = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/shops/tiktok/connect")))
        .header("Authorization", "Bearer " + support.TestConfig.VIEWER_TOKEN).POST(HttpRequest.BodyPublishers.noBody())
        .build());
    assertEquals(403, viewer.statusCode());
    HttpResponse<String> unknown = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/shops/phone/connect")))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(404, unknown.statusCode(), unknown.body());
  }

  @Test
  void aDeauthorisedShopStopsCallingAndOrdersHeldMeanwhileAreProcessedAfterItIsConnectedAgain() throws Exception {
    market.sandbox.setShopeeAuthorizingShop("1001");
    assertEquals(200, authorize(connectLink("shopee")).statusCode());
    market.sandbox.addShopeeOrder("1001", "SN-DEAUTH-0", "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(410, 411, "ITEM-410", "SKU-ONB", 1, new BigDecimal("1000"))));
    await(market.sandbox.sendShopeeOrderStatus(market.url("/webhooks/shopee"), "1001", "SN-DEAUTH-0",
        "READY_TO_SHIP", Sandbox.Redelivery.ONCE));
    awaitOrder("shopee", "1001", "SN-DEAUTH-0", "CONFIRMED");

    // The seller removes the app: push code 2 to the node
    assertEquals(200, await(market.sandbox.deauthorizeShopee("1001", market.url("/webhooks/shopee"))).status());
    JsonNode shop = shop("shopee", "1001");
    assertEquals("deauthorised", shop.at("/connection/state").asText(), shop.toString());
    assertEquals("user cancel shop authorization", shop.at("/connection/reason").asText());

    // An order arrives meanwhile: recorded (200), held, and no call goes to Shopee for the shop
    Thread.sleep(1_500); // the node's copy of the shop list catches up (directory-refresh 2 s)
    int before = shopCalls("1001");
    market.sandbox.addShopeeOrder("1001", "SN-DEAUTH-1", "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(410, 411, "ITEM-410", "SKU-ONB", 1, new BigDecimal("1000"))));
    assertEquals(200, await(market.sandbox.sendShopeeOrderStatus(market.url("/webhooks/shopee"), "1001",
        "SN-DEAUTH-1", "READY_TO_SHIP", Sandbox.Redelivery.ONCE)).status());
    Thread.sleep(3_000);
    assertEquals(before, shopCalls("1001"), "no call for a de-authorised shop");
    assertFalse("CONFIRMED".equals(order("shopee", "1001", "SN-DEAUTH-1").get("phase").asText()),
        "the order waits for its details");

    // Connected again through onboarding: the held order is fetched and confirmed
    assertEquals(200, authorize(connectLink("shopee")).statusCode());
    awaitOrder("shopee", "1001", "SN-DEAUTH-1", "CONFIRMED");
    assertEquals("connected", shop("shopee", "1001").at("/connection/state").asText());
    assertEquals(0, market.sandbox.shopeeRefreshTokenReuses());

    // Push 12: expiring soon shown
    await(market.sandbox.sendShopeeAuthExpiry(market.url("/webhooks/shopee"), List.of("1001"),
        Instant.now().plus(Duration.ofDays(5))));
    assertEquals("expiring_soon", shop("shopee", "1001").at("/connection/state").asText());
  }

  // -------------------------------------------------------------------------------------------------- helpers

  private static String connectLink(String channel) throws Exception {
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/shops/" + channel
        + "/connect"))).POST(HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(200, r.statusCode(), r.body());
    JsonNode link = JSON.readTree(r.body());
    assertTrue(Instant.parse(link.get("expiresAt").asText()).isAfter(Instant.now().plus(Duration.ofMinutes(9))));
    return link.get("authorizationUrl").asText();
  }

  /** The seller's browser: opens the platform's page, follows its redirect back to the node. */
  private static HttpResponse<String> authorize(String link) {
    HttpResponse<String> platform = Http.sendAsIs(HttpRequest.newBuilder(URI.create(link)).GET().build());
    assertEquals(302, platform.statusCode(), platform.body());
    return Http.get(platform.headers().firstValue("Location").orElseThrow());
  }

  private static String query(String url, String name) {
    for (String pair : URI.create(url).getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      if (kv[0].equals(name)) return java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
    }
    throw new AssertionError(name + " not in " + url);
  }

  private static int shopCalls(String shopId) {
    return (int) market.sandbox.calls(Channel.SHOPEE, "/api/v2/").stream()
        .filter(c -> shopId.equals(c.query().get("shop_id"))).count();
  }

  private static JsonNode shop(String channel, String shopId) throws Exception {
    for (JsonNode s : JSON.readTree(Http.get(market.url("/admin/shops")).body())) {
      if (s.get("channel").asText().equals(channel) && s.get("shopId").asText().equals(shopId)) return s;
    }
    throw new AssertionError("no " + channel + " " + shopId + " in /admin/shops");
  }

  private static String shopRow(String channel, String shopId) throws Exception {
    try (Connection c = TestDatabase.connect(); PreparedStatement p = c.prepareStatement(
        "SELECT state FROM shop_connections WHERE channel = ? AND shop_id = ?")) {
      p.setString(1, channel);
      p.setString(2, shopId);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static boolean journalContains(String persistenceId, String text) throws Exception {
    try (Connection c = TestDatabase.connect(); PreparedStatement p = c.prepareStatement(
        "SELECT event_payload FROM event_journal WHERE persistence_id = ?")) {
      p.setString(1, persistenceId);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          if (new String(rs.getBytes(1), StandardCharsets.ISO_8859_1).contains(text)) return true;
        }
      }
    }
    return false;
  }

  private static int journalRows(String persistenceId) throws Exception {
    try (Connection c = TestDatabase.connect(); PreparedStatement p = c.prepareStatement(
        "SELECT count(*) FROM event_journal WHERE persistence_id = ?")) {
      p.setString(1, persistenceId);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static void setStock(String sku, int onHand) {
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/" + sku + "/stock")))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":" + onHand + "}")).build());
    assertEquals(200, r.statusCode(), r.body());
  }

  private static JsonNode order(String channel, String shop, String orderId) throws Exception {
    HttpResponse<String> r = Http.get(market.url("/admin/orders/" + channel + "/" + shop + "/" + orderId));
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private static void awaitOrder(String channel, String shop, String orderId, String phase) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    JsonNode last = null;
    while (System.currentTimeMillis() < deadline) {
      HttpResponse<String> r = Http.get(market.url("/admin/orders/" + channel + "/" + shop + "/" + orderId));
      if (r.statusCode() == 200) {
        last = JSON.readTree(r.body());
        if (phase.equals(last.get("phase").asText())) return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("order " + orderId + " not " + phase + ": " + last);
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
