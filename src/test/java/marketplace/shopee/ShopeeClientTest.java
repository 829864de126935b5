package marketplace.shopee;

import static org.junit.jupiter.api.Assertions.*;
import static support.SandboxFixture.await;
import static support.SandboxFixture.failure;

import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import marketplace.MarketCallException;
import marketplace.MarketplaceConfig;
import marketplace.WebhookEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import support.SandboxFixture;
import tools.sandbox.Sandbox;

class ShopeeClientTest {
  static final SandboxFixture fx = new SandboxFixture();
  static final String SHOP = "1001";
  static final String DETAIL = "get_order_detail";
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

  private void addOrder(String sn) {
    fx.sandbox.addShopeeOrder(SHOP, sn, "READY_TO_SHIP", List.of(
        new Sandbox.ShopeeItem(10, 101, "SHIRT", "SHIRT-RED", 2, new BigDecimal("15.00")),
        new Sandbox.ShopeeItem(20, 0, "MUG", "", 1, new BigDecimal("5.00"))));
  }

  @Test
  void orderDetailsAreFetchedSignedAndParsed() {
    addOrder("SN1");
    List<OrderDetails> orders = await(client.getOrderDetails(SHOP, List.of("SN1")));
    assertEquals(1, orders.size());
    OrderDetails o = orders.get(0);
    assertEquals(MarketStatus.PAID, o.marketStatus());
    assertEquals(List.of("SHIRT-RED", "MUG"), o.lines().stream().map(OrderDetails.Line::sellerSku).toList());
    assertEquals(2, o.lines().get(0).quantity());
    var calls = fx.sandbox.calls(Channel.SHOPEE, DETAIL);
    assertEquals(1, calls.size());
    assertEquals("ok", calls.get(0).outcome());
    var outcome = client.outcomes().get(Channel.SHOPEE, SHOP, "order_detail");
    assertEquals(1, outcome.successes());
    assertEquals(1, outcome.attempts());
    assertNotNull(outcome.lastSuccessAt());
  }

  @Test
  void a429StormEndsInSuccessWithBoundedVisibleRetries() {
    addOrder("SN2");
    fx.sandbox.injectHttpStatus(Channel.SHOPEE, DETAIL, 429, 3);
    assertEquals("SN2", await(client.getOrderDetails(SHOP, List.of("SN2"))).get(0).orderId());
    var outcome = client.outcomes().get(Channel.SHOPEE, SHOP, "order_detail");
    assertEquals(4, outcome.attempts());
    assertEquals(3, outcome.retries());
    assertEquals(4, outcome.lastAttempts());
    assertEquals(1, outcome.successes());
    assertEquals(4, fx.sandbox.calls(Channel.SHOPEE, DETAIL).size());
  }

  @Test
  void platformTooManyRequestsIsRetried() {
    addOrder("SN3");
    fx.sandbox.injectPlatformError(Channel.SHOPEE, DETAIL, "error_server", 2);
    assertEquals(1, await(client.getOrderDetails(SHOP, List.of("SN3"))).size());
    assertEquals(3, client.outcomes().get(Channel.SHOPEE, SHOP, "order_detail").attempts());
  }

  @Test
  void persistent5xxFailsAfterMaxAttempts() {
    fx.sandbox.injectHttpStatus(Channel.SHOPEE, DETAIL, 503, 100);
    MarketCallException e = failure(client.getOrderDetails(SHOP, List.of("SN4")), MarketCallException.class);
    assertEquals("http_503", e.code());
    assertEquals(5, e.attempts());
    assertTrue(e.retryable());
    assertEquals(5, fx.sandbox.calls(Channel.SHOPEE, DETAIL).size());
    var outcome = client.outcomes().get(Channel.SHOPEE, SHOP, "order_detail");
    assertEquals(1, outcome.failures());
    assertTrue(outcome.lastError().startsWith("http_503"));
  }

