package stocksync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static support.Await.await;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sku.SkuEntity;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * Stock sync end to end: SKU writes over the admin API (or straight through sharding), pushes over real HTTP to the
 * in-process sandbox, sync status in PostgreSQL. Two Shopee shops (1001, 1002), one TikTok shop, one WhatsApp number.
 */
class StockSyncEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static MarketNode market;
  private static Sandbox sandbox;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    Map<String, Object> settings = new HashMap<>();
    settings.put("orchestrator.stock-sync.retry-min", "100ms");
    settings.put("orchestrator.stock-sync.retry-max", "1s");
    settings.put("orchestrator.stock-sync.reconcile-interval", "2s");
    market = MarketNode.start(settings, null, """
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

  // ------------------------------------------------------------------------------------------------ helpers

  private static HttpResponse<String> send(String method, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(market.url(path))).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return Http.send(b.build());
  }

  private static JsonNode ok(HttpResponse<String> r) throws Exception {
    assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
    return JSON.readTree(r.body());
  }

  private static void setStock(String sku, int onHand) throws Exception {
    ok(send("PUT", "/admin/skus/" + sku + "/stock", "{\"onHand\":" + onHand + ",\"force\":true}"));
  }

  private static void shopee(String sku, String shop, long item, long model) throws Exception {
    ok(send("PUT", "/admin/skus/" + sku + "/listings", "{\"channel\":\"shopee\",\"shopId\":\"" + shop
        + "\",\"itemId\":\"" + item + "\",\"modelId\":\"" + model + "\"}"));
  }

  private static void tiktok(String sku, String product, String skuId) throws Exception {
    ok(send("PUT", "/admin/skus/" + sku + "/listings", "{\"channel\":\"tiktok\",\"shopId\":\"7001\",\"productId\":\""
        + product + "\",\"skuId\":\"" + skuId + "\"}"));
  }

  private static void whatsapp(String sku) throws Exception {
    ok(send("PUT", "/admin/skus/" + sku + "/listings", "{\"channel\":\"whatsapp\",\"shopId\":\"5550001\"}"));
  }

  private static JsonNode sync(String sku) {
    try {
      return ok(send("GET", "/admin/skus/" + sku + "/sync", null));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode listing(JsonNode sync, String channel, String shop) {
    for (JsonNode l : sync.get("listings")) {
      if (l.get("channel").asText().equals(channel) && l.get("shopId").asText().equals(shop)) return l;
    }
    throw new AssertionError("no " + channel + ":" + shop + " listing in " + sync);
  }

  /** Every pushable listing acknowledged the SKU's current event sequence number. */
  private static boolean allInSync(String sku) {
    JsonNode s = sync(sku);
    for (JsonNode l : s.get("listings")) {
      if (l.get("status").asText().equals("not_applicable")) continue;
      if (!l.get("status").asText().equals("in_sync") || l.get("lastEventSeq").asLong() != s.get("eventSeq").asLong()) {
        return false;
      }
    }
    return true;
  }

  private static boolean is(Integer actual, int expected) {
    return actual != null && actual == expected;
  }

  private static long stockCalls(Channel channel, String pathPart, String bodyPart) {
    return sandbox.calls(channel, pathPart).stream().filter(c -> c.path().contains(bodyPart) || c.body().contains(bodyPart)).count();
  }

  // ------------------------------------------------------------------------------------------------ tests

  @Test
  void aStockChangeReachesEveryListingOnEveryChannelAndShop() throws Exception {
    // Two SKUs are two models of one Shopee item; RED is also on a second Shopee shop, TikTok and WhatsApp.
    shopee("SYNC-RED", "1001", 500, 1);
    shopee("SYNC-RED", "1002", 600, 0);
    tiktok("SYNC-RED", "P-500", "S-RED");
    whatsapp("SYNC-RED");
    shopee("SYNC-BLUE", "1001", 500, 2);
    tiktok("SYNC-BLUE", "P-500", "S-BLUE");
    setStock("SYNC-RED", 10);
    setStock("SYNC-BLUE", 7);
    await("first values everywhere", Duration.ofSeconds(10), () -> is(sandbox.shopeeStock(500, 1), 10)
        && is(sandbox.shopeeStock(600, 0), 10) && is(sandbox.tiktokStock("S-RED"), 10)
        && is(sandbox.shopeeStock(500, 2), 7) && is(sandbox.tiktokStock("S-BLUE"), 7));

    ok(send("POST", "/admin/skus/SYNC-RED/adjustments", "{\"delta\":-3,\"reason\":\"DAMAGED\"}"));
    await("the change on every RED listing", Duration.ofSeconds(10), () -> is(sandbox.shopeeStock(500, 1), 7)
        && is(sandbox.shopeeStock(600, 0), 7) && is(sandbox.tiktokStock("S-RED"), 7));
    assertEquals(7, sandbox.shopeeStock(500, 2), "the other model of the item keeps its own value");
    await("RED in sync", Duration.ofSeconds(10), () -> allInSync("SYNC-RED"));

    JsonNode status = sync("SYNC-RED");
    assertEquals(4, status.get("listings").size(), status.toString());
    assertEquals("not_applicable", listing(status, "whatsapp", "5550001").get("status").asText());
    JsonNode second = listing(status, "shopee", "1002");
    assertEquals(7, second.get("expected").asInt());
    assertEquals(7, second.get("lastValue").asInt());
    assertTrue(second.get("acknowledged").asBoolean());
    assertTrue(second.get("lastError").isNull(), second.toString());
    assertNotNull(second.get("pushedAt").textValue());

    JsonNode staleness = ok(send("GET", "/admin/sync/staleness", null));
    assertTrue(staleness.at("/shopee/count").asLong() > 0, staleness.toString());
    assertTrue(staleness.at("/tiktok/count").asLong() > 0, staleness.toString());
  }

  @Test
  void fiveHundredRapidChangesEndWithTheLastValueInFarFewerCalls() throws Exception {
    shopee("SYNC-HOT", "1001", 700, 0);
    tiktok("SYNC-HOT", "P-700", "S-HOT");
    setStock("SYNC-HOT", 1000);
    await("initial 1000", Duration.ofSeconds(10),
        () -> is(sandbox.shopeeStock(700, 0), 1000) && is(sandbox.tiktokStock("S-HOT"), 1000));
    int shopeeBefore = sandbox.calls(Channel.SHOPEE, "update_stock").size();
    long item700Before = sandbox.calls(Channel.SHOPEE, "update_stock").stream()
        .filter(c -> c.body().contains("\"item_id\":700")).count();
    int tiktokBefore = sandbox.calls(Channel.TIKTOK, "/products/P-700/inventory/update").size();

    // 500 orders reserving one unit each, fired without waiting: a flash sale on one SKU.
    var sku = ClusterSharding.get(market.node.system()).entityRefFor(SkuEntity.ENTITY_TYPE_KEY, "SYNC-HOT");
    List<CompletableFuture<SkuEntity.ReservationReply>> replies = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      String orderKey = "shopee|1001|HOT-" + i;
      replies.add(sku.<SkuEntity.ReservationReply>ask(r -> new SkuEntity.Reserve(orderKey, 1, null, r),
          Duration.ofSeconds(60)).toCompletableFuture());
    }
    CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    for (var reply : replies) assertTrue(reply.get() instanceof SkuEntity.ReserveAccepted, reply.get().toString());
    await("the last value on every listing", Duration.ofSeconds(20),
        () -> is(sandbox.shopeeStock(700, 0), 500) && is(sandbox.tiktokStock("S-HOT"), 500));
    List<Sandbox.Call> shopeeCalls = sandbox.calls(Channel.SHOPEE, "update_stock").stream()
        .filter(c -> c.body().contains("\"item_id\":700")).skip(item700Before).toList();
    long shopeePushes = sandbox.calls(Channel.SHOPEE, "update_stock").size() - shopeeBefore;
    long tiktokPushes = sandbox.calls(Channel.TIKTOK, "/products/P-700/inventory/update").size() - tiktokBefore;
    assertTrue(shopeePushes < 100, "Shopee calls for 500 changes: " + shopeePushes);
    assertTrue(tiktokPushes < 100, "TikTok calls for 500 changes: " + tiktokPushes);
    // Values only ever go down here (every change reserves 1): an older value after a newer one would go up.
    int previous = Integer.MAX_VALUE;
    for (Sandbox.Call call : shopeeCalls) {
      int value = JSON.readTree(call.body()).at("/stock_list/0/seller_stock/0/stock").asInt();
      assertTrue(value <= previous, "value " + value + " pushed after " + previous);
      previous = value;
    }
    await("HOT in sync", Duration.ofSeconds(10), () -> allInSync("SYNC-HOT"));
    System.out.printf("500 changes: %d Shopee and %d TikTok calls; staleness so far %s%n", shopeePushes, tiktokPushes,
        ok(send("GET", "/admin/sync/staleness", null)));
  }

  @Test
  void pushRulesAndAllocationHoldOnTheMarketplacesForRandomCases() throws Exception {
    String sku = "SYNC-RULES";
    shopee(sku, "1001", 800, 0);
    shopee(sku, "1002", 801, 0);
    tiktok(sku, "P-800", "S-RULES");
    whatsapp(sku);
    setStock(sku, 50);
    Random random = new Random(611L);
    String[] channels = {"shopee", "tiktok", "whatsapp"};
    for (int run = 0; run < 6; run++) {
      boolean allocation = run % 2 == 0;
      StringBuilder rules = new StringBuilder("{");
      for (int c = 0; c < channels.length; c++) {
        if (c > 0) rules.append(',');
        rules.append('"').append(channels[c]).append("\":{");
        List<String> fields = new ArrayList<>();
        if (random.nextBoolean()) fields.add("\"showZeroBelow\":" + random.nextInt(20));
        if (random.nextBoolean()) fields.add("\"percent\":" + random.nextInt(101));
        if (random.nextBoolean()) fields.add("\"maxShown\":" + random.nextInt(60));
        if (allocation && random.nextBoolean()) fields.add("\"allocation\":" + random.nextInt(40));
        rules.append(String.join(",", fields)).append('}');
      }
      if (allocation && !rules.toString().contains("allocation")) rules.insert(rules.indexOf("\"shopee\":{") + 10, "\"allocation\":7,");
      rules.append('}');
      String body = rules.toString().replace("{,", "{");
      ok(send("PUT", "/admin/skus/" + sku + "/push-rules", body));
      setStock(sku, random.nextInt(120));
      await("case " + run + " in sync: " + body, Duration.ofSeconds(10), () -> allInSync(sku));

      JsonNode summary = ok(send("GET", "/admin/skus/" + sku, null));
      JsonNode shown = summary.get("shown");
      int available = summary.get("available").asInt();
      assertEquals(shown.get("shopee:1001").asInt(), sandbox.shopeeStock(800, 0), body);
      assertEquals(shown.get("shopee:1002").asInt(), sandbox.shopeeStock(801, 0), body);
      assertEquals(shown.get("tiktok:7001").asInt(), sandbox.tiktokStock("S-RULES"), body);
      if (allocation) {
        int sum = sandbox.shopeeStock(800, 0) + sandbox.shopeeStock(801, 0) + sandbox.tiktokStock("S-RULES")
            + shown.get("whatsapp:5550001").asInt();
        assertTrue(sum <= available, "shown " + sum + " > available " + available + " with " + body);
      }
    }
  }

  @Test
  void badPushRulesAre400AndChangeNothing() throws Exception {
    setStock("SYNC-BADRULES", 5);
    for (String bad : new String[] {"{\"ebay\":{}}", "{\"shopee\":{\"percent\":101}}", "{\"shopee\":{\"percent\":\"x\"}}",
        "{\"shopee\":{\"colour\":1}}", "{\"shopee\":3}", "{\"phone\":{}}", "[]"}) {
      HttpResponse<String> r = send("PUT", "/admin/skus/SYNC-BADRULES/push-rules", bad);
      assertEquals(400, r.statusCode(), bad + " " + r.body());
      assertEquals("bad_request", JSON.readTree(r.body()).get("error").asText());
    }
    JsonNode summary = ok(send("GET", "/admin/skus/SYNC-BADRULES", null));
    assertEquals(0, summary.at("/pushRules/channels").size(), summary.toString());
    assertEquals(404, send("PUT", "/admin/skus/SYNC-NOPE/push-rules", "{}").statusCode());
    assertEquals(404, send("GET", "/admin/skus/SYNC-NOPE/sync", null).statusCode());
    assertEquals(404, send("POST", "/admin/skus/SYNC-NOPE/push", null).statusCode());
    assertEquals(400, send("GET", "/admin/sync/failing?limit=0", null).statusCode());
  }

  @Test
  void anOutageIsCaughtUpAfterItEnds() throws Exception {
    shopee("SYNC-OUT", "1001", 900, 0);
    tiktok("SYNC-OUT", "P-900", "S-OUT");
    setStock("SYNC-OUT", 5);
    await("initial 5", Duration.ofSeconds(10), () -> is(sandbox.shopeeStock(900, 0), 5) && is(sandbox.tiktokStock("S-OUT"), 5));

    sandbox.injectHttpStatus(Channel.SHOPEE, "update_stock", 503, 100_000);
    sandbox.injectTimeout(Channel.TIKTOK, "/products/P-900/inventory/update", 2);
    sandbox.injectHttpStatus(Channel.TIKTOK, "/products/P-900/inventory/update", 500, 100_000);
    setStock("SYNC-OUT", 9);
    ok(send("POST", "/admin/skus/SYNC-OUT/adjustments", "{\"delta\":2,\"reason\":\"RECEIVED\"}"));
    await("both listings failing", Duration.ofSeconds(20), () -> {
      JsonNode s = sync("SYNC-OUT");
      return listing(s, "shopee", "1001").get("status").asText().equals("failed")
          && listing(s, "tiktok", "7001").get("status").asText().equals("failed");
    });
    JsonNode failing = ok(send("GET", "/admin/sync/failing", null));
    assertTrue(failing.toString().contains("SYNC-OUT|shopee:1001"), failing.toString());
    assertEquals(5, sandbox.shopeeStock(900, 0), "nothing got through during the outage");
    Thread.sleep(1500);
    sandbox.clearFaults();

    await("caught up after the outage", Duration.ofSeconds(20),
        () -> is(sandbox.shopeeStock(900, 0), 11) && is(sandbox.tiktokStock("S-OUT"), 11));
    await("OUT in sync", Duration.ofSeconds(10), () -> allInSync("SYNC-OUT"));
    assertTrue(listing(sync("SYNC-OUT"), "shopee", "1001").get("lastError").isNull());
  }

  @Test
  void partialFailuresMarkJustThoseListingsAndAreRetried() throws Exception {
    shopee("SYNC-PART-A", "1001", 1000, 1);
    shopee("SYNC-PART-B", "1001", 1000, 2);
    tiktok("SYNC-PART-A", "P-1000", "S-PART-A");
    tiktok("SYNC-PART-B", "P-1000", "S-PART-B");
    sandbox.failShopeeStock(1000, 2, "model is locked");
    sandbox.failTikTokSku("S-PART-B", "sku is frozen");
    setStock("SYNC-PART-A", 4);
    setStock("SYNC-PART-B", 6);
    await("A in sync", Duration.ofSeconds(10), () -> allInSync("SYNC-PART-A"));
    await("B failed and retried", Duration.ofSeconds(10), () -> {
      JsonNode s = sync("SYNC-PART-B");
      JsonNode sh = listing(s, "shopee", "1001");
      JsonNode tt = listing(s, "tiktok", "7001");
      return sh.get("status").asText().equals("failed") && sh.get("attempts").asInt() >= 2
          && tt.get("status").asText().equals("failed") && tt.get("attempts").asInt() >= 2;
    });
    JsonNode b = sync("SYNC-PART-B");
    assertTrue(listing(b, "shopee", "1001").get("lastError").asText().contains("model is locked"), b.toString());
    assertTrue(listing(b, "tiktok", "7001").get("lastError").asText().contains("sku is frozen"), b.toString());
    assertEquals(4, sandbox.shopeeStock(1000, 1));
    String failing = ok(send("GET", "/admin/sync/failing", null)).toString();
    assertTrue(failing.contains("SYNC-PART-B|shopee:1001") && failing.contains("SYNC-PART-B|tiktok:7001"), failing);
    assertTrue(!failing.contains("SYNC-PART-A"), failing);

    sandbox.clearShopeeStockFailure(1000, 2);
    sandbox.clearTikTokSkuFailure("S-PART-B");
    await("B repaired by its retries", Duration.ofSeconds(10),
        () -> is(sandbox.shopeeStock(1000, 2), 6) && is(sandbox.tiktokStock("S-PART-B"), 6) && allInSync("SYNC-PART-B"));
    assertTrue(!ok(send("GET", "/admin/sync/failing", null)).toString().contains("SYNC-PART-B"));
  }

  @Test
  void driftIsRepairedByReconciliation() throws Exception {
    shopee("SYNC-DRIFT", "1001", 1100, 0);
    tiktok("SYNC-DRIFT", "P-1100", "S-DRIFT");
    setStock("SYNC-DRIFT", 12);
    await("12 everywhere", Duration.ofSeconds(10), () -> allInSync("SYNC-DRIFT") && is(sandbox.shopeeStock(1100, 0), 12));
    // A seller edits the stock in the marketplace console: the service does not hear about it.
    sandbox.setShopeeStock(1100, 0, 3);
    sandbox.setTikTokStock("P-1100", "S-DRIFT", 40);
    await("drift repaired by the periodic reconciliation", Duration.ofSeconds(15),
        () -> is(sandbox.shopeeStock(1100, 0), 12) && is(sandbox.tiktokStock("S-DRIFT"), 12));
    assertTrue(sandbox.calls(Channel.SHOPEE, "get_model_list").size() > 0);
    assertTrue(sandbox.calls(Channel.TIKTOK, "/products/P-1100").stream().anyMatch(c -> c.method().equals("GET")));

    JsonNode totals = ok(send("POST", "/admin/sync/reconcile", null));
    assertTrue(totals.get("checked").asInt() >= 2, totals.toString());
  }

  @Test
  void pushNowRePushesCurrentValues() throws Exception {
    shopee("SYNC-NOW", "1002", 1200, 0);
    setStock("SYNC-NOW", 8);
    await("8", Duration.ofSeconds(10), () -> is(sandbox.shopeeStock(1200, 0), 8) && allInSync("SYNC-NOW"));
    int before = (int) sandbox.calls(Channel.SHOPEE, "update_stock").stream()
        .filter(c -> c.body().contains("\"item_id\":1200")).count();
    JsonNode pushed = ok(send("POST", "/admin/skus/SYNC-NOW/push", null));
    assertEquals(1, pushed.get("listings").asInt());
    await("a second push of the same value", Duration.ofSeconds(10), () -> sandbox.calls(Channel.SHOPEE, "update_stock")
        .stream().filter(c -> c.body().contains("\"item_id\":1200")).count() > before);
  }
}
