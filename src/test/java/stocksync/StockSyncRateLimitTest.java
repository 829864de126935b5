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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * A shop whose rate limit is far below the stock changes it gets (5 calls/s, no burst): order-detail fetches do not
 * queue behind stock pushes (each API has its own budget), and stock values that wait for the limit are replaced by
 * newer ones instead of each taking a call.
 */
class StockSyncRateLimitTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SLOW_SHOP = "1003";
  private static final int ITEMS = 40;
  private static MarketNode market;
  private static Sandbox sandbox;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    Map<String, Object> settings = new HashMap<>();
    settings.put("orchestrator.stock-sync.retry-min", "100ms");
    settings.put("orchestrator.stock-sync.reconcile-interval", "1h");
    market = MarketNode.start(settings, null, """
        orchestrator.marketplaces.shopee.shops = [
          ${orchestrator.marketplaces.shopee.default-shop} {
            shop-id = "%s"
            rate-limit-per-second = 5
            rate-limit-burst = 1
          }
        ]
        """.formatted(SLOW_SHOP));
    sandbox = market.sandbox;
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  private static JsonNode ok(String method, String path, String body) throws Exception {
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(market.url(path)))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build());
    assertTrue(r.statusCode() / 100 == 2, method + " " + path + ": " + r.statusCode() + " " + r.body());
    return JSON.readTree(r.body());
  }

  private static long updateStockCalls() {
    return sandbox.calls(Channel.SHOPEE, "update_stock").size();
  }

  private static String phase(String orderId) {
    HttpResponse<String> r = Http.get(market.url("/admin/orders/shopee/" + SLOW_SHOP + "/" + orderId));
    try {
      return r.statusCode() == 200 ? JSON.readTree(r.body()).get("phase").asText() : "absent";
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sets every SKU's stock at once (concurrent requests), so the changes land faster than the rate limit. */
  private static void setAllStock(int onHand) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(ITEMS);
    try {
      List<CompletableFuture<JsonNode>> puts = new ArrayList<>();
      for (int i = 0; i < ITEMS; i++) {
        String path = "/admin/skus/RL-" + i + "/stock";
        puts.add(CompletableFuture.supplyAsync(() -> {
          try {
            return ok("PUT", path, "{\"onHand\":" + onHand + "}");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, pool));
      }
      CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void ordersAreFetchedWhileStockPushesWaitAndWaitingValuesAreReplacedByNewerOnes() throws Exception {
    // 40 SKUs, each its own Shopee item: 40 stock calls at 5/s take 8 s.
    for (int i = 0; i < ITEMS; i++) {
      ok("PUT", "/admin/skus/RL-" + i + "/listings", "{\"channel\":\"shopee\",\"shopId\":\"" + SLOW_SHOP
          + "\",\"itemId\":\"" + (9000 + i) + "\",\"modelId\":\"0\"}");
    }
    long callsBefore = updateStockCalls();
    long changesFrom = System.nanoTime();
    setAllStock(10);
    // Every SKU changes again while most of the first values still wait for the rate limit.
    setAllStock(20);
    double changesTook = (System.nanoTime() - changesFrom) / 1e9;
    Instant changesEnd = Instant.now();

    // An order placed now is fetched and confirmed long before the stock queue has drained.
    long orderSentAt = System.nanoTime();
    sandbox.addShopeeOrder(SLOW_SHOP, "SN-RL-1", "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(9000, 0, "RL-0", null, 1, new BigDecimal("10000"))));
    Sandbox.Delivery delivery = sandbox.sendShopeeOrderStatus(market.url("/webhooks/shopee"), SLOW_SHOP, "SN-RL-1",
        "READY_TO_SHIP", Sandbox.Redelivery.ONCE).toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals(200, delivery.status());
    await("the order confirmed", Duration.ofSeconds(20), () -> phase("SN-RL-1").equals("CONFIRMED"));
    double confirmedAfter = (System.nanoTime() - orderSentAt) / 1e9;
    long pushedWhenConfirmed = updateStockCalls() - callsBefore;
    assertTrue(pushedWhenConfirmed < ITEMS,
        "the order waited for the stock queue: confirmed after " + pushedWhenConfirmed + " stock calls");

    // Then every listing ends with the last value (RL-0 minus the order's unit), in about one call per item.
    await("every listing at its last value", Duration.ofSeconds(60), () -> {
      if (!Integer.valueOf(19).equals(sandbox.shopeeStock(9000, 0))) return false;
      for (int i = 1; i < ITEMS; i++) {
        if (!Integer.valueOf(20).equals(sandbox.shopeeStock(9000 + i, 0))) return false;
      }
      return true;
    });
    List<Sandbox.Call> made = sandbox.calls(Channel.SHOPEE, "update_stock");
    made = made.subList((int) callsBefore, made.size());
    // A call the platform refused is retried by design; coalescing is about the values that were taken.
    List<Sandbox.Call> taken = made.stream().filter(c -> c.outcome().equals("ok")).toList();
    Map<String, Long> byOutcome = made.stream().collect(Collectors.groupingBy(Sandbox.Call::outcome, Collectors.counting()));
    // Each item's last value takes exactly one call. Any other value taken is one that had left before the next
    // change was made: at most the calls that reached the platform by the end of the changes (plus one second for
    // calls in flight on a loaded machine), and RL-0's 20 if it left before the order took a unit. Each value
    // taking its own call would be 81 calls.
    Map<Long, Long> lastValueCalls = new HashMap<>();
    long superseded = 0;
    for (Sandbox.Call c : taken) {
      JsonNode body = JSON.readTree(c.body());
      long item = body.get("item_id").asLong();
      int value = body.get("stock_list").get(0).get("seller_stock").get(0).get("stock").asInt();
      if (value == (item == 9000 ? 19 : 20)) lastValueCalls.merge(item, 1L, Long::sum);
      else superseded++;
    }
    List<String> trace = taken.stream().map(c -> c.at() + " " + c.body()).toList();
    for (int i = 0; i < ITEMS; i++) {
      assertEquals(1L, lastValueCalls.getOrDefault(9000L + i, 0L), "item " + (9000 + i) + "'s last value took one call: " + trace);
    }
    long early = taken.stream().filter(c -> !c.at().isAfter(changesEnd.plusSeconds(1))).count();
    assertTrue(superseded <= early + 1, superseded + " calls took a value already replaced, but only " + early
        + " calls had reached the platform within 1 s of the last change (" + changesTook + " s of changes); outcomes "
        + byOutcome + ": " + trace);
    long calls = taken.size();
    System.out.printf("Rate limit 5/s: 80 changes made in %.2f s; order confirmed after %.2f s with %d of ~%d stock "
        + "calls made; %d calls taken (%d of them with a value replaced later), outcomes %s%n", changesTook,
        confirmedAfter, pushedWhenConfirmed, ITEMS, calls, superseded, byOutcome);
  }
}
