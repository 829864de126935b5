package tools.sandbox;

import static org.junit.jupiter.api.Assertions.*;
import static tools.sandbox.StorefrontHarness.SHOPEE_SHOP;
import static tools.sandbox.StorefrontHarness.TIKTOK_SHOP;

import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import marketplace.WebhookEvent;
import marketplace.channels.WebhookParser;
import marketplace.signing.Signatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.sandbox.Storefront.Checkout;
import tools.sandbox.Storefront.Outcome;

/** Buyers check out the sandbox marketplaces' listings: atomic deduction, delayed webhooks, cancels, listeners. */
class StorefrontTest {
  static StorefrontHarness h;

  @BeforeEach
  void fresh() throws Exception {
    if (h == null) h = new StorefrontHarness();
    h.fresh();
  }

  @AfterAll
  static void stop() {
    if (h != null) h.close();
  }

  /** {@code threads} buyers each try {@code tries} checkouts of qty at once, released together. */
  private static List<Checkout> buyAtOnce(int threads, int tries, java.util.function.IntFunction<Checkout> buy)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<Checkout>>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      futures.add(pool.submit(() -> {
        go.await();
        List<Checkout> mine = new ArrayList<>();
        for (int i = 0; i < tries; i++) mine.add(buy.apply(thread * tries + i));
        return mine;
      }));
    }
    go.countDown();
    List<Checkout> all = new ArrayList<>();
    for (Future<List<Checkout>> f : futures) all.addAll(f.get(60, TimeUnit.SECONDS));
    pool.shutdown();
    return all;
  }

  @Test
  void concurrentShopeeBuyersNeverGetMoreUnitsThanTheStock() throws Exception {
    h.store().webhookTargets(null, null);
    h.sandbox().setShopeeStock(500, 11, 300);
    List<Checkout> all = buyAtOnce(16, 40, i -> h.store().shopeeCheckout(SHOPEE_SHOP, 500, 11, 1));
    long accepted = all.stream().filter(c -> c.outcome() == Outcome.ACCEPTED).count();
    assertEquals(300, accepted);
    assertEquals(640 - 300, all.stream().filter(c -> c.outcome() == Outcome.REFUSED_NO_STOCK).count());
    assertEquals(640 - 300, h.store().refusedCheckouts(Channel.SHOPEE));
    assertEquals(0, h.store().shopeeShown(500, 11));
    Set<String> ids = new HashSet<>();
    all.stream().filter(c -> c.orderId() != null).forEach(c -> ids.add(c.orderId()));
    assertEquals(300, ids.size(), "every accepted checkout is its own order");
  }

  @Test
  void theLastUnitsGoToExactlyAsManyBuyersAsTheyCoverWhenBuyersArriveTogether() throws Exception {
    h.store().webhookTargets(null, null);
    int buyers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(buyers);
    java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(buyers);
    try {
      for (int round = 0; round < 150; round++) {
        h.sandbox().setShopeeStock(510, 0, 2);
        h.sandbox().setTikTokStock("P10", "S10", 1);
        List<Future<Checkout>> tries = new ArrayList<>();
        for (int b = 0; b < buyers; b++) {
          int buyer = b;
          tries.add(pool.submit(() -> {
            together.await(10, TimeUnit.SECONDS);
            return buyer % 2 == 0 ? h.store().shopeeCheckout(SHOPEE_SHOP, 510, 0, 1)
                : h.store().tiktokCheckout(TIKTOK_SHOP, "P10", "S10", 1);
          }));
        }
        int shopee = 0;
        int tiktok = 0;
        for (int b = 0; b < buyers; b++) {
          if (tries.get(b).get(10, TimeUnit.SECONDS).outcome() == Outcome.ACCEPTED) {
            if (b % 2 == 0) shopee++;
            else tiktok++;
          }
        }
        assertEquals(2, shopee, "round " + round);
        assertEquals(1, tiktok, "round " + round);
        assertEquals(0, h.store().shopeeShown(510, 0));
        assertEquals(0, h.store().tiktokShown("S10"));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentTikTokBuyersOfSeveralUnitsOverTwoWarehousesNeverOversell() throws Exception {
    h.store().webhookTargets(null, null);
    h.sandbox().defineTikTokSku("P1", "S1", "WH-A", "WH-B");
    h.tiktok("POST", "/product/202309/products/P1/inventory/update", Map.of(),
        "{\"skus\":[{\"id\":\"S1\",\"inventory\":[{\"warehouse_id\":\"WH-A\",\"quantity\":120},"
            + "{\"warehouse_id\":\"WH-B\",\"quantity\":81}]}]}");
    assertEquals(201, h.store().tiktokShown("S1"));
    List<Checkout> all = buyAtOnce(12, 30, i -> h.store().tiktokCheckout(TIKTOK_SHOP, "P1", "S1", 1 + i % 3));
    int sold = 0;
    for (int i = 0; i < all.size(); i++) {
      // buyAtOnce's i is thread * tries + try, the list is in that order too
      if (all.get(i).outcome() == Outcome.ACCEPTED) sold += 1 + i % 3;
    }
    assertTrue(sold <= 201);
    assertEquals(201 - sold, h.store().tiktokShown("S1"));
    assertTrue(h.store().tiktokShown("S1") < 3, "the last refusals were for more than what was left");
    assertTrue(h.sandbox().tiktokStock("S1", "WH-A") >= 0 && h.sandbox().tiktokStock("S1", "WH-B") >= 0);
  }

  @Test
  void aShopeeCheckoutIsStoredAtOnceAndItsPushArrivesAfterTheDelayNotBefore() throws Exception {
    h.store().setWebhookDelay(Duration.ofMillis(400), 0.25);
    h.store().listShopee(501, 0, "TEE-1", new BigDecimal("39000"));
    h.sandbox().setShopeeStock(501, 0, 5);
    long before = System.nanoTime();
    Checkout c = h.store().shopeeCheckout(SHOPEE_SHOP, 501, 0, 2);
    assertEquals(Outcome.ACCEPTED, c.outcome());
    assertEquals(3, h.sandbox().shopeeStock(501, 0));
    JsonNode order = h.shopeeOrder(c.orderId());
    assertEquals("READY_TO_SHIP", order.path("order_status").asText());
    assertEquals("TEE-1", order.path("item_list").path(0).path("item_sku").asText());
    assertEquals(2, order.path("item_list").path(0).path("model_quantity_purchased").asInt());
    assertEquals("buyer_" + c.orderId(), order.path("buyer_username").asText());
    assertTrue(h.received.isEmpty(), "nothing is sent at checkout");

    StorefrontHarness.Received push = h.awaitOne("/webhooks/shopee");
    long afterMs = TimeUnit.NANOSECONDS.toMillis(push.atNanos() - before);
    assertTrue(afterMs >= 300, "arrived " + afterMs + " ms after the checkout, before delay * (1 - jitter)");
    assertTrue(afterMs < 1500, "arrived " + afterMs + " ms after the checkout");
    var shop = h.fx.config.shopeeShop(SHOPEE_SHOP).orElseThrow();
    byte[] raw = push.body().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(Signatures.verifyShopeePush(shop.effectivePushKey(), shop.callbackUrl(), raw, push.authorization()));
    var event = (WebhookEvent.ShopeeOrderStatus) WebhookParser.shopee(raw);
    assertEquals(c.orderId(), event.orderSn());
    assertEquals("READY_TO_SHIP", push.body().path("data").path("status").asText());
  }

  @Test
  void aTikTokCheckoutsWebhookArrivesAfterTheDelay() throws Exception {
    h.store().setWebhookDelay(Duration.ofMillis(300), 0);
    h.store().listTikTok("P2", "S2", "MUG-1", new BigDecimal("3.50"));
    h.sandbox().setTikTokStock("P2", "S2", 4);
    long before = System.nanoTime();
    Checkout c = h.store().tiktokCheckout(TIKTOK_SHOP, "P2", "S2", 3);
    assertEquals(Outcome.ACCEPTED, c.outcome());
    assertEquals(1, h.store().tiktokShown("S2"));
    StorefrontHarness.Received w = h.awaitOne("/webhooks/tiktok");
    assertTrue(TimeUnit.NANOSECONDS.toMillis(w.atNanos() - before) >= 300);
    assertEquals(1, w.body().path("type").asInt());
    assertEquals(c.orderId(), w.body().path("data").path("order_id").asText());
    assertEquals("AWAITING_SHIPMENT", w.body().path("data").path("order_status").asText());
    JsonNode order = h.tiktok("GET", "/order/202309/orders", Map.of("ids", c.orderId()), "").path("data")
        .path("orders").path(0);
    assertEquals(3, order.path("line_items").size(), "one line item per unit");
    assertEquals("MUG-1", order.path("line_items").path(0).path("seller_sku").asText());
  }

  @Test
  void checkoutsBeyondTheStockOrOfUnknownListingsAreRefused() {
    h.sandbox().setShopeeStock(502, 0, 1);
    assertEquals(Outcome.REFUSED_NO_STOCK, h.store().shopeeCheckout(SHOPEE_SHOP, 502, 0, 2).outcome());
    assertEquals(Outcome.REFUSED_NOT_LISTED, h.store().shopeeCheckout(SHOPEE_SHOP, 999, 0, 1).outcome());
    h.store().listShopee(503, 0, "NEW", BigDecimal.ONE);
    assertEquals(Outcome.REFUSED_NO_STOCK, h.store().shopeeCheckout(SHOPEE_SHOP, 503, 0, 1).outcome(),
        "a listing never stocked shows 0");
    h.sandbox().setTikTokStock("P3", "S3", 1);
    assertEquals(Outcome.REFUSED_NOT_LISTED, h.store().tiktokCheckout(TIKTOK_SHOP, "P-OTHER", "S3", 1).outcome());
    assertEquals(3, h.store().refusedCheckouts(Channel.SHOPEE));
    assertEquals(1, h.store().refusedCheckouts(Channel.TIKTOK));
    assertEquals(1, h.store().shopeeShown(502, 0));
    assertThrows(IllegalArgumentException.class, () -> h.store().shopeeCheckout("no-shop", 502, 0, 1));
    h.sandbox().setShopeeHolidayMode(SHOPEE_SHOP, true);
    assertEquals(Outcome.REFUSED_NOT_LISTED, h.store().shopeeCheckout(SHOPEE_SHOP, 502, 0, 1).outcome(),
        "a shop on holiday sells nothing");
  }

  @Test
  void theControlApiChecksOutAndCounts() throws Exception {
    h.sandbox().setShopeeStock(511, 0, 1);
    String base = h.sandbox().baseUrl() + "/control/storefront";
    var ok = support.Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/checkout"))
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
            "{\"channel\":\"shopee\",\"shop_id\":\"1001\",\"item_id\":511,\"qty\":1}")).build());
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals("ACCEPTED", StorefrontHarness.JSON.readTree(ok.body()).path("outcome").asText());
    var refused = support.Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/checkout"))
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
            "{\"channel\":\"shopee\",\"shop_id\":\"1001\",\"item_id\":511,\"qty\":1}")).build());
    assertEquals("REFUSED_NO_STOCK", StorefrontHarness.JSON.readTree(refused.body()).path("outcome").asText());
    var bad = support.Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/checkout"))
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"channel\":\"tiktok\"}")).build());
    assertEquals(400, bad.statusCode());
    assertEquals("bad_request", StorefrontHarness.JSON.readTree(bad.body()).path("error").asText());
    var counts = StorefrontHarness.JSON.readTree(support.Http.get(base).body());
    assertEquals(1, counts.path("shopee").path("refused").asLong());
  }

  @Test
  void aShopeeCheckoutTakesTheFirstWarehouseWithStockThenTheNextAndACancelGivesThemBack() throws Exception {
    h.sandbox().setShopeeWarehouses(SHOPEE_SHOP, List.of("MYZ", "MYW"));
    JsonNode update = h.shopee("POST", "/api/v2/product/update_stock", "", "{\"item_id\":504,\"stock_list\":[{"
        + "\"model_id\":41,\"seller_stock\":[{\"location_id\":\"MYZ\",\"stock\":2},{\"location_id\":\"MYW\","
        + "\"stock\":5}]}]}");
    assertEquals("", update.path("error").asText(), update.toString());
    Checkout c = h.store().shopeeCheckout(SHOPEE_SHOP, 504, 41, 4);
    assertEquals(0, h.sandbox().shopeeStockAt(504, 41, "MYZ"));
    assertEquals(3, h.sandbox().shopeeStockAt(504, 41, "MYW"));
    JsonNode read = h.shopeeModel(504, 41).path("stock_info_v2").path("seller_stock");
    assertEquals(3, read.path(0).path("stock").asInt() + read.path(1).path("stock").asInt(), "reads show the sale");

    assertEquals("", h.shopeeCancel(c.orderId(), 504, 41).path("error").asText());
    assertEquals(2, h.sandbox().shopeeStockAt(504, 41, "MYZ"));
    assertEquals(5, h.sandbox().shopeeStockAt(504, 41, "MYW"));
    assertEquals(1, h.store().cancelledCheckouts(Channel.SHOPEE));
    h.shopeeCancel(c.orderId(), 504, 41);
    assertEquals(7, h.store().shopeeShown(504, 41), "a second cancel gives nothing back twice");
    assertEquals(1, h.store().cancelledCheckouts(Channel.SHOPEE));

    h.sandbox().addShopeeOrder(SHOPEE_SHOP, "NOT-A-CHECKOUT", "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(504, 41, null, "X", 1, BigDecimal.ONE)));
    h.shopeeCancel("NOT-A-CHECKOUT", 504, 41);
    assertEquals(1, h.store().cancelledCheckouts(Channel.SHOPEE), "only checkout orders count");
    assertEquals(7, h.store().shopeeShown(504, 41));
  }

  @Test
  void aTikTokSellerCancelGivesTheUnitsBack() throws Exception {
    h.sandbox().setTikTokStock("P4", "S4", 5);
    Checkout c = h.store().tiktokCheckout(TIKTOK_SHOP, "P4", "S4", 5);
    assertEquals(0, h.store().tiktokShown("S4"));
    assertEquals(Outcome.REFUSED_NO_STOCK, h.store().tiktokCheckout(TIKTOK_SHOP, "P4", "S4", 1).outcome());
    JsonNode cancel = h.tiktokCancel(c.orderId());
    assertEquals(0, cancel.path("code").asLong(), cancel.toString());
    assertEquals(5, h.store().tiktokShown("S4"));
    assertEquals(1, h.store().cancelledCheckouts(Channel.TIKTOK));
    assertEquals(25001011, h.tiktokCancel(c.orderId()).path("code").asLong());
    assertEquals(5, h.store().tiktokShown("S4"));
  }

  @Test
  void anUpdateSetsTheStockAndAReadReturnsItAfterTheDeductions() throws Exception {
    h.shopeeUpdateStock(505, 51, 10);
    h.store().shopeeCheckout(SHOPEE_SHOP, 505, 51, 3);
    assertEquals(7, h.shopeeModel(505, 51).path("stock_info_v2").path("seller_stock").path(0).path("stock").asInt());
    h.shopeeUpdateStock(505, 51, 20);
    assertEquals(20, h.store().shopeeShown(505, 51), "an update is absolute");
  }

  @Test
  void listenersSeeEveryChangeOfAListingsShownQuantity() throws Exception {
    record Seen(Channel channel, String listing, int shown) {}
    List<Seen> seen = new CopyOnWriteArrayList<>();
    h.store().addListener((channel, listing, shown, at) -> seen.add(new Seen(channel, listing, shown)));
    String model = Storefront.shopeeListing(506, 61);
    h.shopeeUpdateStock(506, 61, 10);                                    // 10
    Checkout c = h.store().shopeeCheckout(SHOPEE_SHOP, 506, 61, 4);      // 6
    h.store().shopeeCheckout(SHOPEE_SHOP, 506, 61, 7);                   // refused: no change
    h.shopeeCancel(c.orderId(), 506, 61);                                // 10
    h.sandbox().setShopeeStock(506, 61, 8);                              // 8
    h.store().startShopeeCampaign(SHOPEE_SHOP, 506, 61, 77, 3);          // 8 (reserved inside)
    h.store().endShopeeCampaign(SHOPEE_SHOP, 506, 61, 77);               // 8
    h.tiktok("POST", "/product/202309/products/P5/inventory/update", Map.of(),
        "{\"skus\":[{\"id\":\"S5\",\"inventory\":[{\"quantity\":9}]}]}");  // 9
    h.store().tiktokCheckout(TIKTOK_SHOP, "P5", "S5", 2);               // 7
    assertEquals(List.of(10, 6, 10, 8, 8, 8), seen.stream().filter(s -> s.listing().equals(model))
        .map(Seen::shown).toList());
    assertTrue(seen.stream().filter(s -> s.listing().equals(model)).allMatch(s -> s.channel() == Channel.SHOPEE));
    assertEquals(List.of(new Seen(Channel.TIKTOK, "S5", 9), new Seen(Channel.TIKTOK, "S5", 7)),
        seen.stream().filter(s -> s.listing().equals("S5")).toList());
  }

  @Test
  void aListenerThatThrowsChangesNoAnswer() {
    AtomicInteger calls = new AtomicInteger();
    h.store().addListener((channel, listing, shown, at) -> {
      calls.incrementAndGet();
      throw new IllegalStateException("listener bug");
    });
    h.sandbox().setShopeeStock(507, 0, 2);
    assertEquals(Outcome.ACCEPTED, h.store().shopeeCheckout(SHOPEE_SHOP, 507, 0, 1).outcome());
    assertEquals(2, calls.get());
    assertEquals(2, h.store().listenerFailures());
  }

  @Test
  void lostPushesStillApplyToCheckouts() throws Exception {
    h.store().setWebhookDelay(Duration.ofMillis(50), 0);
    h.sandbox().loseShopeePushes(1.0);
    h.sandbox().setShopeeStock(508, 0, 2);
    Checkout c = h.store().shopeeCheckout(SHOPEE_SHOP, 508, 0, 1);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (h.sandbox().shopeePushesLost() == 0 && System.nanoTime() < end) Thread.sleep(10);
    assertEquals(1, h.sandbox().shopeePushesLost());
    assertEquals(1, h.sandbox().shopeeLostPushCount());
    Thread.sleep(100);
    assertTrue(h.received.isEmpty());
    assertNotNull(c.orderId());
  }

  @Test
  void resetGoesBackToTheConfiguredDelay() throws Exception {
    h.store().setWebhookDelay(Duration.ZERO, 0);
    h.sandbox().reset();
    h.store().webhookTargets(h.target("/webhooks/shopee"), null);
    h.sandbox().setShopeeStock(509, 0, 1);
    long before = System.nanoTime();
    h.store().shopeeCheckout(SHOPEE_SHOP, 509, 0, 1);
    long ms = TimeUnit.NANOSECONDS.toMillis(h.awaitOne("/webhooks/shopee").atNanos() - before);
    assertTrue(ms >= 210, "config: 300ms with jitter 0.3, arrived after " + ms + " ms");
  }
}
