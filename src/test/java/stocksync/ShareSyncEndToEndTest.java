package stocksync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static support.Await.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;
import tools.sandbox.Storefront;

/**
 * The share stock sync end to end: a node on PostgreSQL, the sandbox's marketplaces holding and deducting their own
 * stock, buyers checking out on Shopee and TikTok at once, webhooks 300 ms after each checkout. Every unit sells and
 * no order a marketplace accepted is cancelled; a Shopee flash-sale campaign reserving units mid-sale changes neither,
 * no stock update is refused below its reserved units, and its units stay sellable after it ends.
 */
class ShareSyncEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static MarketNode market;
  private static Sandbox sandbox;
  private static Storefront store;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    Map<String, Object> settings = new HashMap<>();
    settings.put("orchestrator.stock-sync.strategy", System.getProperty("shares.strategy", "shares"));
    settings.put("orchestrator.stock-sync.shares.settle", "3s");
    settings.put("orchestrator.orders.out-of-stock-grace", "5s");
    market = MarketNode.start(settings);
    sandbox = market.sandbox;
    store = sandbox.storefront();
    store.webhookTargets(market.url("/webhooks/shopee"), market.url("/webhooks/tiktok"));
    store.setWebhookDelay(Duration.ofMillis(300), 0.3);
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  private static JsonNode call(String method, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(market.url(path))).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = Http.send(b.build());
    assertTrue(r.statusCode() / 100 == 2, method + " " + path + ": " + r.statusCode() + " " + r.body());
    try {
      return JSON.readTree(r.body());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A SKU on one Shopee item (no models) and one TikTok SKU, with {@code units} on hand. */
  private static void listed(String sku, long item, String tiktokSku, int units) {
    store.listShopee(item, 0, sku, new BigDecimal("10.00"));
    store.listTikTok("P-" + item, tiktokSku, sku, new BigDecimal("10.00"));
    call("PUT", "/admin/skus/" + sku + "/listings", "{\"channel\":\"shopee\",\"shopId\":\"1001\",\"itemId\":\""
        + item + "\",\"modelId\":\"0\"}");
    call("PUT", "/admin/skus/" + sku + "/listings", "{\"channel\":\"tiktok\",\"shopId\":\"7001\",\"productId\":\"P-"
        + item + "\",\"skuId\":\"" + tiktokSku + "\"}");
    call("PUT", "/admin/skus/" + sku + "/stock", "{\"onHand\":" + units + "}");
  }

  private static JsonNode skuState(String sku) {
    return call("GET", "/admin/skus/" + sku, null);
  }

  /**
   * Buyers on both marketplaces for {@code duration}, each buying one unit whenever its marketplace shows one (they
   * do not know the stock: they stop only when the sale ends); {@code midway} runs when half the units sold.
   */
  private static int sale(long item, String tiktokSku, int units, Duration duration, Runnable midway)
      throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    ExecutorService buyers = Executors.newFixedThreadPool(8);
    long end = System.nanoTime() + duration.toNanos();
    List<Future<?>> running = new ArrayList<>();
    for (int b = 0; b < 8; b++) {
      Random random = new Random(b);
      running.add(buyers.submit(() -> {
        while (System.nanoTime() < end) {
          Storefront.Checkout c = random.nextDouble() < 0.6 ? store.shopeeCheckout("1001", item, 0, 1)
              : store.tiktokCheckout("7001", "P-" + item, tiktokSku, 1);
          if (c.outcome() == Storefront.Outcome.ACCEPTED && accepted.incrementAndGet() == units / 2 && midway != null) {
            midway.run();
          }
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            return;
          }
        }
      }));
    }
    for (Future<?> f : running) f.get(duration.toSeconds() + 30, TimeUnit.SECONDS);
    buyers.shutdown();
    return accepted.get();
  }

  @Test
  void everyUnitSellsAndNoAcceptedOrderIsCancelled() throws Exception {
    listed("SHARE-HOT", 910, "S-910", 40);
    await("both marketplaces show a share", Duration.ofSeconds(15),
        () -> store.shopeeShown(910, 0) > 0 && store.tiktokShown("S-910") > 0);

    int sold = sale(910, "S-910", 40, Duration.ofSeconds(6), null);

    assertEquals(40, sold, "every unit sold, and not one more (the marketplaces' own checkouts)");
    await("every order reserved", Duration.ofSeconds(20), () -> skuState("SHARE-HOT").get("reserved").asInt() == 40);
    Thread.sleep(6000); // past the out-of-stock grace: nothing may be cancelled late
    assertEquals(0, store.cancelledCheckouts(Channel.SHOPEE) + store.cancelledCheckouts(Channel.TIKTOK),
        "no accepted order was cancelled");
    assertEquals(0, skuState("SHARE-HOT").get("available").asInt());
    assertEquals(0, store.shopeeShown(910, 0) + store.tiktokShown("S-910"), "every listing at 0");
  }

  @Test
  void aShopeeCampaignMidSaleCostsNoCancellationAndNoRefusedUpdate() throws Exception {
    listed("SHARE-CAMPAIGN", 920, "S-920", 30);
    await("both marketplaces show a share", Duration.ofSeconds(15),
        () -> store.shopeeShown(920, 0) > 0 && store.tiktokShown("S-920") > 0);
    int[] reserved = new int[1];
    int sold = sale(920, "S-920", 30, Duration.ofSeconds(6),
        () -> reserved[0] = store.startShopeeCampaign("1001", 920, 0, 7001L, 5));
    int left = store.endShopeeCampaign("1001", 920, 0, 7001L);

    assertTrue(reserved[0] >= 0, "the campaign started");
    assertEquals(0, store.shopeeReserved(920, 0), "the campaign's units are back in normal stock");
    assertTrue(left >= 0, "the campaign was running until its end");
    assertEquals(30, sold, "every unit sold, campaign units included, and not one more");
    await("every order reserved", Duration.ofSeconds(20),
        () -> skuState("SHARE-CAMPAIGN").get("reserved").asInt() == 30);
    Thread.sleep(6000);
    assertEquals(0, store.cancelledCheckouts(Channel.SHOPEE) + store.cancelledCheckouts(Channel.TIKTOK),
        "no accepted order was cancelled");
    JsonNode sync = call("GET", "/admin/skus/SHARE-CAMPAIGN/sync", null);
    for (JsonNode listing : sync.get("listings")) {
      String error = listing.path("lastError").asText("");
      assertTrue(!error.contains("reserved"), "no stock update refused below the reserved units: " + listing);
    }
  }
}
