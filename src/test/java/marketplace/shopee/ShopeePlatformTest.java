package marketplace.shopee;

import static org.junit.jupiter.api.Assertions.*;
import static support.SandboxFixture.await;
import static support.SandboxFixture.failure;

import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import marketplace.FailureClass;
import marketplace.MarketCallException;
import marketplace.ShopApi;
import marketplace.WebhookEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sku.Listing;
import support.SandboxFixture;
import tools.sandbox.Sandbox;

/** The Shopee client against the sandbox's rendering of the real platform (docs/MARKETPLACES.md). */
class ShopeePlatformTest {
  static final SandboxFixture fx = new SandboxFixture();
  static final String SHOP = "1001";
  static final String DETAIL = "get_order_detail";
  ShopeeClient client;
  ShopeeShopApi api;

  @BeforeEach
  void fresh() {
    fx.sandbox.reset();
    client = new ShopeeClient(fx.testKit.system(), fx.config);
    api = new ShopeeShopApi(client, fx.config, SHOP);
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  private void addOrder(String sn) {
    fx.sandbox.addShopeeOrder(SHOP, sn, "READY_TO_SHIP", List.of(
        new Sandbox.ShopeeItem(10, 101, "SHIRT", "SHIRT-RED", 1, new BigDecimal("15.00"))));
  }

  private List<String> outcomes(String path) {
    return fx.sandbox.calls(Channel.SHOPEE, path).stream().map(Sandbox.Call::outcome).toList();
  }

  // ---------------------------------------------------------------------------------------- 1. token expiry

  @Test
  void anAccessTokenExpiredByTimeIsRefreshedOnceAndTheCallRetried() throws Exception {
    addOrder("T1");
    fx.sandbox.setShopeeTokenLifetime(Duration.ofSeconds(1));
    Thread.sleep(1200);
    assertEquals(1, await(client.getOrderDetails(SHOP, List.of("T1"))).size());
    assertEquals(List.of("invalid_acceess_token", "ok"), outcomes(DETAIL));
    assertEquals(1, fx.sandbox.calls(Channel.SHOPEE, "access_token/get").size());
    assertEquals(0, fx.sandbox.shopeeRefreshTokenReuses());
  }

  /** The configured margin (10 min) exceeds a 20 s token's life: refresh three quarters in, not before every call. */
  @Test
  void aTokenShorterThanTheRefreshMarginIsNotRefreshedBeforeEveryCall() {
    addOrder("T0");
    fx.sandbox.setShopeeTokenLifetime(Duration.ofSeconds(20));
    await(client.refreshAccessToken(SHOP));
    for (int i = 0; i < 10; i++) assertEquals(1, await(client.getOrderDetails(SHOP, List.of("T0"))).size());
    assertEquals(1, fx.sandbox.calls(Channel.SHOPEE, "access_token/get").size(), "only the first refresh");
    assertTrue(outcomes(DETAIL).stream().allMatch("ok"::equals), outcomes(DETAIL).toString());
  }

  @Test
  void aSecondTokenErrorAfterAGoodRefreshIsPermanentConfigNotALoop() {
    addOrder("T2");
    fx.sandbox.injectPlatformError(Channel.SHOPEE, DETAIL, "invalid_access_token", 2);
    MarketCallException e = failure(client.getOrderDetails(SHOP, List.of("T2")), MarketCallException.class);
    assertEquals(FailureClass.PERMANENT_CONFIG, e.failureClass());
    assertEquals(2, fx.sandbox.calls(Channel.SHOPEE, DETAIL).size());
    assertEquals(1, fx.sandbox.calls(Channel.SHOPEE, "access_token/get").size());
  }

  @Test
  void aSpentRefreshTokenPausesTheShopAndIsCounted() {
    String spent = fx.config.shopeeShop(SHOP).orElseThrow().refreshToken();
    await(client.refreshAccessToken(SHOP));
    ShopeeClient stale = new ShopeeClient(fx.testKit.system(), fx.config); // still holds the spent refresh token
    MarketCallException e = failure(stale.refreshAccessToken(SHOP), MarketCallException.class);
    assertEquals("error_auth", e.code());
    assertEquals(FailureClass.PAUSE_SHOP, e.failureClass());
    assertEquals(1, fx.sandbox.shopeeRefreshTokenReuses());
    assertNotNull(spent);
  }

  // ------------------------------------------------------------------------------------------ 3. retry classes

  @Test
  void errorRateLimitInTheEnvelopeIsRetried() {
    addOrder("R1");
    fx.sandbox.injectPlatformError(Channel.SHOPEE, DETAIL, "error_rate_limit", 2);
    assertEquals(1, await(client.getOrderDetails(SHOP, List.of("R1"))).size());
    assertEquals(List.of("error_rate_limit", "error_rate_limit", "ok"), outcomes(DETAIL));
    assertEquals("closed", client.breakerState(SHOP));
  }

  @Test
  void theDailyCapPausesUntilMidnightUtcPlus8() {
    fx.sandbox.injectPlatformError(Channel.SHOPEE, DETAIL, "error_limit", 1);
    MarketCallException e = failure(client.getOrderDetails(SHOP, List.of("L1")), MarketCallException.class);
    assertEquals(FailureClass.PAUSE_UNTIL_RESET, e.failureClass());
    assertEquals(1, e.attempts());
    Instant until = e.pausedUntil();
    assertNotNull(until);
    var local = until.atOffset(ZoneOffset.ofHours(8));
    assertEquals(0, local.getHour());
    assertEquals(0, local.getMinute());
    assertTrue(until.isAfter(Instant.now()) && until.isBefore(Instant.now().plus(Duration.ofHours(24).plusSeconds(5))));
  }

  @Test
  void aBannedShopIsPausedAndNotRetried() {
    fx.sandbox.injectPlatformError(Channel.SHOPEE, DETAIL, "shop_banned", 1);
    MarketCallException e = failure(client.getOrderDetails(SHOP, List.of("B1")), MarketCallException.class);
    assertEquals(FailureClass.PAUSE_SHOP, e.failureClass());
    assertEquals(1, e.attempts());
  }

  // -------------------------------------------------------------------------------------------- 2. lost pushes

  @Test
  void aLostPushIsReadFromItsWholeEnvelopeString() {
    var data = new ObjectMapper().createObjectNode().put("ordersn", "LOST9").put("status", "READY_TO_SHIP")
        .put("completed_scenario", "").put("update_time", Instant.now().getEpochSecond());
    fx.sandbox.addShopeeLostPush(SHOP, 3, data);
    var page = await(client.getLostPushMessages(SHOP));
    var event = assertInstanceOf(WebhookEvent.ShopeeOrderStatus.class, page.events().get(0));
    assertEquals("LOST9", event.orderSn());
    assertEquals("READY_TO_SHIP", event.status());
    assertTrue(page.lastMessageId() > 0);
  }

  @Test
  void aLostLivePushIsServedLaterInTheRealShape() {
    fx.sandbox.loseShopeePushes(1.0);
    var delivery = await(fx.sandbox.sendShopeeOrderStatus("http://127.0.0.1:9/none", SHOP, "LOST10", "UNPAID",
        Sandbox.Redelivery.ONCE));
    assertEquals(0, delivery.attempts(), "not delivered");
    var page = await(client.getLostPushMessages(SHOP));
    var event = assertInstanceOf(WebhookEvent.ShopeeOrderStatus.class, page.events().get(0));
    assertEquals("LOST10", event.orderSn());
  }

  // ------------------------------------------------------------------------------------ 4. permanent stock

  @Test
  void stockFailuresCarryTheirClass() {
    Listing reserved = Listing.shopee(SHOP, "50", "501");
    Listing locked = Listing.shopee(SHOP, "50", "502");
    Listing fine = Listing.shopee(SHOP, "50", "503");
    fx.sandbox.setShopeeReservedStock(50, 501, 30);
    fx.sandbox.lockShopeePromotionStock(50, 502, true);
    var result = await(api.push(api.group(fine), List.of(new ShopApi.TargetStock(api.target(reserved), 10),
        new ShopApi.TargetStock(api.target(locked), 10), new ShopApi.TargetStock(api.target(fine), 10))));
    assertEquals(FailureClass.PERMANENT_LISTING, result.failed().get("501").failureClass());
    assertEquals(FailureClass.PERMANENT_LISTING, result.failed().get("502").failureClass());
    assertFalse(result.failed().containsKey("503"));
    assertEquals(10, fx.sandbox.shopeeStock(50, 503));
  }

  @Test
  void holidayModeIsAPermanentListingFailure() {
    fx.sandbox.setShopeeHolidayMode(SHOP, true);
    Listing l = Listing.shopee(SHOP, "51", "0");
    MarketCallException e = failure(api.push(api.group(l), List.of(new ShopApi.TargetStock(api.target(l), 3))),
        MarketCallException.class);
    assertEquals("error_holiday_mode_change_stock", e.code());
    assertEquals(FailureClass.PERMANENT_LISTING, e.failureClass());
  }

  // ------------------------------------------------------------------------------ 5. stock read per item kind

  @Test
  void aPlainItemIsReadWithItemBaseInfoAndShowsNoDrift() {
    Listing plain = Listing.shopee(SHOP, "60", "0");
    await(api.push(api.group(plain), List.of(new ShopApi.TargetStock(api.target(plain), 7))));
    Map<String, Integer> read = await(api.readStock(api.group(plain)));
    assertEquals(7, read.get(api.target(plain)));
    assertTrue(fx.sandbox.calls(Channel.SHOPEE, "get_model_list").isEmpty());
  }

  @Test
  void aVariantItemIsReadWithGetModelList() {
    Listing red = Listing.shopee(SHOP, "61", "611");
    Listing blue = Listing.shopee(SHOP, "61", "612");
    await(api.push(api.group(red), List.of(new ShopApi.TargetStock(api.target(red), 4),
        new ShopApi.TargetStock(api.target(blue), 0))));
    Map<String, Integer> read = await(api.readStock(api.group(red)));
    assertEquals(4, read.get("611"));
    assertEquals(0, read.get("612"));
  }

  @Test
  void reservedUnitsDeductedOnReadBackStillCountAsInSync() {
    Listing l = Listing.shopee(SHOP, "62", "621");
    fx.sandbox.setShopeeReservedStock(62, 621, 5);
    fx.sandbox.setShopeeReadBackDeductsReserved(true);
    await(api.push(api.group(l), List.of(new ShopApi.TargetStock(api.target(l), 20))));
    assertEquals(20, await(api.readStock(api.group(l))).get("621"));
  }

  // ------------------------------------------------------------------------------------- 6. multi-warehouse

  @Test
  void aMultiWarehouseShopGetsEveryLocationOnEveryEntry() {
    fx.sandbox.setShopeeWarehouses(SHOP, List.of("MYZ", "MYW"));
    Listing l = Listing.shopee(SHOP, "70", "701").inWarehouse("MYW");
    var result = await(api.push(api.group(l), List.of(new ShopApi.TargetStock(api.target(l), 9))));
    assertTrue(result.failed().isEmpty(), result.failed().toString());
    assertEquals(9, fx.sandbox.shopeeStockAt(70, 701, "MYW"));
    assertEquals(0, fx.sandbox.shopeeStockAt(70, 701, "MYZ"));
    assertEquals(9, await(api.readStock(api.group(l))).get(api.target(l)));
  }

  @Test
  void aMultiWarehouseListingWithoutWarehouseIsRefusedLocally() {
    fx.sandbox.setShopeeWarehouses(SHOP, List.of("MYZ"));
    Listing l = Listing.shopee(SHOP, "71", "711");
    var result = await(api.push(api.group(l), List.of(new ShopApi.TargetStock(api.target(l), 2))));
    assertEquals(FailureClass.PERMANENT_CONFIG, result.failed().get("711").failureClass());
    assertTrue(result.failed().get("711").reason().contains("warehouse"));
    assertTrue(fx.sandbox.calls(Channel.SHOPEE, "update_stock").isEmpty());
  }

  @Test
  void aShopOutsideTheProgrammeSendsNoLocationAndAsksOnce() {
    Listing a = Listing.shopee(SHOP, "72", "0");
    Listing b = Listing.shopee(SHOP, "73", "0");
    await(api.push(api.group(a), List.of(new ShopApi.TargetStock(api.target(a), 1))));
    await(api.push(api.group(b), List.of(new ShopApi.TargetStock(api.target(b), 2))));
    assertEquals(1, fx.sandbox.calls(Channel.SHOPEE, "get_warehouse_detail").size());
    assertFalse(fx.sandbox.calls(Channel.SHOPEE, "update_stock").get(0).body().contains("location_id"));
    assertEquals(2, fx.sandbox.shopeeStock(73, 0));
  }
}
