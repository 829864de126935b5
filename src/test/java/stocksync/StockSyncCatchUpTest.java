package stocksync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestDatabase;

/**
 * The catch-up path alone: with the live subscriber off (as if every live push had been lost with a crashed node),
 * the projection over the SKU tags still brings every change to the marketplace, from the journal.
 */
class StockSyncCatchUpTest {
  private static MarketNode market;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    market = MarketNode.start(Map.of("orchestrator.stock-sync.live", false,
        "orchestrator.stock-sync.reconcile-interval", "1h"));
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  private static HttpResponse<String> send(String method, String path, String body) {
    return Http.send(HttpRequest.newBuilder(URI.create(market.url(path))).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build());
  }

  @Test
  void theProjectionPushesChangesTheLivePathNeverSaw() throws Exception {
    assertEquals(200, send("PUT", "/admin/skus/CATCH-1/listings",
        "{\"channel\":\"shopee\",\"shopId\":\"1001\",\"itemId\":\"42\",\"modelId\":\"0\"}").statusCode());
    assertEquals(200, send("PUT", "/admin/skus/CATCH-1/listings",
        "{\"channel\":\"tiktok\",\"shopId\":\"7001\",\"productId\":\"P-42\",\"skuId\":\"S-42\"}").statusCode());
    for (int onHand : new int[] {5, 17, 23}) {
      assertEquals(200, send("PUT", "/admin/skus/CATCH-1/stock", "{\"onHand\":" + onHand + "}").statusCode());
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      Integer shopee = market.sandbox.shopeeStock(42, 0);
      Integer tiktok = market.sandbox.tiktokStock("S-42");
      if (shopee != null && shopee == 23 && tiktok != null && tiktok == 23) break;
      Thread.sleep(50);
    }
    assertEquals(23, market.sandbox.shopeeStock(42, 0));
    assertEquals(23, market.sandbox.tiktokStock("S-42"));
    String sync = Http.get(market.url("/admin/skus/CATCH-1/sync")).body();
    assertTrue(sync.contains("\"status\":\"in_sync\""), sync);
  }
}
