package marketplace.tiktok;

import static org.junit.jupiter.api.Assertions.*;
import static support.SandboxFixture.await;
import static support.SandboxFixture.failure;

import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import marketplace.MarketCallException;
import marketplace.MarketplaceConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import support.SandboxFixture;
import tools.sandbox.Sandbox;

class TikTokClientTest {
  static final SandboxFixture fx = new SandboxFixture();
  static final String SHOP = "7001";
  TikTokClient client;

  @BeforeEach
  void fresh() {
    fx.sandbox.reset();
    client = new TikTokClient(fx.testKit.system(), fx.config);
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  private void addOrder(String id, String status) {
    fx.sandbox.addTikTokOrder(SHOP, id, status, List.of(
        new Sandbox.TikTokItem("P1", "S1", "CAP-BLK", 3, new BigDecimal("10.00")),
        new Sandbox.TikTokItem("P2", "S2", "PIN", 1, new BigDecimal("2.50"))));
  }

  @Test
  void orderDetailsGroupUnitsIntoQuantities() {
    addOrder("T1", "AWAITING_SHIPMENT");
    OrderDetails o = await(client.getOrderDetails(SHOP, List.of("T1"))).get(0);
    assertEquals(MarketStatus.PAID, o.marketStatus());
    assertEquals(List.of(new OrderDetails.Line("CAP-BLK", 3, new BigDecimal("10.00"), "Product P1", "P1:S1"),
        new OrderDetails.Line("PIN", 1, new BigDecimal("2.50"), "Product P2", "P2:S2")), o.lines());
    assertEquals("ok", fx.sandbox.calls(Channel.TIKTOK, "/order/202309/orders").get(0).outcome());
  }

  @Test
  void rateLimitCodeAnd429AreRetriedUntilSuccess() {
    addOrder("T2", "UNPAID");
    fx.sandbox.injectPlatformError(Channel.TIKTOK, "/orders", "36009002", 2);
    fx.sandbox.injectHttpStatus(Channel.TIKTOK, "/orders", 429, 1);
    assertEquals(1, await(client.getOrderDetails(SHOP, List.of("T2"))).size());
    var outcome = client.outcomes().get(Channel.TIKTOK, SHOP, "order_detail");
    assertEquals(4, outcome.attempts());
    assertEquals(3, outcome.retries());
    assertEquals(4, fx.sandbox.calls(Channel.TIKTOK, "/orders").size());
  }

  @Test
  void inventoryPartialFailureIsReadFromErrorsDespiteCodeZero() {
    fx.sandbox.failTikTokSku("S2", "sku is frozen");
    var result = await(client.updateInventory(SHOP, "P9", List.of(
        new TikTokInventory.SkuInventory("S1", List.of(new TikTokInventory.WarehouseQuantity(null, 7))),
        new TikTokInventory.SkuInventory("S2", List.of(new TikTokInventory.WarehouseQuantity(null, 3))))));
    assertFalse(result.complete());
    assertEquals(1, result.errors().size());
    assertEquals("S2", result.errors().get(0).skuId());
    assertEquals("sku is frozen", result.errors().get(0).message());
    assertEquals(7, fx.sandbox.tiktokStock("S1"));
    assertNull(fx.sandbox.tiktokStock("S2"));
  }

  @Test
  void aWrongAppSecretIsRejectedWith106001AndNotRetried() {
    var wrong = fx.config.mapShops(s -> s, t -> t.withSecrets("wrong", t.accessToken(), t.refreshToken()), w -> w);
    MarketCallException e = failure(new TikTokClient(fx.testKit.system(), wrong).getOrderDetails(SHOP, List.of("T")),
        MarketCallException.class);
    assertEquals("106001", e.code());
    assertEquals(1, e.attempts());
    assertEquals(marketplace.FailureClass.PERMANENT_CONFIG, e.failureClass());
  }

  @Test
  void cancelAndSearch() {
    addOrder("T3", "AWAITING_SHIPMENT");
    addOrder("T4", "UNPAID");
    assertEquals("cancel-T3", await(client.cancelOrder(SHOP, "T3")).cancelId());
    var page = await(client.searchOrders(SHOP, Instant.now().minusSeconds(3600), Instant.now().plusSeconds(60), null));
    assertEquals(List.of("T3", "T4"), page.orders().stream().map(OrderDetails::orderId).toList());
    assertEquals(MarketStatus.CANCELLED, page.orders().get(0).marketStatus());
    assertNull(page.nextPageToken());
  }

  @Test
  void a5xxStormExhaustsBoundedAttempts() {
    fx.sandbox.injectHttpStatus(Channel.TIKTOK, "/orders", 500, 100);
    MarketCallException e = failure(client.getOrderDetails(SHOP, List.of("T5")), MarketCallException.class);
    assertEquals("36009003", e.code(), "the code in TikTok's envelope of the 500");
    assertEquals(5, e.attempts());
    assertEquals(5, fx.sandbox.calls(Channel.TIKTOK, "/orders").size());
  }

  // ------------------------------------------------------------------ cancel by order status

  private String cancelReasonSent(int index) {
    String body = fx.sandbox.calls(Channel.TIKTOK, "/return_refund/202309/cancellations").get(index).body();
    return body.replaceAll(".*\"cancel_reason\":\"([^\"]+)\".*", "$1");
  }

  @Test
  void cancelSendsTheReasonThatMatchesTheOrderStatus() {
    addOrder("TC-UNPAID", "UNPAID");
    addOrder("TC-PAID", "AWAITING_SHIPMENT");
    addOrder("TC-HOLD", "ON_HOLD");
    assertFalse(await(client.cancelOrder(SHOP, "TC-UNPAID")).alreadyCancelled());
    await(client.cancelOrder(SHOP, "TC-PAID"));
    await(client.cancelOrder(SHOP, "TC-HOLD"));
    assertEquals("seller_cancel_unpaid_reason_out_of_stock", cancelReasonSent(0));
    assertEquals("seller_cancel_reason_out_of_stock", cancelReasonSent(1));
    assertEquals("seller_cancel_reason_out_of_stock", cancelReasonSent(2));
    assertTrue(fx.sandbox.calls(Channel.TIKTOK, "/cancellations").stream().allMatch(c -> c.outcome().equals("ok")));
  }

  @Test
  void reasonMismatchRereadsTheStatusAndRetriesOnce() {
    addOrder("TC-RACE", "UNPAID");
    fx.sandbox.injectPlatformError(Channel.TIKTOK, "/cancellations", "25001021", 1);
    assertEquals("cancel-TC-RACE", await(client.cancelOrder(SHOP, "TC-RACE")).cancelId());
    assertEquals(2, fx.sandbox.calls(Channel.TIKTOK, "/cancellations").size());
    assertEquals(2, fx.sandbox.calls(Channel.TIKTOK, "/order/202309/orders").size(), "status read again");
    // a second mismatch is surfaced, never a loop
    addOrder("TC-RACE2", "UNPAID");
    fx.sandbox.injectPlatformError(Channel.TIKTOK, "/cancellations", "25001021", 2);
    MarketCallException e = failure(client.cancelOrder(SHOP, "TC-RACE2"), MarketCallException.class);
    assertEquals("25001021", e.code());
    assertEquals(4, fx.sandbox.calls(Channel.TIKTOK, "/cancellations").size());
  }

  @Test
  void alreadyCancelledIsDoneAndShippedIsSurfacedWithoutRetry() {
    addOrder("TC-TWICE", "AWAITING_SHIPMENT");
    fx.sandbox.injectPlatformError(Channel.TIKTOK, "/cancellations", "25001011", 1);
    assertTrue(await(client.cancelOrder(SHOP, "TC-TWICE")).alreadyCancelled());
    addOrder("TC-SHIPPED", "IN_TRANSIT");
    MarketCallException e = failure(client.cancelOrder(SHOP, "TC-SHIPPED"), MarketCallException.class);
    assertEquals("25001045", e.code());
    assertEquals(1, e.attempts());
    assertFalse(e.retryable());
  }

  // ------------------------------------------------------------------ token refresh

  @Test
  void expiredTokenIsRefreshedOnceForConcurrentCallers() {
    addOrder("TR-1", "AWAITING_SHIPMENT");
    String before = client.accessToken(SHOP);
    fx.sandbox.expireTikTokAccessToken(SHOP);
    var calls = new java.util.ArrayList<java.util.concurrent.CompletionStage<List<OrderDetails>>>();
    for (int i = 0; i < 6; i++) calls.add(client.getOrderDetails(SHOP, List.of("TR-1")));
    for (var c : calls) assertEquals(1, await(c).size());
    assertEquals(1, fx.sandbox.calls(Channel.TIKTOK, "/auth/api/v2/token/refresh").size());
    assertNotEquals(before, client.accessToken(SHOP));
  }

  @Test
  void aRefusedRefreshPausesTheShop() {
    var bad = fx.config.mapShops(s -> s, t -> t.withSecrets(t.appSecret(), t.accessToken(), "spent"), w -> w);
    fx.sandbox.expireTikTokAccessToken(SHOP);
    MarketCallException e = failure(new TikTokClient(fx.testKit.system(), bad).getOrderDetails(SHOP, List.of("X")),
        MarketCallException.class);
    assertEquals(marketplace.FailureClass.PAUSE_SHOP, e.failureClass());
  }

  @Test
  void missingShopCipherIs106013PermanentConfig() {
    var noCipher = fx.config.mapShops(s -> s, t -> new MarketplaceConfig.TikTokShop(t.shopId(), t.appKey(),
        t.appSecret(), "", t.accessToken(), t.refreshToken(), t.baseUrl(), t.authBaseUrl(), t.region(),
        t.rateLimit()), w -> w);
    MarketCallException e = failure(new TikTokClient(fx.testKit.system(), noCipher).getOrderDetails(SHOP,
        List.of("X")), MarketCallException.class);
    assertEquals("106013", e.code());
    assertEquals(marketplace.FailureClass.PERMANENT_CONFIG, e.failureClass());
  }
}