  @Test
  void aTimedOutAttemptIsRetried() {
    addOrder("SN5");
    fx.sandbox.injectTimeout(Channel.SHOPEE, DETAIL, 1);
    long start = System.nanoTime();
    assertEquals(1, await(client.getOrderDetails(SHOP, List.of("SN5"))).size());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 1500, "waited for the request timeout");
    assertEquals(2, client.outcomes().get(Channel.SHOPEE, SHOP, "order_detail").attempts());
  }

  @Test
  void businessErrorsAreNotRetried() {
    MarketCallException e = failure(client.cancelOrder(SHOP, "NOPE", List.of()), MarketCallException.class);
    assertEquals("error_not_found", e.code());
    assertEquals(1, e.attempts());
    assertFalse(e.retryable());
  }

  @Test
  void aCallTheHalfOpenBreakerTurnsAwayIsNeitherAttemptNorResponse() throws Exception {
    var settings = fx.config.client().withRetry(1, Duration.ofMillis(10), Duration.ofMillis(10))
        .withBreaker(1, Duration.ofMillis(300));
    ShopeeClient guarded = new ShopeeClient(fx.testKit.system(), fx.config.withClient(settings));
    addOrder("SN11");
    fx.sandbox.injectHttpStatus(Channel.SHOPEE, DETAIL, 500, 1);
    failure(guarded.getOrderDetails(SHOP, List.of("SN11")), MarketCallException.class);
    for (int i = 0; i < 200 && !guarded.breakerState(SHOP).equals("half-open"); i++) Thread.sleep(5);
    assertEquals("half-open", guarded.breakerState(SHOP));
    fx.sandbox.injectDelay(Channel.SHOPEE, DETAIL, Duration.ofMillis(800), 1);
    var trial = guarded.getOrderDetails(SHOP, List.of("SN11"));
    Thread.sleep(200); // the trial call is out
    assertEquals("circuit_open",
        failure(guarded.getOrderDetails(SHOP, List.of("SN11")), MarketCallException.class).code());
    assertEquals(1, await(trial).size());
    var outcome = guarded.outcomes().get(Channel.SHOPEE, SHOP, "order_detail");
    assertEquals(2, fx.sandbox.calls(Channel.SHOPEE, DETAIL).size());
    assertEquals(2, outcome.attempts(), "the turned-away call was never sent");
    assertEquals(java.util.Map.of("500", 1L, "200", 1L), outcome.responses());
  }

  @Test
  void circuitBreakerOpensAfterRepeatedFailuresAndClosesLater() throws Exception {
    var settings = fx.config.client().withRetry(1, Duration.ofMillis(10), Duration.ofMillis(10))
        .withBreaker(3, Duration.ofMillis(800));
    ShopeeClient guarded = new ShopeeClient(fx.testKit.system(), fx.config.withClient(settings));
    addOrder("SN6");
    fx.sandbox.injectHttpStatus(Channel.SHOPEE, DETAIL, 500, 3);
    for (int i = 0; i < 3; i++) {
      assertEquals("http_500", failure(guarded.getOrderDetails(SHOP, List.of("SN6")), MarketCallException.class).code());
    }
    // The breaker counts a failure in its own completion callback: allow it a moment.
    for (int i = 0; i < 50 && !guarded.breakerState(SHOP).equals("open"); i++) Thread.sleep(5);
    assertEquals("open", guarded.breakerState(SHOP));
    MarketCallException open = failure(guarded.getOrderDetails(SHOP, List.of("SN6")), MarketCallException.class);
    assertEquals("circuit_open", open.code());
    assertEquals(0, open.attempts());
    assertEquals(3, fx.sandbox.calls(Channel.SHOPEE, DETAIL).size(), "an open breaker sends nothing");
    Thread.sleep(1000);
    assertEquals(1, await(guarded.getOrderDetails(SHOP, List.of("SN6"))).size());
    for (int i = 0; i < 50 && !guarded.breakerState(SHOP).equals("closed"); i++) Thread.sleep(5);
    assertEquals("closed", guarded.breakerState(SHOP));
  }

  @Test
  void partialStockUpdateFailuresAreReportedPerModel() {
    fx.sandbox.failShopeeStock(30, 302, "model is locked");
    var result = await(client.updateStock(SHOP, 30, List.of(
        new ShopeeClient.ModelStock(301, 10), new ShopeeClient.ModelStock(302, 4), new ShopeeClient.ModelStock(303, 0))));
    assertFalse(result.complete());
    assertEquals(List.of(new ShopeeClient.ModelFailure(302, "model is locked")), result.failed());
    assertEquals(List.of(301L, 303L), result.succeeded().stream().map(ShopeeClient.ModelStock::modelId).toList());
    assertEquals(10, fx.sandbox.shopeeStock(30, 301));
    assertEquals(0, fx.sandbox.shopeeStock(30, 303));
    assertNull(fx.sandbox.shopeeStock(30, 302));
  }

  @Test
  void moreThanFiftyModelsAreSentInBatches() {
    List<ShopeeClient.ModelStock> stocks = new ArrayList<>();
    for (int m = 1; m <= 60; m++) stocks.add(new ShopeeClient.ModelStock(m, m));
    var result = await(client.updateStock(SHOP, 40, stocks));
    assertTrue(result.complete());
    assertEquals(60, result.succeeded().size());
    assertEquals(2, fx.sandbox.calls(Channel.SHOPEE, "update_stock").size());
    assertEquals(60, fx.sandbox.shopeeStock(40, 60));
  }

  @Test
  void aRevokedTokenErrorAuthRefreshesTheTokenAndRetriesOnce() {
    addOrder("SN7");
    String before = client.tokens(SHOP).accessToken();
    fx.sandbox.revokeShopeeAccessToken(SHOP);
    assertEquals(1, await(client.getOrderDetails(SHOP, List.of("SN7"))).size());
    assertNotEquals(before, client.tokens(SHOP).accessToken());
    assertEquals(fx.sandbox.shopeeAccessToken(SHOP), client.tokens(SHOP).accessToken());
    assertEquals(1, fx.sandbox.calls(Channel.SHOPEE, "access_token/get").size());
    var detailCalls = fx.sandbox.calls(Channel.SHOPEE, DETAIL);
    assertEquals(List.of("error_auth", "ok"), detailCalls.stream().map(Sandbox.Call::outcome).toList());
  }

  @Test
  void tokenIsRefreshedBeforeItExpires() throws Exception {
    addOrder("SN8");
    // shorter than the 10-minute margin: refreshed three quarters into its life (1.5 s), before Shopee refuses it
    fx.sandbox.setShopeeTokenLifetime(Duration.ofSeconds(2));
    await(client.refreshAccessToken(SHOP));
    assertNotNull(client.tokens(SHOP).expiresAt());
    Thread.sleep(1600);
    await(client.getOrderDetails(SHOP, List.of("SN8")));
    assertEquals(2, fx.sandbox.calls(Channel.SHOPEE, "access_token/get").size());
    assertEquals(List.of("ok"), fx.sandbox.calls(Channel.SHOPEE, "get_order_detail").stream()
        .map(Sandbox.Call::outcome).toList(), "refreshed before the token expired, not after Shopee refused it");
    fx.sandbox.setShopeeTokenLifetime(Duration.ofHours(4));
    await(client.refreshAccessToken(SHOP));
    await(client.getOrderDetails(SHOP, List.of("SN8")));
    assertEquals(3, fx.sandbox.calls(Channel.SHOPEE, "access_token/get").size(), "a fresh token is not refreshed");
  }

  @Test
  void lostPushPollReturnsAMissedPushAndConfirmClearsIt() {
    var data = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("ordersn", "LOST1").put("status", "UNPAID")
        .put("update_time", Instant.now().getEpochSecond());
    fx.sandbox.addShopeeLostPush(SHOP, 3, data);
    var page = await(client.getLostPushMessages(SHOP));
    assertEquals(1, page.events().size());
    var event = assertInstanceOf(WebhookEvent.ShopeeOrderStatus.class, page.events().get(0));
    assertEquals("LOST1", event.orderSn());
    assertEquals(SHOP, event.shopId());
    await(client.confirmLostPushConsumed(SHOP, page.lastMessageId()));
    assertEquals(0, fx.sandbox.shopeeLostPushCount());
    assertTrue(await(client.getLostPushMessages(SHOP)).events().isEmpty());
  }

  @Test
  void cancelAndOrderList() {
    addOrder("SN9");
    addOrder("SN10");
    await(client.cancelOrder(SHOP, "SN9", List.of(new ShopeeClient.ItemModel(10, 101))));
    assertEquals(MarketStatus.CANCELLED, await(client.getOrderDetails(SHOP, List.of("SN9"))).get(0).marketStatus());
    var page = await(client.getOrderList(SHOP, Instant.now().minusSeconds(3600), Instant.now().plusSeconds(60), null));
    assertEquals(List.of("SN10", "SN9"), page.orderSns());
    assertFalse(page.more());
  }

  @Test
  void aWrongPartnerKeyIsRejectedWithErrorSignAndNotRetried() {
    var wrong = fx.config.mapShops(s -> new MarketplaceConfig.ShopeeShop(s.shopId(), s.partnerId(), "wrong-key",
        s.pushKey(), s.accessToken(), s.refreshToken(), s.baseUrl(), s.callbackUrl(), s.rateLimit()), t -> t, w -> w);
    MarketCallException e = failure(new ShopeeClient(fx.testKit.system(), wrong).getOrderDetails(SHOP, List.of("X")),
        MarketCallException.class);
    assertEquals("error_sign", e.code());
    assertEquals(1, e.attempts());
    assertFalse(wrong.toString().contains("wrong-key"), "config toString redacts secrets");
  }

  @Test
  void unknownShopFailsClearly() {
    var e = failure(client.getOrderDetails("999", List.of("X")), IllegalArgumentException.class);
    assertTrue(e.getMessage().contains("999"));
  }
}
