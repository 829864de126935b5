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
        new TikTokClient.SkuQuantity("S1", 7), new TikTokClient.SkuQuantity("S2", 3))));
    assertFalse(result.complete());
    assertEquals(1, result.errors().size());
    assertEquals("S2", result.errors().get(0).skuId());
    assertEquals("sku is frozen", result.errors().get(0).message());
    assertEquals(7, fx.sandbox.tiktokStock("S1"));
    assertNull(fx.sandbox.tiktokStock("S2"));
  }

  @Test
  void aWrongAppSecretIsRejectedWith106001AndNotRetried() {
    var wrong = fx.config.mapShops(s -> s, t -> new MarketplaceConfig.TikTokShop(t.shopId(), t.appKey(), "wrong",
        t.shopCipher(), t.accessToken(), t.baseUrl(), t.rateLimit()), w -> w);
    MarketCallException e = failure(new TikTokClient(fx.testKit.system(), wrong).getOrderDetails(SHOP, List.of("T")),
        MarketCallException.class);
    assertEquals("106001", e.code());
    assertEquals(1, e.attempts());
  }

  @Test
  void cancelAndSearch() {
    addOrder("T3", "AWAITING_SHIPMENT");
    addOrder("T4", "UNPAID");
    assertEquals("cancel-T3", await(client.cancelOrder(SHOP, "T3")));
    var page = await(client.searchOrders(SHOP, Instant.now().minusSeconds(3600), Instant.now().plusSeconds(60), null));
    assertEquals(List.of("T3", "T4"), page.orders().stream().map(OrderDetails::orderId).toList());
    assertEquals(MarketStatus.CANCELLED, page.orders().get(0).marketStatus());
    assertNull(page.nextPageToken());
  }

  @Test
  void a5xxStormExhaustsBoundedAttempts() {
    fx.sandbox.injectHttpStatus(Channel.TIKTOK, "/orders", 500, 100);
    MarketCallException e = failure(client.getOrderDetails(SHOP, List.of("T5")), MarketCallException.class);
    assertEquals("http_500", e.code());
    assertEquals(5, e.attempts());
    assertEquals(5, fx.sandbox.calls(Channel.TIKTOK, "/orders").size());
  }
}
