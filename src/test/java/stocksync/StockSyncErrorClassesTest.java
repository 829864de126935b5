package stocksync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * The error table acted on end to end, against the sandbox's Shopee and TikTok: a value the platform refuses for
 * good (promotion lock, bundle stock, a multi-warehouse shop without the listing's warehouse) is sent once (or not at
 * all), shown as blocked, and not retried, while the queue's back-off would have retried it many times; it goes out
 * again after "push now" or a listing change. Before the error classes it was retried every back-off, forever.
 */
class StockSyncErrorClassesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static MarketNode market;
  private static Sandbox sandbox;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    market = MarketNode.start(Map.of("orchestrator.stock-sync.retry-min", "100ms",
        "orchestrator.stock-sync.retry-max", "300ms", "orchestrator.stock-sync.reconcile-interval", "1h"), null, """
        orchestrator.marketplaces.shopee.shops = [
          ${orchestrator.marketplaces.shopee.default-shop},
          ${orchestrator.marketplaces.shopee.default-shop} { shop-id = "1002" }
        ]
        """);
    sandbox = market.sandbox;
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  private static JsonNode call(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(market.url(path))).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = Http.send(b.build());
    assertTrue(r.statusCode() / 100 == 2, method + " " + path + ": " + r.statusCode() + " " + r.body());
    return r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
  }

  private static JsonNode listing(String sku, String channel) throws Exception {
    for (JsonNode l : call("GET", "/admin/skus/" + sku + "/sync", null).path("listings")) {
      if (l.path("channel").asText().equals(channel)) return l;
    }
    throw new AssertionError("no " + channel + " listing of " + sku);
  }

  private static JsonNode await(String sku, String channel, Predicate<JsonNode> done) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    JsonNode last = null;
    while (System.currentTimeMillis() < deadline) {
      last = listing(sku, channel);
      if (done.test(last)) return last;
      Thread.sleep(100);
    }
    throw new AssertionError(sku + " " + channel + " listing never got there: " + last);
  }

  /** Blocked with the SKU's latest value: no newer value is on its way that would rightly be sent once more. */
  private static JsonNode awaitBlockedAtLatest(String sku, String channel) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    JsonNode last = null;
    while (System.currentTimeMillis() < deadline) {
      JsonNode sync = call("GET", "/admin/skus/" + sku + "/sync", null);
      for (JsonNode l : sync.path("listings")) {
        if (!l.path("channel").asText().equals(channel)) continue;
        last = l;
        if (l.path("status").asText().equals("blocked")
            && l.path("lastEventSeq").asLong(-1) == sync.path("eventSeq").asLong(-2)) {
          return l;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError(sku + " " + channel + " listing never blocked at the latest value: " + last);
  }

  private static long stockCalls(Channel channel, String path, String mentions) {
    return sandbox.calls(channel, path).stream().filter(c -> c.body().contains(mentions)).count();
  }

  @Test
  void aPromotionLockedShopeeModelIsSentOnceBlockedAndSentAgainAfterPushNow() throws Exception {
    sandbox.addShopeeItem(610001, true);
    sandbox.lockShopeePromotionStock(610001, 810001, true);
    call("PUT", "/admin/skus/EC-LOCK/listings",
        "{\"channel\":\"shopee\",\"shopId\":\"1001\",\"itemId\":\"610001\",\"modelId\":\"810001\"}");
    call("PUT", "/admin/skus/EC-LOCK/stock", "{\"onHand\":12}");
    JsonNode blocked = awaitBlockedAtLatest("EC-LOCK", "shopee");
    assertEquals("PERMANENT_LISTING", blocked.path("failureClass").asText(), blocked.toString());
    long sent = stockCalls(Channel.SHOPEE, "update_stock", "610001");
    Thread.sleep(3000); // ten back-offs of the queue (retry-max 300 ms)
    assertEquals(sent, stockCalls(Channel.SHOPEE, "update_stock", "610001"), "a blocked value is not retried");
    assertTrue(sent <= 2, "once per value (the listing's, then the stock's): " + sent);

    sandbox.lockShopeePromotionStock(610001, 810001, false);
    call("POST", "/admin/skus/EC-LOCK/push", null);
    await("EC-LOCK", "shopee", l -> l.path("status").asText().equals("in_sync"));
    assertEquals(12, sandbox.shopeeStock(610001, 810001));
  }

  @Test
  void aMultiWarehouseShopeeListingWithoutItsWarehouseIsBlockedWithoutACallAndPushedOnceItNamesOne()
      throws Exception {
    sandbox.setShopeeWarehouses("1002", List.of("LOC-A", "LOC-B"));
    sandbox.addShopeeItem(620001, true);
    call("PUT", "/admin/skus/EC-WH/listings",
        "{\"channel\":\"shopee\",\"shopId\":\"1002\",\"itemId\":\"620001\",\"modelId\":\"820001\"}");
    call("PUT", "/admin/skus/EC-WH/stock", "{\"onHand\":7}");
    JsonNode blocked = await("EC-WH", "shopee", l -> l.path("status").asText().equals("blocked"));
    assertEquals("PERMANENT_CONFIG", blocked.path("failureClass").asText(), blocked.toString());
    assertEquals(0, stockCalls(Channel.SHOPEE, "update_stock", "620001"), "refused here, not sent to Shopee");

    call("PUT", "/admin/skus/EC-WH/listings", "{\"channel\":\"shopee\",\"shopId\":\"1002\",\"itemId\":\"620001\","
        + "\"modelId\":\"820001\",\"warehouseId\":\"LOC-B\"}");
    await("EC-WH", "shopee", l -> l.path("status").asText().equals("in_sync"));
    assertEquals(7, sandbox.shopeeStockAt(620001, 820001, "LOC-B"));
    assertEquals(0, sandbox.shopeeStockAt(620001, 820001, "LOC-A"));
  }

  @Test
  void aTikTokBundleSkuIsBlockedAfterOneRefusal() throws Exception {
    sandbox.addTikTokBundleSku("P-EC-1", "S-EC-1");
    call("PUT", "/admin/skus/EC-BUNDLE/listings",
        "{\"channel\":\"tiktok\",\"shopId\":\"7001\",\"productId\":\"P-EC-1\",\"skuId\":\"S-EC-1\"}");
    call("PUT", "/admin/skus/EC-BUNDLE/stock", "{\"onHand\":5}");
    JsonNode blocked = awaitBlockedAtLatest("EC-BUNDLE", "tiktok");
    assertEquals("PERMANENT_LISTING", blocked.path("failureClass").asText(), blocked.toString());
    long sent = stockCalls(Channel.TIKTOK, "inventory/update", "S-EC-1");
    Thread.sleep(3000);
    assertEquals(sent, stockCalls(Channel.TIKTOK, "inventory/update", "S-EC-1"), "a blocked value is not retried");
  }
}
